"""Every figure the notebook draws, animation frames included, measured as drawn: each
component's number is nearer its own mean than any other, no mean's marker is hidden,
and the colours drawn stay apart under colour-vision deficiencies (as in test_colours).

The notebook's code cells run here in one namespace (Agg backend, from the project
folder); ``plt.show`` and ``display`` hand each figure to ``problems`` as the notebook
shows it, and the animation's frames are drawn with the notebook's own arguments.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import helpers  # noqa: E402
from helpers.animation import frame_figures  # noqa: E402
from test_colours import DRAWN_MIN, VISIONS, drawn_colours, min_distance  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _by_gid(artists, prefix):
    return {a.get_gid()[len(prefix):]: a for a in artists if (a.get_gid() or "").startswith(prefix)}


def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def problems(fig, name):
    """What is wrong in one figure: something cut off, a number nearer another mean, a marker
    fully covered, colours too close."""
    found = []
    if not hasattr(fig.canvas, "get_renderer"):  # a closed figure, as the manual demo's
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    drawn, (width, height) = fig.get_tightbbox(renderer), fig.get_size_inches()  # inches
    if drawn.x0 < -0.01 or drawn.y0 < -0.01 or drawn.x1 > width + 0.01 or drawn.y1 > height + 0.01:
        found.append(f"{name}: something is cut off at the edge of the figure")
    for ax in fig.axes:
        means = _by_gid(ax.lines, "mean ")
        centres = {k: ax.transData.transform(line.get_xydata()[0]) for k, line in means.items()}
        for k, text in _by_gid(ax.texts, "number ").items():
            box = text.get_window_extent(renderer)
            at = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
            own = np.linalg.norm(at - centres[k])
            for j, centre in centres.items():
                if j != k and np.linalg.norm(at - centre) <= own:
                    found.append(f"{name}, {ax.get_title()!r}: number {k} is as near mean {j} "
                                 "as its own")
        if ax.get_gid() == "components":  # the colours drawn, as in test_colours
            colours = np.vstack([drawn_colours(ax), matplotlib.colors.to_rgb(ax.get_facecolor())])
            for vision in VISIONS:
                if min_distance(colours, vision) < DRAWN_MIN:
                    found.append(f"{name}, {ax.get_title()!r}: two colours drawn are too close "
                                 f"for {vision}")
    # A marker is hidden if the figure looks the same without it (points left out: they lie below).
    points = [c for ax in fig.axes for c in ax.collections]
    for c in points:
        c.set_visible(False)
    whole = _pixels(fig)
    for ax in fig.axes:
        for k, line in _by_gid(ax.lines, "mean ").items():
            line.set_visible(False)
            changed = np.any(_pixels(fig) != whole, axis=2).sum()
            line.set_visible(True)
            if changed < 20:
                found.append(f"{name}, {ax.get_title()!r}: the marker of mean {k} is hidden "
                             f"({changed} px show)")
    for c in points:
        c.set_visible(True)
    return found


@pytest.fixture(scope="module")
def notebook_figures():
    """{name: problems} for every figure the notebook shows, in order; run once per module."""
    import os
    import sys

    found, shown = [], []

    def collect(fig):
        shown.append(fig)
        found.extend(problems(fig, f"figure {len(shown)}"))

    class Handle:
        def update(self, fig):
            collect(fig)

    def show(*args, **kwargs):
        for number in plt.get_fignums():
            collect(plt.figure(number))
        plt.close("all")

    def display(obj, display_id=None):
        if isinstance(obj, matplotlib.figure.Figure):
            collect(obj)
        return Handle()

    def animate_em(x, snapshots, **kwargs):  # the player's frames, as the notebook asks for them
        for i, fig in enumerate(frame_figures(x, snapshots)):
            shown.append(fig)
            found.extend(problems(fig, f"animation frame {i}"))
            plt.close(fig)

    saved = plt.show, helpers.animate_em, helpers.animation_html, os.getcwd()
    plt.show, helpers.animate_em, helpers.animation_html = show, animate_em, lambda anim: None
    users = [m for name, m in sys.modules.items()
             if name.startswith("helpers") and hasattr(m, "display")]
    displays = [m.display for m in users]  # helpers that show figures themselves, e.g. a demo
    for module in users:
        module.display = display
    os.chdir(ROOT)
    try:
        namespace = {"display": display, "__name__": "__main__"}
        with plt.rc_context():
            for cell in nbformat.read(ROOT / "nb07_em.ipynb", as_version=4).cells:
                if cell.cell_type == "code":
                    exec(compile(cell.source, "<cell>", "exec"), namespace)
            show()
    finally:
        plt.show, helpers.animate_em, helpers.animation_html = saved[:3]
        for module, original in zip(users, displays):
            module.display = original
        os.chdir(saved[3])
    return shown, found


@pytest.mark.slow
def test_the_notebook_draws_its_figures(notebook_figures):
    shown, _ = notebook_figures
    scatter = [fig for fig in shown if any(ax.get_gid() == "components" for ax in fig.axes)]
    # 13 still figures and 6 animation frames, all but 3 (data only, ℓ, BIC) with components
    assert len(shown) >= 19 and len(scatter) >= 16, \
        f"{len(shown)} figures, {len(scatter)} with components"


@pytest.mark.slow
def test_numbers_markers_and_colours_of_every_figure(notebook_figures):
    _, found = notebook_figures
    assert not found, "\n".join(found)

"""The animation player: its frames, and markup that survives JupyterLab's sanitizer.

tests/browser/test_lab.py watches the player play in real JupyterLab; these tests check
its structure without a browser.
"""

import base64
import io
import re
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import helpers  # noqa: E402
from helpers.plotting import snapshot_title  # noqa: E402

helpers.use_class_style()  # as the notebook does

# What JupyterLab 4's sanitizer keeps of untrusted HTML (its allow-lists, for the parts used here).
KEPT_TAGS = {"details", "summary", "img", "span"}
KEPT_ATTRIBUTES = {"img": {"src", "width", "height", "alt", "style"}, "details": {"style"},
                   "summary": {"style"}, "span": {"style"}}
KEPT_STYLES = {"display", "max-width", "height", "position", "top", "left", "list-style", "cursor",
               "margin-right", "padding", "font-size"}


class Markup(HTMLParser):
    """Every element (tag, attributes) of a piece of HTML, and the text of its scripts."""

    def __init__(self, html):
        super().__init__()
        self.elements, self.scripts, self._in_script = [], [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        if not self._in_script:
            self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def make_snapshots(n, n_points=300, seed=0):
    """n snapshots of two components moving apart, with responsibilities to match."""
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal(-2, 1, (n_points // 2, 2)), rng.normal(2, 1, (n_points // 2, 2))])
    snaps = []
    for i in range(n):
        mu = np.array([[-0.5 - 0.5 * i, 0.0], [0.5 + 0.5 * i, 0.0]])
        r = np.column_stack([x[:, 0] < 0, x[:, 0] >= 0]).astype(float) * 0.8 + 0.1
        snaps.append({"iteration": i, "ll": -3.0 + 0.1 * i, "r": r, "mu": mu,
                      "sigma": np.repeat(np.eye(2)[None], 2, axis=0) * (1 + i)})
    return x, snaps


def decode(uri):
    header, data = uri.split(",", 1)
    assert header in ("data:image/webp;base64",)
    return Image.open(io.BytesIO(base64.b64decode(data)))


def pixels(image):
    return np.asarray(image.convert("RGB"), dtype=float)


@pytest.fixture(scope="module")
def player():
    x, snaps = make_snapshots(4)
    anim = helpers.animate_em(x, snaps, interval=500, hold=2000)
    html = helpers.animation_html(anim).data
    return anim, html, Markup(html)


def test_one_frame_per_snapshot_titled_by_it():
    x, snaps = make_snapshots(3)
    anim = helpers.animate_em(x, snaps)
    assert len(anim.frames) == 3 and anim.titles == [snapshot_title(s, lines=1) for s in snaps]
    assert anim.titles[2] == "iteration 2: ℓ = -2.800"
    assert len({frame.size for frame in anim.frames}) == 1
    first, last = pixels(anim.frames[0]), pixels(anim.frames[2])
    assert np.abs(first - last).mean() > 1, "the means moved, so the frames must differ"


def test_frames_have_the_size_of_make_plots_own_figure():
    x, snaps = make_snapshots(2)
    anim = helpers.animate_em(x, snaps, scale=1)
    sharp = helpers.animate_em(x, snaps)  # by default twice the pixels, as the notebook's PNGs
    fig = helpers.make_plot(x, snaps[0]["r"], snaps[0]["mu"], snaps[0]["sigma"], title="t").figure
    width, height = np.round(fig.get_size_inches() * fig.dpi).astype(int)
    plt.close(fig)
    assert anim.css_size == (width, height) and anim.frames[0].size == (width, height)
    assert sharp.css_size == (width, height) and sharp.frames[0].size == (2 * width, 2 * height)


def test_each_frame_is_make_plots_own_figure():
    x, snaps = make_snapshots(3)
    anim = helpers.animate_em(x, snaps)
    for frame, snap in zip(anim.frames, snaps):
        fig = helpers.make_plot(x, snap["r"], snap["mu"], snap["sigma"],
                                title=snapshot_title(snap, lines=1),
                                limits=helpers.default_limits(x)).figure
        fig.set_dpi(2 * fig.dpi)
        fig.canvas.draw()
        drawn = pixels(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())))
        plt.close(fig)
        np.testing.assert_array_equal(pixels(frame), drawn)


def test_drawing_frames_leaves_no_figure_open():
    x, snaps = make_snapshots(2)
    before = plt.get_fignums()
    helpers.animate_em(x, snaps)
    assert plt.get_fignums() == before  # nothing left for the notebook to show as a still


def test_player_shows_the_first_frame_at_its_size(player):
    anim, html, markup = player
    tags = [tag for tag, _ in markup.elements]
    assert tags == ["details", "summary", "img", "span", "img"]
    still, moving = (attrs for tag, attrs in markup.elements if tag == "img")
    width, height = anim.css_size
    for img in (still, moving):
        assert (img["width"], img["height"]) == (str(width), str(height))
    first = decode(still["src"])
    assert first.size == anim.frames[0].size and getattr(first, "n_frames", 1) == 1
    np.testing.assert_array_equal(pixels(first), pixels(anim.frames[0]))  # lossless


def test_player_animation_holds_every_frame(player):
    anim, html, markup = player
    moving = [attrs for tag, attrs in markup.elements if tag == "img"][1]
    image = decode(moving["src"])
    assert image.n_frames == len(anim.frames) == 4
    durations, loops = [], image.info.get("loop")
    for i in range(image.n_frames):
        image.seek(i)
        image.load()  # the frame's duration is known once it is decoded
        durations.append(image.info["duration"])
        np.testing.assert_array_equal(pixels(image), pixels(anim.frames[i]),
                                      err_msg=f"frame {i} differs")
    assert durations == [500, 500, 500, 2000]
    assert loops == 0  # plays again and again while open


def test_player_survives_jupyterlab_sanitizer(player):
    """Untrusted, JupyterLab keeps only allowed tags, attributes and style properties."""
    _, html, markup = player
    for tag, attrs in markup.elements:
        assert tag in KEPT_TAGS
        assert set(attrs) <= KEPT_ATTRIBUTES[tag], (tag, attrs)
        for declaration in filter(None, attrs.get("style", "").split(";")):
            assert declaration.split(":")[0].strip() in KEPT_STYLES, declaration
    assert "<style" not in html and not re.search(r"\son\w+=", html) and " id=" not in html


def test_player_needs_no_network(player):
    _, html, markup = player
    sources = [attrs["src"] for tag, attrs in markup.elements if "src" in attrs]
    assert len(sources) == 2 and all(src.startswith("data:image/webp;base64,") for src in sources)
    # base64 may spell anything
    markup_only = re.sub(r"data:image/webp;base64,[A-Za-z0-9+/=]*", "", html)
    assert "http" not in markup_only and "url(" not in markup_only and "<link" not in markup_only


def test_player_script_only_restarts_the_animation(player):
    _, _, markup = player
    assert len(markup.scripts) == 1
    assert "toggle" in markup.scripts[0] and "fetch" not in markup.scripts[0]


def test_same_frames_give_the_same_html():
    x, snaps = make_snapshots(3)
    assert (helpers.animation_html(helpers.animate_em(x, snaps)).data
            == helpers.animation_html(helpers.animate_em(x, snaps)).data)


def test_player_of_the_course_run_is_small(nb, x_data):
    """The notebook's player: its frames as drawn there (twice the pixels, lossless) in about
    1 MB."""
    pi, mu, sigma = nb.init_params(x_data, 4, np.random.default_rng(0))
    *_, history = nb.run_em(x_data, pi, mu, sigma)
    last = len(history) - 1
    frames = np.unique(np.geomspace(1, last + 1, 7).astype(int) - 1)   # as the notebook
    snaps = [{"iteration": i, "ll": history[i]["ll"], "mu": history[i]["mu"],
              "sigma": history[i]["sigma"],
              "r": nb.e_step(x_data, history[i]["pi"], history[i]["mu"], history[i]["sigma"])}
             for i in frames]
    with plt.rc_context():
        helpers.use_class_style()
        html = helpers.animation_html(helpers.animate_em(x_data, snaps)).data
    assert len(html) < 1_200_000, f"player of {len(html) / 1000:.0f} kB"

"""The colours the figures draw stay apart for colour-blind readers, measured as drawn.

Distances are CAM02-UCS distances (colorspacious ``deltaE``) between colours as seen with
each colour-vision deficiency at full severity (``"sRGB1+CVD"``, severity 100).  The
colours are read from the drawn artists (scatter collections, mean markers, ellipse
outlines), composited over the Axes' background with their opacity.
``PYTHONPATH=. python tests/test_colours.py`` prints the table.
"""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb, to_rgba  # noqa: E402

from helpers import plotting  # noqa: E402

colorspacious = pytest.importorskip("colorspacious")

VISIONS = ["normal", "deuteranomaly", "protanomaly", "tritanomaly"]
K = 4                       # the notebook's mixture; the palette's later colours are spares
SOLID_MIN, DRAWN_MIN = 20.0, 10.0


def seen(rgb, vision):
    """sRGB colours (n, 3) in [0, 1] as seen with the given vision."""
    rgb = np.asarray(rgb, dtype=float)
    if vision == "normal":
        return rgb
    cvd = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
    return np.clip(colorspacious.cspace_convert(rgb, cvd, "sRGB1"), 0.0, 1.0)


def min_distance(rgb, vision):
    """The smallest CAM02-UCS distance between any two of the colours, as seen."""
    s = seen(rgb, vision)
    return min(colorspacious.deltaE(a, b, input_space="sRGB1")
               for a, b in itertools.combinations(s, 2))


def drawn_colours(ax):
    """The distinct colours of points, mean markers and ellipse outlines as they appear on
    the Axes: each RGBA composited over the background.  Points of different colours are
    opaque, so overlapping points make no blends (asserted here)."""
    background = np.array(to_rgb(ax.get_facecolor()))
    faces = [c.get_facecolors() for c in ax.collections if len(c.get_offsets())]
    if len({tuple(f[0]) for f in faces}) > 1:
        assert all(np.all(f[:, 3] == 1) for f in faces), \
            "translucent points of several colours blend"
    rgba = np.vstack(faces + [[to_rgba(line.get_color())] for line in ax.lines]
                     + [[p.get_edgecolor()] for p in ax.patches])
    rgb = rgba[:, :3] * rgba[:, 3:] + background * (1 - rgba[:, 3:])
    return np.unique(np.round(rgb, 4), axis=0)


def fit_figure():
    """make_plot of a soft fit with sure and unsure points, and a k-means-like hard panel."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)) * 3
    r = rng.dirichlet(np.full(K, 0.3), size=400)
    mu = rng.normal(size=(K, 2))
    sigma = np.repeat(np.eye(2)[None], K, axis=0)
    fig, axes = plotting.plot_panels(x, [{"title": "EM", "r": r, "mu": mu, "sigma": sigma},
                                         {"title": "labels", "labels": np.arange(400) % K,
                                          "mu": mu}])
    return fig, list(axes.flat)


@pytest.mark.parametrize("vision", VISIONS)
def test_solid_marks_stay_apart(vision):
    distance = min_distance([to_rgb(c) for c in plotting.COLORS[:K]], vision)
    assert distance >= SOLID_MIN, \
        f"{vision}: closest pair of component colours only {distance:.1f} apart"


@pytest.mark.parametrize("vision", VISIONS)
def test_every_colour_drawn_stays_apart(vision):
    fig, axes = fit_figure()
    for ax in axes:
        colours = drawn_colours(ax)
        assert len(colours) == K + (ax.get_title() == "EM")  # the components' colours, and grey
        distance = min_distance(np.vstack([colours, to_rgb(ax.get_facecolor())]), vision)
        assert distance >= DRAWN_MIN, \
            f"{vision}, {ax.get_title()}: two drawn colours only {distance:.1f} apart"
    plt.close(fig)


if __name__ == "__main__":
    fig, axes = fit_figure()
    print("minimum pairwise CAM02-UCS distance (severity 100) of the colours drawn, "
          "with the background")
    for vision in VISIONS:
        print(f"{vision:15s} " + "  ".join(
            f"{ax.get_title()}: "
            f"{min_distance(np.vstack([drawn_colours(ax), [1, 1, 1]]), vision):5.1f}"
            for ax in axes))

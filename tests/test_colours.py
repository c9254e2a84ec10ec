"""The four component colours stay apart for colour-blind readers, as the figures draw them.

Distances are CAM02-UCS distances (colorspacious ``deltaE``) between the colours as seen
with each colour-vision deficiency at full severity (``"sRGB1+CVD"``, severity 100).
Solid marks (means, ellipse outlines, the key) use ``COLORS[k]`` as they are; points are
drawn at ``POINT_ALPHA`` over a white background.  ``python tests/test_colours.py``
prints the table.
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
SOLID_MIN, POINTS_MIN = 20.0, 10.0


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
    return min(colorspacious.deltaE(a, b, input_space="sRGB1") for a, b in itertools.combinations(s, 2))


def solid_colours():
    return np.array([to_rgb(c) for c in plotting.COLORS[:K]])


def point_colours():
    """Each component's points as they look: its colour at POINT_ALPHA over white."""
    return plotting.POINT_ALPHA * solid_colours() + (1.0 - plotting.POINT_ALPHA)


@pytest.mark.parametrize("vision", VISIONS)
def test_solid_marks_stay_apart(vision):
    distance = min_distance(solid_colours(), vision)
    assert distance >= SOLID_MIN, f"{vision}: closest pair of component colours only {distance:.1f} apart"


@pytest.mark.parametrize("vision", VISIONS)
def test_points_stay_apart_at_their_opacity(vision):
    distance = min_distance(point_colours(), vision)
    assert distance >= POINTS_MIN, f"{vision}: closest pair of point colours only {distance:.1f} apart"


def test_the_figures_draw_with_these_constants():
    """What the test measures is what make_plot draws: opaque marks, points at POINT_ALPHA."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    labels = np.arange(40) % K
    mu = rng.normal(size=(K, 2))
    sigma = np.repeat(np.eye(2)[None], K, axis=0)
    ax = plotting.make_plot(x, labels=labels, mu=mu, sigma=sigma)
    points = ax.collections[0]
    assert points.get_alpha() == plotting.POINT_ALPHA
    np.testing.assert_allclose(points.get_facecolors()[:K, :3], solid_colours(), atol=1e-6)
    for k in range(K):
        marker = next(line for line in ax.lines if np.allclose(line.get_xydata()[0], mu[k]))
        assert to_rgba(marker.get_color()) == to_rgba(plotting.COLORS[k])  # opaque
        outlines = [p for p in ax.patches if np.allclose(p.center, mu[k])]
        assert all(p.get_edgecolor() == to_rgba(plotting.COLORS[k]) for p in outlines)
    plt.close("all")


if __name__ == "__main__":
    print(f"minimum pairwise CAM02-UCS distance of COLORS[:{K}] (severity 100)")
    print(f"{'vision':15s} {'solid':>6s} {f'points at {plotting.POINT_ALPHA:.0%}':>16s}")
    for vision in VISIONS:
        print(f"{vision:15s} {min_distance(solid_colours(), vision):6.1f} "
              f"{min_distance(point_colours(), vision):16.1f}")

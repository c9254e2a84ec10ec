"""The plotting helpers, tested like a library (on the Agg backend, no screen needed)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import helpers  # noqa: E402
from helpers.plotting import ellipse_params, mass_within  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def rotation(deg):
    t = np.radians(deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@pytest.mark.parametrize("cov, width, height, angles", [
    ([[4.0, 0.0], [0.0, 1.0]], 4.0, 2.0, (0.0, 180.0)),          # diagonal, wide
    ([[1.0, 0.0], [0.0, 9.0]], 6.0, 2.0, (90.0, -90.0)),         # diagonal, tall
    ([[2.0, -1.0], [-1.0, 2.0]], 2 * np.sqrt(3.0), 2.0, (-45.0, 135.0)),  # negatively correlated
    ([[2.0, 1.0], [1.0, 2.0]], 2 * np.sqrt(3.0), 2.0, (45.0, -135.0)),    # positively correlated
])
def test_ellipse_matches_known_covariances(cov, width, height, angles):
    w, h, a = ellipse_params(cov, n_sigma=1)
    assert w == pytest.approx(width) and h == pytest.approx(height)
    assert min(abs(a - angle) for angle in angles) < 1e-9


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_sigma", [1, 2, 3])
def test_ellipse_rebuilds_the_covariance(seed, n_sigma):
    """Rotating diag(half-axes^2) by the angle gives back n_sigma^2 * cov."""
    A = np.random.default_rng(seed).normal(size=(2, 2))
    cov = A @ A.T + 0.1 * np.eye(2)
    w, h, a = ellipse_params(cov, n_sigma)
    R = rotation(a)
    rebuilt = R @ np.diag([(w / 2) ** 2, (h / 2) ** 2]) @ R.T
    np.testing.assert_allclose(rebuilt, n_sigma**2 * cov, atol=1e-10)
    assert w >= h


def test_ellipse_rejects_other_dimensions():
    with pytest.raises(ValueError, match="2x2"):
        ellipse_params(np.eye(3))


def test_mass_within_levels():
    assert [round(100 * mass_within(k)) for k in (1, 2, 3)] == [39, 86, 99]


def test_add_cov_ellipses_draws_each_level_with_keywords():
    fig, ax = plt.subplots()
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    patches = helpers.add_cov_ellipses(ax, (1.0, -2.0), cov, "#D55E00", n_sigmas=(1, 2, 3))
    assert len(patches) == 3 and all(p in ax.patches for p in patches)
    for n_sigma, patch in zip((1, 2, 3), patches):
        w, h, a = ellipse_params(cov, n_sigma)
        assert (patch.width, patch.height, patch.angle) == pytest.approx((w, h, a))
        assert patch.center == pytest.approx((1.0, -2.0))
        assert patch.get_edgecolor() == to_rgba("#D55E00")


def make_fit(K=3, N=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 2))
    r = rng.dirichlet(np.ones(K), size=N)
    mu = rng.normal(size=(K, 2))
    sigma = np.repeat(np.eye(2)[None], K, axis=0) * np.arange(1, K + 1)[:, None, None]
    return x, r, mu, sigma


def test_make_plot_returns_its_axes_and_shares_colours():
    x, r, mu, sigma = make_fit()
    ax = helpers.make_plot(x, r, mu, sigma, ll=-1.23456)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title() == "mean log-likelihood per sample = -1.2346"
    assert len(ax.patches) == 3 * len(helpers.SIGMA_LEVELS)
    # ellipses and mean markers of component k both use COLORS[k]
    for k in range(3):
        for patch in ax.patches[k * 2:(k + 1) * 2]:
            assert patch.get_edgecolor() == to_rgba(helpers.COLORS[k])
        assert to_rgba(ax.lines[k].get_color()) == to_rgba(helpers.COLORS[k])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["component 0", "component 1", "component 2"]
    assert "1σ ellipse: 39%" in labels and "2σ ellipse: 86%" in labels


def test_point_colour_mixes_component_colours_by_responsibility():
    x, _, mu, sigma = make_fit(K=2, N=2)
    r = np.array([[1.0, 0.0], [0.5, 0.5]])
    ax = helpers.make_plot(x, r, mu, sigma)
    face = ax.collections[0].get_facecolors()[:, :3]
    c0, c1 = (np.array(to_rgba(c)[:3]) for c in helpers.COLORS[:2])
    np.testing.assert_allclose(face[0], c0, atol=1e-6)
    np.testing.assert_allclose(face[1], (c0 + c1) / 2, atol=1e-6)


def test_make_plot_draws_on_a_given_axes_and_rejects_3d():
    fig, (a, b) = plt.subplots(1, 2)
    x, *_ = make_fit()
    assert helpers.make_plot(x, ax=b) is b
    assert len(b.collections) == 1 and len(a.collections) == 0
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        helpers.make_plot(np.zeros((5, 3)))


def test_plot_ll_reports_the_smallest_change():
    ax = helpers.plot_ll([-3.0, -2.0, -1.5, -1.4])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [-3.0, -2.0, -1.5, -1.4])
    assert ax.get_title() == "smallest change per iteration: +1.00e-01"


def snapshots(n):
    x, r, mu, sigma = make_fit()
    return x, [{"iteration": i, "ll": -2.0 + 0.1 * i, "r": r, "mu": mu + i, "sigma": sigma} for i in range(n)]


def test_plot_snapshots_grid():
    x, snaps = snapshots(5)
    fig, axes = helpers.plot_snapshots(x, snaps, ncols=3)
    assert axes.shape == (2, 3)
    assert [ax.get_visible() for ax in axes.flat] == [True] * 5 + [False]
    assert axes.flat[4].get_title() == "iteration 4: ll = -1.600"
    assert len({(ax.get_xlim(), ax.get_ylim()) for ax in axes.flat[:5]}) == 1  # means move, the view does not


def test_params_table_rows_use_component_colours():
    pi = np.array([0.6, 0.4])
    mu = np.array([[0.0, 1.0], [2.0, 3.0]])
    sigma = np.repeat(np.eye(2)[None], 2, axis=0)
    html = helpers.params_table(pi, mu, sigma, pi + 0.01, mu, sigma, [1, 0]).data
    assert html.count("<tr>") == 3
    first, second = html.split("<tr>")[2:]
    assert helpers.COLORS[1] in first and helpers.COLORS[0] in second
    assert "0.600" in first and "0.610" in first


def test_draw_component_returns_its_artists_in_its_colour():
    fig, ax = plt.subplots()
    artists = helpers.draw_component(ax, 2, (0.5, 1.0), np.eye(2), n_sigmas=(1, 2, 3))
    assert len(artists) == 4  # three ellipses and the mean's marker
    *ellipses, marker = artists
    assert all(e.get_edgecolor() == to_rgba(helpers.COLORS[2]) for e in ellipses)
    assert to_rgba(marker.get_color()) == to_rgba(helpers.COLORS[2])
    assert helpers.draw_component(ax, 0, (0.0, 0.0))[0].get_xydata().tolist() == [[0.0, 0.0]]


def test_default_limits_hold_data_and_means_with_a_margin():
    x = np.array([[0.0, 0.0], [10.0, 4.0]])
    (x0, x1), (y0, y1) = helpers.default_limits(x, mu=np.array([[12.0, 2.0]]))
    assert x0 == pytest.approx(-0.6) and x1 == pytest.approx(12.6)
    assert y0 == pytest.approx(-0.2) and y1 == pytest.approx(4.2)


@pytest.mark.parametrize("x", [np.array([[1.0, 2.0]]), np.repeat([[1.0, 2.0]], 5, axis=0)])
def test_degenerate_data_still_get_a_sensible_view(x):
    """A single (or repeated) point once gave a view 2e-9 wide: a unit ellipse became ~1e9 pixels."""
    sigma = np.eye(2)[None]
    (x0, x1), (y0, y1) = helpers.default_limits(x, np.zeros((1, 2)), sigma)
    widest = 4.0  # the 2-sigma ellipse of the identity
    assert x1 - x0 >= 0.02 * widest and y1 - y0 >= 0.02 * widest
    np.testing.assert_allclose(helpers.default_limits(x), [[0.45, 1.55], [1.45, 2.55]])  # unit span
    ax = helpers.make_plot(x, np.ones((len(x), 1)), np.zeros((1, 2)), sigma)
    ax.figure.canvas.draw()

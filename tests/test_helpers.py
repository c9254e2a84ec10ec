"""The plotting helpers, tested like a library (on the Agg backend, no screen needed)."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import helpers  # noqa: E402
from helpers.plotting import ellipse_params, mass_within  # noqa: E402

helpers.use_class_style()  # as the notebook does: the sizes the figures are laid out for


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


def component_artists(ax, mean):
    """The ellipses, marker and number text that make_plot drew for the component at `mean`."""
    ellipses = [p for p in ax.patches if np.allclose(p.center, mean)]
    markers = [line for line in ax.lines if np.allclose(line.get_xydata()[0], mean)]
    numbers = [t for t in ax.texts if np.allclose(t.xy, mean)]
    return ellipses, markers, numbers


def test_make_plot_returns_its_axes_and_shares_colours():
    x, r, mu, sigma = make_fit()
    ax = helpers.make_plot(x, r, mu, sigma, ll=-1.23456)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title() == "ℓ = -1.2346 (mean log-likelihood per sample)"
    assert len(ax.patches) == 3 * len(helpers.SIGMA_LEVELS)
    # component k: ellipses and mean marker in COLORS[k], its own marker shape and line
    # style, and its number written beside its mean
    for k in range(3):
        ellipses, markers, numbers = component_artists(ax, mu[k])
        assert len(ellipses) == len(helpers.SIGMA_LEVELS) and len(markers) == 1
        assert all(e.get_edgecolor() == to_rgba(helpers.COLORS[k]) for e in ellipses)
        assert {e.get_linestyle() for e in ellipses} == {
            matplotlib.lines.Line2D([], [], linestyle=helpers.LINESTYLES[k]).get_linestyle()}
        assert to_rgba(markers[0].get_color()) == to_rgba(helpers.COLORS[k])
        assert markers[0].get_marker() == helpers.MARKERS[k]
        assert [t.get_text() for t in numbers] == [str(k)]
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "component"
    labels = [t.get_text() for t in legend.get_texts()]
    # some points are unsure
    assert labels == ["0", "1", "2", "1σ: 39%", "2σ: 86%", "all r < 0.9"]
    handles = legend.legend_handles[:3]
    assert [h.get_marker() for h in handles] == helpers.MARKERS[:3]


def test_components_differ_in_more_than_colour():
    """Shapes and line styles alone tell the first four components apart."""
    assert len(set(helpers.MARKERS[:4])) == 4 and len(set(helpers.LINESTYLES[:4])) == 4
    assert len(set(helpers.COLORS[:4])) == 4


def test_broad_ellipses_are_drawn_first_and_markers_on_one_spot_all_show():
    """A small component drawn over a broad one stays visible, even with the same mean."""
    fig, ax = plt.subplots()
    mu = np.zeros((4, 2))
    sigma = np.array([np.eye(2) * s for s in (1.0, 9.0, 4.0, 0.25)])
    helpers.make_plot(np.zeros((3, 2)), np.full((3, 4), 0.25), mu, sigma, ax=ax, legend=False)
    first_level = [p for p in ax.patches
                   if p.get_linewidth() == max(q.get_linewidth() for q in ax.patches)]
    areas = [p.width * p.height for p in sorted(first_level, key=lambda p: p.get_zorder())]
    assert areas == sorted(areas, reverse=True)
    assert min(t.get_zorder() for t in ax.texts) > max(p.get_zorder() for p in ax.patches)
    sizes = [line.get_markersize() for line in ax.lines]  # in drawing order
    # each drawn smaller over the last
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 4
    assert len({t.xyann for t in ax.texts}) == 4  # four numbers, none on another


@pytest.mark.parametrize("gap, margin", [(0.05, 0), (0.3, 5), (1.0, 5)])  # 3, 15 and 50 px apart
def test_each_number_is_nearer_its_own_mean_than_any_other(gap, margin):
    """Three means close together: every number still sits nearest its own mean."""
    mu = np.array([[0.0, 0.0], [gap, 0.0], [0.0, gap], [5.0, 5.0]])
    ax = helpers.make_plot(np.array([[-5.0, -5.0], [6.0, 6.0]]), mu=mu)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    means = ax.transData.transform(mu)
    for k, text in enumerate(t for t in ax.texts if t.get_gid() == f"number {t.get_text()}"):
        box = text.get_window_extent(renderer)
        at = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
        distances = np.linalg.norm(means - at, axis=1)
        assert np.argmin(distances) == int(text.get_text()) \
            and np.sort(distances)[1] > distances.min() + margin


def test_a_point_has_its_likeliest_components_colour_or_is_unsure_grey():
    x, _, mu, sigma = make_fit(K=2, N=4)
    r = np.array([[1.0, 0.0], [0.05, 0.95], [0.5, 0.5], [0.85, 0.15]])
    ax = helpers.make_plot(x, r, mu, sigma)
    sure, unsure = ax.collections
    np.testing.assert_allclose(sure.get_offsets(), x[:2])
    np.testing.assert_allclose(sure.get_facecolors(),
                               [to_rgba(helpers.COLORS[0]), to_rgba(helpers.COLORS[1])])
    np.testing.assert_allclose(unsure.get_offsets(), x[2:])
    np.testing.assert_allclose(unsure.get_facecolors(), [to_rgba(helpers.plotting.UNSURE_GREY)])
    assert unsure.get_gid() == "unsure" \
        and "all r < 0.9" in [t.get_text() for t in ax.get_legend().get_texts()]
    # nothing unsure: no grey in the key
    certain = helpers.make_plot(x, np.eye(2)[[0, 1, 1, 0]], mu, sigma)
    assert "all r < 0.9" not in [t.get_text() for t in certain.get_legend().get_texts()]


def test_make_plot_draws_on_a_given_axes_and_rejects_3d():
    fig, (a, b) = plt.subplots(1, 2)
    x, *_ = make_fit()
    assert helpers.make_plot(x, ax=b) is b
    assert len(b.collections) == 1 and len(a.collections) == 0 \
        and helpers.make_plot(x, ax=a).get_legend() is None
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        helpers.make_plot(np.zeros((5, 3)))


def test_plot_ll_labels_start_end_and_notes():
    lls = [-3.0, -2.0, -1.5, -1.4]
    ax = helpers.plot_ll(lls, annotations=[(2, "two components share a cluster")], plateau=None,
                         end_label="converged after 3 iterations")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), lls)
    assert ax.get_ylabel() == "ℓ, mean log-likelihood per sample"
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["start: ℓ = -3.000", "converged after 3 iterations: ℓ = -1.400",
                     "two components share a cluster"]
    assert ax.texts[2].xy == (2, -1.5)


def test_find_plateau_finds_the_stall_before_the_second_climb():
    # stall at 2-5, then converged
    gains = [1.0, 0.5, 0.001, 0.001, 0.001, 0.001, 0.2, 0.1, 0.0005, 0.0001]
    lls = np.concatenate([[-5.0], -5.0 + np.cumsum(gains)])
    assert helpers.find_plateau(lls) == (2, 6)
    assert helpers.find_plateau(lls[:7]) is None  # a stall at the end is convergence, not a plateau
    ax = helpers.plot_ll(lls)
    span = ax.patches[0]  # a Rectangle since matplotlib 3.9, a Polygon before
    xs = span.get_path().transformed(span.get_patch_transform()).vertices[:, 0]
    assert (xs.min(), xs.max()) == (2, 6)
    assert "plateau" in ax.texts[-1].get_text()


def snapshots(n):
    x, r, mu, sigma = make_fit()
    return x, [{"iteration": i, "ll": -2.0 + 0.1 * i, "r": r, "mu": mu + i, "sigma": sigma}
               for i in range(n)]


def test_plot_snapshots_grid():
    x, snaps = snapshots(5)
    figs, axes = helpers.plot_snapshots(x, snaps, ncols=3)
    assert axes.shape == (2, 3) and len(figs) == 2  # a figure per row, each with its key
    assert [ax.get_visible() for ax in axes.flat] == [True] * 5 + [False]
    assert axes.flat[0].get_title() == "start\nℓ = -2.000"
    assert axes.flat[4].get_title() == "iteration 4\nℓ = -1.600"
    assert all(fig.legends for fig in figs), "every row has a key"
    # means move, the view does not
    assert len({(ax.get_xlim(), ax.get_ylim()) for ax in axes.flat[:5]}) == 1
    # the y label is hidden on these panels, but a screen reader still hears both axes
    for fig in figs:
        assert helpers.figure_alt_text(fig).split(": ")[0] in (
            "3 scatter plots of x₂ against x₁", "2 scatter plots of x₂ against x₁")
        assert not any(ax.yaxis.label.get_visible() for ax in fig.axes)


def test_the_notebooks_snapshot_call_gives_panels_400_px_wide(x_data):
    x, snaps = snapshots(4)
    figs, axes = helpers.plot_snapshots(x_data, [dict(s, r=np.full((len(x_data), 3), 1 / 3))
                                                 for s in snaps],
                                        ncols=2)
    for ax in axes.flat:
        assert ax.get_window_extent().width >= 400  # CSS px: the figures are drawn at 72 dpi


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
    assert len(artists) == 5  # three ellipses, the mean's marker and the component's number
    *ellipses, marker, number = artists
    assert number.get_text() == "2" and number.xy == (0.5, 1.0) and number.get_gid() == "number 2"
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
    """A single (or repeated) point once gave a view 2e-9 wide: a unit ellipse became ~1e9
    pixels."""
    sigma = np.eye(2)[None]
    (x0, x1), (y0, y1) = helpers.default_limits(x, np.zeros((1, 2)), sigma)
    widest = 4.0  # the 2-sigma ellipse of the identity
    assert x1 - x0 >= 0.02 * widest and y1 - y0 >= 0.02 * widest
    np.testing.assert_allclose(helpers.default_limits(x), [[0.45, 1.55], [1.45, 2.55]])  # unit span
    ax = helpers.make_plot(x, np.ones((len(x), 1)), np.zeros((1, 2)), sigma)
    ax.figure.canvas.draw()


# --- Figures for a 16:9 projector: JupyterLab's output area at 1280x720 is about 848 x 560 CSS px.

def all_figures():
    """One of each figure the helpers draw, on a small fit."""
    x, r, mu, sigma = make_fit(K=4, N=200)
    lls = [-3.0, -2.0, -1.99, -1.98, -1.97, -1.5, -1.45, -1.45]
    snaps = [{"iteration": i, "ll": lls[i], "r": r, "mu": mu + 0.1 * i, "sigma": sigma}
             for i in range(6)]
    panels = [{"title": "k-means", "labels": np.arange(200) % 4, "mu": mu},
              {"title": "EM", "r": r, "mu": mu, "sigma": sigma}]
    return {
        "data": helpers.make_plot(x, title="the data").figure,
        "fit": helpers.make_plot(x, r, mu, sigma, -1.5,
                                 title="converged after 7 iterations").figure,
        "ll": helpers.plot_ll(lls).figure,
        "snapshots": helpers.plot_snapshots(x, snaps)[0][0],
        "snapshots-2": helpers.plot_snapshots(x, snaps)[0][1],
        "panels": helpers.plot_panels(x, panels)[0],
        "simulated": helpers.plot_data_vs_simulated(x, x + 0.1, np.arange(200) % 4, mu, sigma)[0],
        "bic": helpers.plot_bic(range(1, 7), [900.0, 400.0, 120.0, 100.0, 148.0, 190.0]).figure,
    }


def test_every_figure_fits_the_projector_box_with_large_text():
    box_w, box_h = helpers.plotting.BOX
    for name, fig in all_figures().items():
        width, height = fig.get_size_inches() * fig.dpi
        assert width <= box_w + 1e-6 and height <= box_h + 1e-6, \
            f"{name}: {width:.0f} x {height:.0f}"
        fig.canvas.draw()
        texts = [t for t in fig.findobj(matplotlib.text.Text)
                 if t.get_visible() and t.get_text().strip()]
        smallest = min(t.get_fontsize() * fig.dpi / 72 for t in texts)
        assert smallest >= 18, f"{name}: text of {smallest:.1f} px"
        drawn = fig.get_tightbbox()  # in inches: everything drawn, text included
        assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01, f"{name}: cut off at the left or bottom"
        assert drawn.x1 <= width / fig.dpi + 0.01 and drawn.y1 <= height / fig.dpi + 0.01, \
            f"{name}: cut off at the right or top"


def test_a_smaller_box_gives_a_smaller_figure():
    x, r, mu, sigma = make_fit()
    fig = helpers.make_plot(x, r, mu, sigma, title="step 1", box=(848, 420)).figure
    width, height = fig.get_size_inches() * fig.dpi
    assert width <= 848 and height <= 420 and height >= 400  # as large as the box allows


def test_plot_fills_its_figure_when_there_is_no_key():
    x, *_ = make_fit()
    ax = helpers.make_plot(x, title="data")
    fig_w, _ = ax.figure.get_size_inches() * ax.figure.dpi
    ax_w = ax.get_position().width * fig_w
    margins = helpers.plotting._LEFT + helpers.plotting._RIGHT  # tick labels and axis labels only
    assert fig_w - ax_w == pytest.approx(margins, abs=1)  # to the whole pixel


def test_the_notebook_shows_retina_pngs_with_alt_text_from_savefig():
    """In IPython: matplotlib's own PNG at twice the pixels, shown at the figure's CSS size."""
    import io

    from IPython.core.interactiveshell import InteractiveShell
    from PIL import Image

    shell = InteractiveShell.instance()
    try:
        with matplotlib.rc_context():
            helpers.use_class_style()
            fig = helpers.make_plot(*make_fit(K=2)[:2], title="fit").figure
            data, meta = shell.display_formatter.formatters["image/png"](fig)
    finally:
        InteractiveShell.clear_instance()
    css = tuple(np.round(fig.get_size_inches() * fig.dpi).astype(int))
    assert (meta["width"], meta["height"]) == css
    assert meta["alt"].startswith("Scatter plot of x₂ against x₁: fit.")
    image = Image.open(io.BytesIO(data))
    assert image.size == (2 * css[0], 2 * css[1])
    # the density, for a reader of the file
    np.testing.assert_allclose(image.info["dpi"], (144, 144), atol=0.01)


def test_the_key_has_no_dashed_line_of_width_zero():
    """matplotlib <= 3.10 refuses to draw one ("At least one value in the dash list must be
    positive")."""
    for ellipses in (True, False):
        for handle in helpers.plotting.key_handles(4, ellipses=ellipses, unsure=True):
            assert handle.get_linestyle() in ("-", "None") or handle.get_linewidth() > 0, \
                handle.get_label()
    x, _, mu, _ = make_fit(K=4)
    helpers.make_plot(x, mu=mu).figure.savefig(io.BytesIO(), format="png")  # means without ellipses


def test_alt_text_describes_panels_and_components():
    figures = all_figures()
    alt = helpers.figure_alt_text(figures["snapshots"])
    assert alt.startswith("2 scatter plots of x₂ against x₁: start, ℓ = -3.000; "
                          "iteration 1, ℓ = -2.000.")
    assert "Components are told apart by colour, marker shape" in alt and "Grey points:" in alt
    assert "start: ℓ = -3.000" in helpers.figure_alt_text(figures["ll"])


def test_plot_bic_shows_the_difference_from_the_minimum_and_marks_it():
    bics = [900.0, 400.0, 120.0, 100.0, 148.0]
    ax = helpers.plot_bic(range(1, 6), bics)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [800.0, 300.0, 20.0, 0.0, 48.0])
    star = ax.lines[1]
    assert star.get_xydata().tolist() == [[4.0, 0.0]] and star.get_marker() == "*"
    assert "K = 4" in ax.get_title()
    assert "+48" in [t.get_text() for t in ax.texts]


def test_data_vs_simulated_colours_points_by_sampled_component_on_the_data_view():
    x, _, mu, sigma = make_fit(K=3)
    z = np.arange(len(x)) % 3
    fig, axes = helpers.plot_data_vs_simulated(x, 3 * x, z, mu, sigma)
    data_ax, sim_ax = axes.flat
    assert sim_ax.get_xlim() == data_ax.get_xlim() == helpers.default_limits(x)[0]
    for k, points in enumerate(sim_ax.collections):  # one scatter per label: its colour and marker
        np.testing.assert_allclose(points.get_offsets(), 3 * x[z == k])
        np.testing.assert_allclose(points.get_facecolors(), [to_rgba(helpers.COLORS[k])])
        style = matplotlib.markers.MarkerStyle(helpers.MARKERS[k])
        marker_path = style.get_path().transformed(style.get_transform())
        np.testing.assert_allclose(points.get_paths()[0].vertices, marker_path.vertices)
    assert fig.legends, "a key for the components"


def test_plot_panels_shares_one_view_that_holds_every_panel():
    x, r, mu, sigma = make_fit()
    far = mu + 20
    fig, axes = helpers.plot_panels(x, [{"title": "a", "r": r, "mu": mu, "sigma": sigma},
                                        {"title": "b", "r": r, "mu": far, "sigma": sigma}])
    (x0, x1), (y0, y1) = axes[0, 0].get_xlim(), axes[0, 0].get_ylim()
    assert axes[0, 1].get_xlim() == (x0, x1)
    assert x0 <= x.min() and x1 >= far[:, 0].max() and y1 >= far[:, 1].max()


def test_default_limits_hold_the_ellipses_but_not_a_huge_one():
    x = np.array([[0.0, 0.0], [10.0, 10.0]])
    mu = np.array([[5.0, 5.0]])
    (x0, x1), _ = helpers.default_limits(x, mu, np.array([np.eye(2) * 16.0]))  # 2-sigma reach: 8
    assert x0 <= -3 and x1 >= 13
    (x0, x1), _ = helpers.default_limits(x, mu, np.array([np.eye(2) * 1e4]))  # reach 200
    assert x1 - x0 < 2 * 10  # capped: a third of the data's span on each side, plus the margin


def test_the_demo_says_converged_in_its_title_and_prints_nothing(nb, x_data, capsys, monkeypatch):
    """What the notebook's text before the demo promises: one step per run, "(converged: ...)" in
    the title once a step gains less than 1e-6 (run_em's test), and no printed line."""
    import types
    monkeypatch.setattr(helpers.demo, "display",
                        lambda *a, **k: types.SimpleNamespace(update=lambda fig: None))
    demo = helpers.ManualDemo(x_data, *nb.init_params(x_data, 4, np.random.default_rng(0)),
                              nb.e_step, nb.ll)
    for _ in range(500):
        demo.r = nb.e_step(x_data, demo.pi, demo.mu, demo.sigma)
        demo.pi, demo.mu, demo.sigma = nb.m_step(x_data, demo.r)
        demo.show()
        assert ("(converged" in demo.ax.get_title()) == demo.converged
        if demo.converged:
            break
    *_, history = nb.run_em(x_data, *nb.init_params(x_data, 4, np.random.default_rng(0)))
    assert demo.converged and demo.step == len(history) - 1
    assert capsys.readouterr().out == ""

"""Figures for the EM notebook: data, soft assignments, covariance ellipses, progress.

Every function takes an optional matplotlib ``ax`` (or makes its own figure) and
returns what it drew, so figures can be composed and tested.  Component k is drawn
in ``COLORS[k]`` everywhere: its points, its mean, its ellipses and its table rows.
"""

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse

# Okabe-Ito palette: distinguishable with the common forms of colour blindness
# and on a washed-out projector.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
DATA_GREY = "#555555"

# Ellipses are drawn at these multiples of the standard deviation.  In 2-D the
# k-sigma ellipse of a Gaussian holds 1 - exp(-k^2 / 2) of its mass.
SIGMA_LEVELS = (1, 2)


def mass_within(n_sigma):
    """Fraction of a 2-D Gaussian's mass inside its n_sigma ellipse: 1 - exp(-n^2/2)."""
    return 1.0 - np.exp(-0.5 * n_sigma**2)


def sigma_label(n_sigmas=SIGMA_LEVELS):
    """Text such as 'ellipses: 1σ (39% of the mass, solid), 2σ (86%, dashed)' for a title."""
    parts = [f"{k:g}σ ({100 * mass_within(k):.0f}%, {'solid' if i == 0 else 'dashed'})"
             for i, k in enumerate(n_sigmas)]
    return "ellipses: " + ", ".join(parts)


def component_color(k):
    """The colour of component k (the palette repeats after len(COLORS) components)."""
    return COLORS[k % len(COLORS)]


def use_class_style():
    """Large fonts and thick lines, so figures read from the back of a lecture hall.

    Figures get fixed margins that fit these fonts, so that a notebook can show each
    figure at its own size: inside IPython this also turns off the inline backend's
    "tight" cropping, which draws every figure twice and nearly doubles Run All's
    plotting time.
    """
    plt.rcParams.update({
        "figure.figsize": (10.0, 6.5),
        "figure.dpi": 80,
        "savefig.dpi": 80,
        "font.size": 15,
        "axes.titlesize": 17,
        "axes.labelsize": 16,
        "xtick.labelsize": 13,
        "ytick.labelsize": 13,
        "legend.fontsize": 13,
        "legend.title_fontsize": 13,
        "lines.linewidth": 2.5,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.subplot.left": 0.12,
        "figure.subplot.right": 0.96,
        "figure.subplot.bottom": 0.14,
        "figure.subplot.top": 0.9,
        "figure.subplot.wspace": 0.25,
    })
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing else to set
        return
    shell = get_ipython()
    if shell is not None:
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")


def ellipse_params(cov, n_sigma=1.0):
    """Width, height and angle (degrees) of the n_sigma ellipse of a 2x2 covariance.

    The ellipse's axes are the eigenvectors of ``cov``; its half-axes are n_sigma
    times the square roots of the eigenvalues.  ``width`` lies along the largest
    eigenvalue's eigenvector (a *column* of ``eigh``'s result), ``angle`` is that
    vector's direction, counter-clockwise from the x axis, in (-180, 180].
    """
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (2, 2):
        raise ValueError(f"ellipse_params needs a 2x2 covariance, got shape {cov.shape}")
    vals, vecs = np.linalg.eigh(cov)  # eigenvalues in ascending order
    major = vecs[:, 1]
    angle = np.degrees(np.arctan2(major[1], major[0]))
    width = 2.0 * n_sigma * np.sqrt(max(vals[1], 0.0))
    height = 2.0 * n_sigma * np.sqrt(max(vals[0], 0.0))
    return width, height, angle


def add_cov_ellipses(ax, mean, cov, color, n_sigmas=SIGMA_LEVELS, fill_alpha=0.12):
    """Draw the n-sigma ellipses of N(mean, cov) for each n in n_sigmas; return the patches.

    Each ellipse has a solid outline in ``color`` (solid for the first level, dashed
    for the others) and a faint fill, and is drawn above the points.
    """
    patches = []
    for level, n_sigma in enumerate(n_sigmas):
        width, height, angle = ellipse_params(cov, n_sigma)
        patch = Ellipse(xy=tuple(mean), width=width, height=height, angle=angle,
                        facecolor=(*to_rgb(color), fill_alpha), edgecolor=color,
                        linewidth=2.5, linestyle="-" if level == 0 else "--", zorder=3)
        ax.add_patch(patch)
        patches.append(patch)
    return patches


def draw_component(ax, k, mean, cov=None, n_sigmas=SIGMA_LEVELS):
    """Draw component k's mean (a cross) and, given its covariance, its ellipses, in COLORS[k].

    Returns the list of artists drawn (ellipses first, then the mean's marker).
    """
    color = component_color(k)
    artists = [] if cov is None else add_cov_ellipses(ax, mean, cov, color, n_sigmas)
    artists += ax.plot(*mean, marker="X", markersize=15, color=color, zorder=4,
                       markeredgecolor="white", markeredgewidth=1.5, linestyle="none")
    return artists


def _snapshot_title(snap):
    return f"iteration {snap['iteration']}: ll = {snap['ll']:.3f}"


def _point_colors(r):
    """Each point's colour is its components' colours mixed by its responsibilities r (N, K)."""
    palette = np.array([to_rgb(component_color(k)) for k in range(r.shape[1])])
    return np.clip(r @ palette, 0.0, 1.0)


def default_limits(x, mu=None, sigma=None, n_sigmas=SIGMA_LEVELS):
    """((xmin, xmax), (ymin, ymax)) holding the data and the means, with a 5% margin.

    Each side spans at least 2% of the widest ellipse (or 1 if there is nothing to
    go by), so that degenerate data, such as a single point, still give a sensible view
    in which an ellipse is never thousands of times larger than the axes.
    """
    points = x if mu is None else np.vstack([x, mu])
    lo, hi = points.min(axis=0), points.max(axis=0)
    floor = 0.0
    if sigma is not None and len(sigma):
        widest = 2 * max(n_sigmas) * np.sqrt(np.linalg.eigvalsh(sigma)[:, -1].max())  # as ellipse_params
        floor = 0.02 * widest
    span = np.maximum(hi - lo, floor)
    span[span == 0] = 1.0
    center = (lo + hi) / 2
    half = 0.55 * span  # half the span plus a 5% margin on each side
    return tuple((c - h, c + h) for c, h in zip(center, half))


def make_plot(x, r=None, mu=None, sigma=None, ll=None, ax=None, title=None,
              n_sigmas=SIGMA_LEVELS, legend=True, limits=None):
    """Scatter 2-D data, optionally coloured by responsibilities, with means and ellipses.

    x : (N, 2) data.  r : (N, K) responsibilities; a point's colour mixes the
    component colours by its r, so uncertain points look blended.  mu : (K, 2)
    means, sigma : (K, 2, 2) covariances.  ll : mean log-likelihood per sample,
    shown in the title.  limits : ((xmin, xmax), (ymin, ymax)); default: the data
    with a margin, so ellipses never rescale the view.  Returns the Axes.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"make_plot draws 2-D data of shape (N, 2); got shape {x.shape}")
    if ax is None:
        fig, ax = plt.subplots()
        fig.subplots_adjust(left=0.1, right=0.7)  # room for the legend on the right
    colors = DATA_GREY if r is None else _point_colors(np.asarray(r))
    ax.scatter(x[:, 0], x[:, 1], s=8, c=colors, alpha=0.35, linewidths=0)
    handles = []
    if mu is not None:
        for k, mean in enumerate(np.asarray(mu)):
            draw_component(ax, k, mean, None if sigma is None else sigma[k], n_sigmas)
            handles.append(Line2D([], [], marker="X", markersize=12, color=component_color(k),
                                  linestyle="none", label=f"component {k}"))
    if limits is None:
        limits = default_limits(x, mu, sigma, n_sigmas)
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.set_aspect("equal", adjustable="box")
    ax.locator_params(nbins=5)  # few, large tick labels: readable from afar, and quicker to draw
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is None and ll is not None:
        title = f"mean log-likelihood per sample = {ll:.4f}"
    if title is not None:
        ax.set_title(title)
    if legend and handles:
        if sigma is not None:
            for level, n_sigma in enumerate(n_sigmas):
                handles.append(Line2D([], [], color=DATA_GREY, linestyle="-" if level == 0 else "--",
                                      label=f"{n_sigma:g}σ ellipse: {100 * mass_within(n_sigma):.0f}%"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return ax


def plot_ll(lls, ax=None):
    """Plot the mean log-likelihood per sample against the EM iteration; return the Axes.

    lls[0] is the value at the starting parameters.  The title reports the smallest
    change between consecutive iterations, which EM keeps >= 0.
    """
    lls = np.asarray(lls, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.0, 4.5))
        fig.subplots_adjust(left=0.19)  # room for the two-line label
    ax.plot(np.arange(len(lls)), lls, marker="o", markersize=5, color=COLORS[0])
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("mean log-likelihood\nper sample")
    if len(lls) > 1:
        ax.set_title(f"smallest change per iteration: {np.diff(lls).min():+.2e}")
    return ax


def plot_snapshots(x, snapshots, ncols=3, n_sigmas=SIGMA_LEVELS):
    """A grid of make_plot panels, one per snapshot dict (iteration, r, mu, sigma, ll).

    Returns (figure, array of Axes).  All panels share the same limits: those of the data.
    """
    limits = default_limits(x)
    nrows = -(-len(snapshots) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 4.2 * nrows), squeeze=False)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.88, wspace=0.3, hspace=0.35)
    for ax, snap in zip(axes.flat, snapshots):
        make_plot(x, snap["r"], snap["mu"], snap["sigma"], ax=ax, legend=False,
                  n_sigmas=n_sigmas, title=_snapshot_title(snap), limits=limits)
    for ax in axes.flat[len(snapshots):]:
        ax.set_visible(False)
    fig.suptitle(f"EM from start to convergence ({sigma_label(n_sigmas)})")
    return fig, axes


def _fmt(a):
    """Round an array to 2 decimals and print it on one line, e.g. [[1.00, -0.50], [-0.50, 2.00]]."""
    return np.array2string(np.asarray(a, dtype=float), precision=2, separator=", ",
                           suppress_small=True, floatmode="fixed", max_line_width=10_000)


def params_table(pi_true, mu_true, sigma_true, pi_est, mu_est, sigma_est, labels):
    """An HTML table of true versus estimated parameters, one row per true component.

    Row j compares true component j with row j of the *_est arrays, which is the
    fitted component ``labels[j]``; that component's colour marks the row, as in the
    figures.  Returns an ``IPython.display.HTML`` object.
    """
    from IPython.display import HTML

    head = ("<tr><th>fitted component</th><th>π true</th><th>π fitted</th>"
            "<th>μ true</th><th>μ fitted</th><th>Σ true</th><th>Σ fitted</th></tr>")
    rows = []
    for j, label in enumerate(labels):
        color = component_color(int(label))
        swatch = f'<span style="color:{color}; font-size:1.4em">&#9632;</span> {int(label)}'
        cells = [swatch, f"{pi_true[j]:.3f}", f"{pi_est[j]:.3f}", _fmt(mu_true[j]), _fmt(mu_est[j]),
                 _fmt(sigma_true[j]), _fmt(sigma_est[j])]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    style = "font-size:1.15em; font-family:monospace"
    return HTML(f'<table style="{style}">{head}{"".join(rows)}</table>')

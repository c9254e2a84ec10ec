"""Figures for the EM notebook: data, hard labels with their certainty, ellipses, progress.

Conventions (docs/figures.md explains them):

- Component k has its own colour ``COLORS[k]``, mean marker ``MARKERS[k]``, ellipse line
  style ``LINESTYLES[k]`` and its number beside its mean, placed away from the other means.
- A point takes the colour of its likeliest component when that component's
  responsibility is at least ``SURE``; otherwise it is grey (``UNSURE_GREY``).  Points are
  opaque, so every colour drawn is one of a few named ones (``tests/test_colours.py``).
- Sizes are CSS pixels: figures are drawn at ``DPI = 72`` (one point is one pixel), fit
  JupyterLab's output area at 1280x720 (``BOX``), and their text is at least 18 px tall.

Each function draws on a given ``ax`` or makes its own figure, and returns what it drew.
Call ``use_class_style()`` first: the text sizes come from its settings.
"""

import io
import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse
from matplotlib.ticker import FuncFormatter

# Paul Tol's indigo and green, Okabe-Ito's orange, Tol's cyan: apart for normal vision and
# under deuteranomaly, protanomaly and tritanomaly; then spares for K > 4.
COLORS = ["#332288", "#E69F00", "#117733", "#33BBEE", "#CC3311", "#AA4499", "#999933", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", ":", "-."]
DATA_GREY = "#555555"     # the data before any model, translucent so that density shows
UNSURE_GREY = "#999999"   # points that no component holds with r >= SURE
SURE = 0.9
POINT_SIZE = 16           # marker area in points^2: a dot 4 px across
SIGMA_LEVELS = (1, 2)     # ellipses at 1 and 2 standard deviations: the first thick
ELLIPSE_WIDTHS = (3.5, 1.8)
DPI = 72
BOX = (848, 560)          # JupyterLab's output area at 1280x720 with the file browser open
TEXT_PX, TITLE_PX = 18, 20


def mass_within(n_sigma):
    """Fraction of a 2-D Gaussian's mass inside its n_sigma ellipse: 1 - exp(-n^2/2)."""
    return 1.0 - np.exp(-0.5 * n_sigma**2)


def use_class_style():
    """Large text for a projector; in a notebook, sharp (retina) PNGs with alt text."""
    plt.rcParams.update({
        "figure.figsize": (BOX[0] / DPI, BOX[1] / DPI), "figure.dpi": DPI, "savefig.dpi": DPI,
        "font.size": TEXT_PX, "axes.titlesize": TITLE_PX, "figure.titlesize": TITLE_PX,
        "axes.labelsize": TEXT_PX, "xtick.labelsize": TEXT_PX, "ytick.labelsize": TEXT_PX,
        "legend.fontsize": TEXT_PX, "legend.title_fontsize": TEXT_PX, "lines.linewidth": 3,
        "lines.solid_capstyle": "round", "lines.dash_capstyle": "round",
        "axes.grid": True, "axes.axisbelow": True, "grid.alpha": 0.3,
        "axes.spines.top": False, "axes.spines.right": False,
        "axes.titley": 1.0,  # a fixed title place: the automatic one costs a layout pass per Axes
        "figure.subplot.left": 0.12, "figure.subplot.right": 0.96, "figure.subplot.bottom": 0.14,
        "figure.subplot.top": 0.9, "figure.subplot.wspace": 0.25,  # margins for plt.subplots figures
    })
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or "image/png" not in shell.display_formatter.formatters:
        return
    from matplotlib.figure import Figure
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina")
    shell.display_formatter.formatters["image/png"].for_type(Figure, _retina_png_with_alt)


def _retina_png_with_alt(fig):
    """The inline backend's retina PNG (twice the pixels, shown at the figure's size), with alt text."""
    if not fig.axes:
        return None
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=2 * fig.dpi, pil_kwargs={"compress_level": 3})  # half the time of 6
    width, height = np.round(fig.get_size_inches() * fig.dpi).astype(int)
    return buffer.getvalue(), {"width": int(width), "height": int(height), "alt": figure_alt_text(fig)}


def figure_alt_text(fig):
    """A description for screen readers: the kind of plot, its axes, titles and notes."""
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
    if not axes:
        return "An empty figure."
    scatter = any(ax.collections for ax in axes)
    kind = "scatter plot" if scatter else "plot"
    kind = f"{len(axes)} {kind}s" if len(axes) > 1 else kind
    if axes[0].get_xlabel() and axes[0].get_ylabel():
        kind += f" of {axes[0].get_ylabel()} against {axes[0].get_xlabel()}"
    titles = [ax.get_title().replace("\n", ", ") for ax in axes if ax.get_title()]
    text = kind[0].upper() + kind[1:] + (": " + "; ".join(titles) if titles else "") + "."
    if not scatter:  # a line plot: its notes carry the values
        text += "".join(f" {t.get_text()}." for ax in axes for t in ax.texts if t.get_text())
    if any(ax.get_gid() == "components" for ax in axes):
        text += " Components are told apart by colour, marker shape, line style and the number beside each mean."
    if any(c.get_gid() == "unsure" for ax in axes for c in ax.collections):
        text += f" Grey points: no component has r of at least {SURE}."
    return re.sub(r"\\(\w+)", r"\1", text.replace("$", "").replace("\n", " "))


def ellipse_params(cov, n_sigma=1.0):
    """Width, height and angle (degrees) of the n_sigma ellipse of a 2x2 covariance.

    Half-axes are n_sigma times the square roots of the eigenvalues; ``width`` lies along
    the largest eigenvalue's eigenvector (a *column* of ``eigh``'s result).
    """
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (2, 2):
        raise ValueError(f"ellipse_params needs a 2x2 covariance, got shape {cov.shape}")
    vals, vecs = np.linalg.eigh(cov)
    angle = np.degrees(np.arctan2(vecs[1, 1], vecs[0, 1]))
    return 2 * n_sigma * np.sqrt(max(vals[1], 0)), 2 * n_sigma * np.sqrt(max(vals[0], 0)), angle


def _halo(width):  # a white rim under a line, marker or number keeps it visible over anything
    return [patheffects.Stroke(linewidth=width, foreground="white"), patheffects.Normal()]


def add_cov_ellipses(ax, mean, cov, color, n_sigmas=SIGMA_LEVELS, linestyle="-", zorder=3):
    """Draw the unfilled n-sigma ellipses of N(mean, cov), the first thick; return the patches."""
    patches = []
    for level, n_sigma in enumerate(n_sigmas):
        width, height, angle = ellipse_params(cov, n_sigma)
        line_width = ELLIPSE_WIDTHS[min(level, len(ELLIPSE_WIDTHS) - 1)]
        patches.append(ax.add_artist(Ellipse(  # add_artist: quicker than add_patch, which updates data limits
            xy=tuple(mean), width=width, height=height, angle=angle, fill=False, edgecolor=color,
            linewidth=line_width, linestyle=linestyle, zorder=zorder, path_effects=_halo(line_width + 2.5))))
    return patches


def draw_component(ax, k, mean, cov=None, n_sigmas=SIGMA_LEVELS, zorder=3, offset=(14, 14), size=15):
    """Draw component k: its ellipses (given cov), its mean's marker, and its number at
    ``offset`` points from the mean.  Returns the ellipses, the marker, the number."""
    color = COLORS[k % len(COLORS)]
    artists = [] if cov is None else add_cov_ellipses(
        ax, mean, cov, color, n_sigmas, LINESTYLES[k % len(LINESTYLES)], zorder)
    artists += ax.plot(*mean, marker=MARKERS[k % len(MARKERS)], markersize=size, color=color, zorder=5,
                       markeredgecolor="white", markeredgewidth=2, linestyle="none", gid=f"mean {k}")
    artists.append(ax.annotate(str(k), tuple(mean), xytext=offset, textcoords="offset points", ha="center",
                               va="center", fontsize=TEXT_PX, fontweight="bold", zorder=6, gid=f"number {k}",
                               path_effects=_halo(4)))
    return artists


def _number_offsets(ax, mu, distance=18):
    """Offsets (points) for each mean's number: on the side farthest from the other means
    and numbers, inside the Axes if possible, so that each number is nearest its own mean."""
    ax.apply_aspect()
    scale = ax.figure.dpi / 72
    means = ax.transData.transform(np.asarray(mu, dtype=float))
    directions = [np.array([np.cos(a), np.sin(a)]) for a in np.radians([45, 135, 315, 225, 90, 0, 270, 180])]
    inner = ax.bbox.padded(-14 * scale)
    placed, offsets = [], []
    for k, mean in enumerate(means):
        others = np.delete(means, k, axis=0)

        def score(u):
            at = mean + distance * scale * u
            nearest = np.min(np.linalg.norm(others - at, axis=1), initial=np.inf)
            clear = np.min(np.linalg.norm(np.reshape(placed, (-1, 2)) - at, axis=1), initial=np.inf)
            return (nearest > 1.4 * distance * scale, bool(inner.contains(*at)),
                    min(nearest, clear, 3 * distance * scale))

        best = max(directions, key=score)  # max keeps the first of equal scores: upper right first
        placed.append(mean + distance * scale * best)
        offsets.append(tuple(distance * best))
    return offsets


def draw_components(ax, mu, sigma=None, n_sigmas=SIGMA_LEVELS):
    """Every component: the broadest ellipses first (none hides a smaller one); each number
    away from the other means; a marker drawn over another is drawn smaller, so both show."""
    mu = np.asarray(mu, dtype=float)
    order = range(len(mu)) if sigma is None else np.argsort(-np.linalg.det(sigma), kind="stable")
    offsets = _number_offsets(ax, mu)
    means = ax.transData.transform(mu)
    artists, drawn = [], []
    for rank, k in enumerate(order):
        covered = sum(np.linalg.norm(means[k] - means[j]) < 12 * ax.figure.dpi / 72 for j in drawn)
        artists += draw_component(ax, int(k), mu[k], None if sigma is None else sigma[k], n_sigmas,
                                  zorder=3 + 0.01 * rank, offset=offsets[k], size=15 * 0.6**covered)
        drawn.append(k)
    ax.set_gid("components")
    return artists


def key_handles(n_components, n_sigmas=SIGMA_LEVELS, ellipses=True, unsure=False):
    """Key entries for what is drawn: the components, the ellipse levels, the grey points."""
    handles = [Line2D([], [], color=COLORS[k % len(COLORS)], marker=MARKERS[k % len(MARKERS)],
                      markersize=12, markeredgecolor="white", label=str(k),
                      linestyle=LINESTYLES[k % len(LINESTYLES)] if ellipses else "none")
               for k in range(n_components)]
    if ellipses:
        handles += [Line2D([], [], color=DATA_GREY, linewidth=ELLIPSE_WIDTHS[min(i, len(ELLIPSE_WIDTHS) - 1)],
                           label=f"{n:g}σ: {100 * mass_within(n):.0f}%") for i, n in enumerate(n_sigmas)]
    if unsure:
        handles.append(Line2D([], [], color=UNSURE_GREY, marker="o", markersize=8, linestyle="none",
                              label=f"all r < {SURE}"))
    return handles


def _draw_points(ax, x, r=None, labels=None):
    """Points grey (no model), by their hard label (colour and marker), or in their likeliest
    component's colour where its r >= SURE and unsure grey elsewhere (a scatter of its own)."""
    if labels is not None:
        labels = np.asarray(labels, dtype=int)
        size = np.clip(POINT_SIZE * np.sqrt(2000 / len(x)), POINT_SIZE, 3 * POINT_SIZE)  # few points: larger
        for k in np.unique(labels):
            ax.scatter(*x[labels == k].T, s=size, c=COLORS[k % len(COLORS)], marker=MARKERS[k % len(MARKERS)],
                       linewidths=0, zorder=1)
    elif r is None:
        ax.scatter(*x.T, s=POINT_SIZE, c=DATA_GREY, alpha=0.5, linewidths=0, zorder=1)
    else:
        r = np.asarray(r)
        sure = r.max(axis=1) >= SURE
        ax.scatter(*x[sure].T, s=POINT_SIZE, c=np.array(COLORS)[r[sure].argmax(axis=1) % len(COLORS)],
                   linewidths=0, zorder=1)
        ax.scatter(*x[~sure].T, s=POINT_SIZE, c=UNSURE_GREY, linewidths=0, zorder=1, gid="unsure")


def _has_unsure(r):
    return r is not None and bool((np.max(r, axis=1) < SURE).any())


def _extent(x, mu=None, sigma=None, n_sigmas=SIGMA_LEVELS):
    """Lower and upper corners of the box holding the data, the means and their ellipses."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    if mu is not None:
        mu = np.asarray(mu)
        lo, hi = np.minimum(lo, mu.min(axis=0)), np.maximum(hi, mu.max(axis=0))
        if sigma is not None:  # the n-sigma ellipse reaches n * sqrt(sigma_dd) along axis d
            reach = max(n_sigmas) * np.sqrt(np.diagonal(np.asarray(sigma), axis1=1, axis2=2))
            lo, hi = np.minimum(lo, (mu - reach).min(axis=0)), np.maximum(hi, (mu + reach).max(axis=0))
    return lo, hi


def default_limits(x, mu=None, sigma=None, n_sigmas=SIGMA_LEVELS):
    """((xmin, xmax), (ymin, ymax)): the data, means and ellipses with a 5% margin.

    Ellipses widen the view by at most a third of the data's span on each side; each side
    spans at least 2% of the widest ellipse (or 1), so that a single point still gets a view.
    """
    x = np.asarray(x, dtype=float)
    lo, hi = _extent(x, mu)
    wide_lo, wide_hi = _extent(x, mu, sigma, n_sigmas)
    span = hi - lo
    lo, hi = np.maximum(wide_lo, lo - span / 3), np.minimum(wide_hi, hi + span / 3)
    floor = 0.0
    if sigma is not None and len(sigma):
        floor = 0.02 * 2 * max(n_sigmas) * np.sqrt(np.linalg.eigvalsh(sigma)[:, -1].max())
    span = np.maximum(hi - lo, floor)
    span[span == 0] = 1.0
    center = (lo + hi) / 2
    return tuple((c - 0.55 * s, c + 0.55 * s) for c, s in zip(center, span))


def _union(limits):
    limits = np.asarray(limits)  # (n, 2, 2)
    return tuple((limits[:, d, 0].min(), limits[:, d, 1].max()) for d in range(2))


# Layout in CSS pixels: room for tick labels and axis labels, titles, and the key.
_LEFT, _RIGHT, _BOTTOM, _TOP, _GAP = 76, 14, 60, 6, 14
_TITLE_LINE, _GRID_TITLE_LINE, _KEY_ROW, _KEY_COLUMN = 25, 22, 30, 190


def _aspect(limits):
    (x0, x1), (y0, y1) = limits
    return (x1 - x0) / (y1 - y0)


def scatter_figure(limits, key=True, title_lines=1, box=BOX):
    """An empty figure with one Axes for make_plot, as large as fits box at equal aspect."""
    fig, axes = _grid(1, 1, _aspect(limits), title_lines, key_right=key, box=box)
    return fig, axes[0, 0]


def _grid(nrows, ncols, aspect, title_lines=1, key_rows=0, key_right=False, box=BOX, left=_LEFT):
    """A figure with an nrows x ncols grid of Axes sharing x and y at equal aspect, fitted into box,
    with room for titles and for a key below (key_rows rows) or on the right (key_right)."""
    title_h = (_TITLE_LINE if nrows * ncols == 1 else _GRID_TITLE_LINE) * title_lines + 4
    right = _RIGHT + (_KEY_COLUMN if key_right else 0)
    bottom = _BOTTOM + (_KEY_ROW * key_rows + 8 if key_rows else 0)
    ax_w = min((box[0] - left - right - _GAP * (ncols - 1)) / ncols,
               (box[1] - bottom - _TOP - nrows * title_h - _GAP * (nrows - 1)) / nrows * aspect)
    ax_h = ax_w / aspect
    width = round(left + ncols * ax_w + (ncols - 1) * _GAP + right)
    if key_rows:  # centred in a figure as wide as the box, for the key's sake
        left, width = left + (box[0] - width) / 2, box[0]
    height = round(bottom + nrows * (ax_h + title_h) + (nrows - 1) * _GAP + _TOP)
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    axes = np.empty((nrows, ncols), dtype=object)
    for i in range(nrows):
        for j in range(ncols):
            y0 = height - _TOP - (i + 1) * (ax_h + title_h) - i * _GAP
            axes[i, j] = fig.add_axes([(left + j * (ax_w + _GAP)) / width, y0 / height, ax_w / width,
                                       ax_h / height], sharex=axes[0, 0], sharey=axes[0, 0])
            axes[i, j].tick_params(labelbottom=i == nrows - 1, labelleft=j == 0 and left >= _LEFT)
    return fig, axes


def _n_components(r=None, mu=None, labels=None):
    if mu is not None:
        return len(mu)
    if r is not None:
        return np.shape(r)[1]
    return 0 if labels is None else int(np.max(labels)) + 1


def make_plot(x, r=None, mu=None, sigma=None, ll=None, *, title=None, ax=None, limits=None,
              labels=None, n_sigmas=SIGMA_LEVELS, legend=True, box=BOX):
    """Scatter 2-D data, optionally by component, with the components' means and ellipses.

    x : (N, 2) data.  r : (N, K) responsibilities: a point takes its likeliest component's
    colour when that r >= SURE, else grey.  labels : (N,) hard labels instead of r (each
    label its colour and marker).  mu : (K, 2) means, sigma : (K, 2, 2) covariances.
    ll : mean log-likelihood per sample, appended to the title ("start: ℓ = -5.433").
    limits : ((xmin, xmax), (ymin, ymax)), default: data, means and ellipses.  ax : draw
    there (the key goes right of it); default: a new figure as large as fits ``box``
    (width, height in CSS pixels).  Returns the Axes.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"make_plot draws 2-D data of shape (N, 2); got shape {x.shape}")
    if limits is None:
        limits = default_limits(x, mu, sigma, n_sigmas)
    n_components = _n_components(r, mu, labels)
    if ll is not None:
        title = f"ℓ = {ll:.4f} (mean log-likelihood per sample)" if title is None else f"{title}: ℓ = {ll:.3f}"
    if ax is None:
        ax = scatter_figure(limits, legend and n_components > 0, 1 + (title or "").count("\n"), box)[1]
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.set_aspect("equal", adjustable="box")
    ax.locator_params(nbins=5)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    if title is not None:
        ax.set_title(title)
    _draw_points(ax, x, r, labels)
    if mu is not None:
        draw_components(ax, mu, sigma, n_sigmas)
    if legend and n_components:
        ax.legend(handles=key_handles(n_components, n_sigmas, sigma is not None, _has_unsure(r)), title="component",
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.3, frameon=False,
                  handlelength=2.6, alignment="left")
    return ax


def plot_panels(x, panels, ncols=None, limits=None, n_sigmas=SIGMA_LEVELS, box=BOX, left=_LEFT):
    """Side-by-side make_plot panels on one shared view, with one key below.

    panels : dicts with a "title" and any of "r", "labels", "mu", "sigma", "ll", "x" (the
    panel's own points; default x).  ncols : panels per row (default all, at most 3).
    limits : the shared view (default: every panel's data, means, ellipses).  left : the
    left margin in px (less than the default leaves out the y tick labels).
    Returns (figure, 2-D array of Axes).
    """
    ncols = ncols or min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    limits = limits if limits is not None else _union([default_limits(np.asarray(p.get("x", x)), p.get("mu"), p.get("sigma"), n_sigmas)
                               for p in panels])
    n_components = max(_n_components(p.get("r"), p.get("mu"), p.get("labels")) for p in panels)
    title_lines = max(p.get("title", "").count("\n") + 1 for p in panels)
    unsure = any(_has_unsure(p.get("r")) for p in panels)
    second_row = unsure or any(p.get("sigma") is not None for p in panels)
    fig, axes = _grid(nrows, ncols, _aspect(limits), title_lines, key_rows=(1 + second_row) * (n_components > 0),
                      box=box, left=left)
    for ax, panel in zip(axes.flat, panels):
        make_plot(np.asarray(panel.get("x", x)), panel.get("r"), panel.get("mu"), panel.get("sigma"),
                  panel.get("ll"), title=panel.get("title"), ax=ax, limits=limits, labels=panel.get("labels"),
                  n_sigmas=n_sigmas, legend=False)
        ax.title.set_fontsize(TEXT_PX)
    for i, j in np.ndindex(nrows, ncols):  # axis labels on the outer edges only
        ax = axes[i, j]
        ax.set_visible(ax.has_data())
        if i < nrows - 1 and axes[i + 1, j].has_data():
            ax.set_xlabel("")
        else:
            ax.tick_params(labelbottom=True)
        if j > 0 or left < _LEFT:
            ax.set_ylabel("")
    if n_components:
        _key_below(fig, axes, panels, n_components, n_sigmas, unsure)
    return fig, axes


def _key_below(fig, axes, panels, n_components, n_sigmas, unsure):
    """The key in two rows below the panels: the components; then ellipses and grey points."""
    style = dict(loc="lower center", frameon=False, handlelength=2.6, handletextpad=0.5, columnspacing=1.2,
                 borderaxespad=0.2)
    with_ellipses = [i for i, p in enumerate(panels) if p.get("sigma") is not None]
    first = [Line2D([], [], linestyle="none", label="component:")]
    first += key_handles(n_components, (), ellipses=bool(with_ellipses))
    second = key_handles(0, n_sigmas, bool(with_ellipses), unsure)
    row = _KEY_ROW / (fig.get_size_inches()[1] * DPI) if second else 0.0
    fig.legend(handles=first, ncols=len(first), bbox_to_anchor=(0.5, row), **style)
    if with_ellipses and len(with_ellipses) < len(panels):
        where = {0: "left", len(panels) - 1: "right"}.get(with_ellipses[0], f"panel {with_ellipses[0] + 1}")
        second.insert(0, Line2D([], [], linestyle="none", label=f"ellipses ({where} only):"))
    if second:
        fig.legend(handles=second, ncols=len(second), bbox_to_anchor=(0.5, 0.0), **style)


def snapshot_title(snap, lines=2):
    """'start', 'iteration 5' or the snapshot's own "label", then its ℓ, on `lines` lines."""
    label = snap.get("label") or ("start" if snap["iteration"] == 0 else f"iteration {snap['iteration']}")
    return f"{label}{chr(10) if lines == 2 else ': '}ℓ = {snap['ll']:.3f}"


def plot_snapshots(x, snapshots, ncols=2, n_sigmas=SIGMA_LEVELS):
    """Snapshot dicts (iteration, r, mu, sigma, ll; optional "label") as make_plot panels on
    one shared view: one figure per row of ncols panels, each with its key, so that each
    panel is as large as the box allows (with ncols=2, over 400 px wide: the y tick
    labels are left out).  Returns (list of figures, 2-D array of Axes)."""
    panels = [{"title": snapshot_title(s), "r": s["r"], "mu": s["mu"], "sigma": s["sigma"]} for s in snapshots]
    limits = _union([default_limits(x, p["mu"], p["sigma"], n_sigmas) for p in panels])
    rows = [plot_panels(x, panels[i:i + ncols], ncols, limits, n_sigmas, left=_RIGHT)
            for i in range(0, len(panels), ncols)]
    return [fig for fig, _ in rows], np.vstack([axes for _, axes in rows])


def plot_data_vs_simulated(x, x_sim, z_sim, mu=None, sigma=None, n_sigmas=SIGMA_LEVELS):
    """The data beside points simulated from a fit, by sampled component, on the data's view."""
    panels = [{"x": x, "title": f"the data\n{len(x)} samples"},
              {"x": x_sim, "labels": z_sim, "mu": mu, "sigma": sigma,
               "title": f"simulated from the fit\n{len(x_sim)} samples, by sampled component"}]
    return plot_panels(x, panels, limits=default_limits(x), n_sigmas=n_sigmas)


def find_plateau(lls, rel_gain=0.002, min_length=3):
    """(first, last) iteration of the longest stall before convergence, or None: a run of at
    least min_length gains below rel_gain times the whole climb, after which ll climbs faster."""
    lls = np.asarray(lls, dtype=float)
    if len(lls) < min_length + 2:
        return None
    slow = np.diff(lls) < rel_gain * (lls[-1] - lls[0])  # slow[i]: the gain from iteration i to i + 1
    edges = np.flatnonzero(np.diff(np.concatenate([[0], slow.astype(int), [0]])))
    stalls = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= min_length and b < len(slow)]
    return max(stalls, key=lambda stall: stall[1] - stall[0], default=None)  # iterations a to b


def _line_figure():
    fig = plt.figure(figsize=(BOX[0] / DPI, 400 / DPI), dpi=DPI)
    return fig.add_axes([100 / BOX[0], 62 / 400, (BOX[0] - 125) / BOX[0], (400 - 62 - 40) / 400])


def plot_ll(lls, annotations=(), plateau="auto", end_label=None, ax=None):
    """ℓ, the mean log-likelihood per sample, against the EM iteration; returns the Axes.

    The start and end are labelled with their values (end_label names the end).  plateau:
    (first, last) iteration to shade, "auto" (find_plateau) or None.  annotations:
    (iteration, text) pairs, each written below its point.
    """
    lls = np.asarray(lls, dtype=float)
    last = len(lls) - 1
    ax = ax or _line_figure()
    ax.plot(np.arange(len(lls)), lls, marker="o", markersize=6, color=COLORS[0], zorder=3)
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("ℓ, mean log-likelihood per sample")
    ax.set_title("ℓ at each EM iteration (higher is better)")
    ax.set_xlim(-0.03 * max(last, 1), 1.03 * max(last, 1))
    low, high = lls.min(), lls.max()
    ax.set_ylim(low - 0.05 * (high - low or 1), high + 0.12 * (high - low or 1))
    style = dict(textcoords="offset points", zorder=5, arrowprops=dict(arrowstyle="-", color=DATA_GREY),
                 bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.85))
    ax.annotate(f"start: ℓ = {lls[0]:.3f}", (0, lls[0]), xytext=(25, 0), ha="left", va="center", **style)
    if last > 0:  # low on the right, where a climbing curve leaves room
        ax.annotate(f"{end_label or f'iteration {last}'}: ℓ = {lls[-1]:.3f}", (last, lls[-1]), xytext=(0.99, 0.3),
                    ha="right", va="center", **(style | dict(textcoords="axes fraction")))
    plateau = find_plateau(lls) if isinstance(plateau, str) else plateau
    if plateau is not None:
        ax.axvspan(*plateau, color=COLORS[3], alpha=0.15, linewidth=0, zorder=1)
        ax.text(sum(plateau) / 2, 0.12, f"plateau\n{plateau[0]}-{plateau[1]}", ha="center", va="bottom",
                transform=ax.get_xaxis_transform(), zorder=5)
    for iteration, text in annotations:
        ax.annotate(text, (iteration, lls[iteration]), xytext=(0, -60), ha="center", va="top", **style)
    return ax


def plot_bic(ks, bics, ax=None):
    """BIC minus its lowest value against K (lower is better), the lowest marked; the y axis
    is symmetric-log (linear below 10), so that 50 stays visible beside 10 000."""
    ks = np.asarray(list(ks))
    delta = np.asarray(bics, dtype=float) - np.min(bics)
    best = int(np.argmin(delta))
    ax = ax or _line_figure()
    ax.plot(ks, delta, marker="o", markersize=9, color=COLORS[0], zorder=3)
    ax.plot(ks[best], 0, marker="*", markersize=26, color=COLORS[1], markeredgecolor="black",
            markeredgewidth=1.5, linestyle="none", zorder=4)
    ax.set_yscale("symlog", linthresh=10, linscale=0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.set_ylim(-2, delta.max() * 4)
    ax.set_xticks(ks)
    for k, d in zip(ks, delta):
        if d > 0:
            ax.annotate(f"+{d:,.0f}", (k, d), xytext=(0, 10), textcoords="offset points", ha="center", va="bottom")
    ax.annotate(f"lowest: K = {ks[best]}", (ks[best], 0), xytext=(0, 22), textcoords="offset points",
                ha="center", va="bottom", fontweight="bold", zorder=5,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none"))
    ax.set_xlabel("number of components K")
    ax.set_ylabel("BIC − lowest (symlog scale)")
    ax.set_title(f"BIC above its lowest value (lower is better): K = {ks[best]} is chosen")
    return ax


def _fmt(a):
    """An array rounded to 2 decimals on one line, e.g. [[1.00, -0.50], [-0.50, 2.00]]."""
    return np.array2string(np.asarray(a, dtype=float), precision=2, separator=", ", suppress_small=True,
                           floatmode="fixed", max_line_width=10_000)


def params_table(pi_true, mu_true, sigma_true, pi_est, mu_est, sigma_est, labels):
    """HTML table of true against estimated parameters, one row per true component j,
    compared with fitted component ``labels[j]`` (its colour marks the row, as in the figures)."""
    from IPython.display import HTML

    head = ("<tr><th>fitted component</th><th>π true</th><th>π fitted</th>"
            "<th>μ true</th><th>μ fitted</th><th>Σ true</th><th>Σ fitted</th></tr>")
    rows = []
    for j, label in enumerate(labels):
        swatch = f'<span style="color:{COLORS[int(label) % len(COLORS)]}; font-size:1.4em">&#9632;</span> {int(label)}'
        cells = [swatch, f"{pi_true[j]:.3f}", f"{pi_est[j]:.3f}", _fmt(mu_true[j]), _fmt(mu_est[j]),
                 _fmt(sigma_true[j]), _fmt(sigma_est[j])]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return HTML(f'<table style="font-size:1.15em; font-family:monospace">{head}{"".join(rows)}</table>')

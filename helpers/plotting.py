"""Figures for the EM notebook; docs/figures.md states their conventions and how tests measure them.

Sizes are CSS pixels (figures are drawn at ``DPI = 72``).  Call ``use_class_style()`` first.
"""

import io

import matplotlib.pyplot as plt
import numpy as np
from IPython import get_ipython
from IPython.display import HTML
from matplotlib import patheffects
from matplotlib.figure import Figure
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
# Margins in CSS px around the scatter plots: tick and axis labels, titles, the key.
_LEFT, _RIGHT, _BOTTOM, _TOP, _GAP = 76, 14, 60, 6, 14
_TITLE_LINE, _PANEL_TITLE_LINE, _KEY_ROW, _KEY_COLUMN = 25, 22, 30, 190


def mass_within(n_sigma):
    """Fraction of a 2-D Gaussian's mass inside its n_sigma ellipse: 1 - exp(-n^2/2)."""
    return 1.0 - np.exp(-0.5 * n_sigma**2)


def use_class_style():
    """Large text for a projector; in a notebook, sharp (retina) PNGs with alt text."""
    # Other text sizes are "medium" (font.size); a fixed title place (titley) saves a layout pass
    # per Axes.
    plt.rcParams.update({
        "figure.figsize": (BOX[0] / DPI, BOX[1] / DPI), "figure.dpi": DPI, "savefig.dpi": DPI,
        "font.size": TEXT_PX, "axes.titlesize": TITLE_PX, "axes.titley": 1.0, "lines.linewidth": 3,
        "lines.solid_capstyle": "round", "lines.dash_capstyle": "round", "axes.grid": True,
        "axes.axisbelow": True, "grid.alpha": 0.3, "axes.spines.top": False,
        "axes.spines.right": False})
    shell = get_ipython()
    if shell is not None and "image/png" in shell.display_formatter.formatters:  # in a notebook
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
        shell.display_formatter.formatters["image/png"].for_type(Figure, _retina_png_with_alt)


def _retina_png_with_alt(fig):
    """The inline backend's retina PNG (twice the pixels, shown at the figure's size), with alt
    text."""
    if not fig.axes:
        return None
    buffer = io.BytesIO()
    # half the time of 6
    fig.savefig(buffer, format="png", dpi=2 * fig.dpi, pil_kwargs={"compress_level": 3})
    width, height = np.round(fig.get_size_inches() * fig.dpi).astype(int)
    return buffer.getvalue(), {"width": int(width), "height": int(height),
                               "alt": figure_alt_text(fig)}


def figure_alt_text(fig):
    """A description for screen readers: the kind of plot, its axes, titles and notes."""
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
    if not axes:
        return "An empty figure."
    kind = "scatter plot" if any(ax.collections for ax in axes) else "plot"
    text = kind.capitalize() if len(axes) == 1 else f"{len(axes)} {kind}s"
    if axes[0].get_xlabel() and axes[0].get_ylabel():
        text += f" of {axes[0].get_ylabel()} against {axes[0].get_xlabel()}"
    titles = [ax.get_title().replace("\n", ", ") for ax in axes if ax.get_title()]
    text += (": " + "; ".join(titles) if titles else "") + "."
    if kind == "plot":  # a line plot: its notes carry the values
        text += "".join(f" {t.get_text()}." for ax in axes for t in ax.texts if t.get_text())
    if any(ax.get_gid() == "components" for ax in axes):
        text += (" Components are told apart by colour, marker shape, line style and the number "
                 "beside each mean.")
    if any(c.get_gid() == "unsure" for ax in axes for c in ax.collections):
        text += f" Grey points: no component has r of at least {SURE}."
    return text.replace("\n", " ")


def ellipse_params(cov, n_sigma=1.0):
    """Width, height and angle (degrees) of a 2x2 covariance's n_sigma ellipse; width along the
    largest eigenvalue's eigenvector (a column of eigh's result)."""
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (2, 2):
        raise ValueError(f"ellipse_params needs a 2x2 covariance, got shape {cov.shape}")
    vals, vecs = np.linalg.eigh(cov)
    angle = np.degrees(np.arctan2(vecs[1, 1], vecs[0, 1]))
    return 2 * n_sigma * np.sqrt(max(vals[1], 0)), 2 * n_sigma * np.sqrt(max(vals[0], 0)), angle


def _halo(width):  # a white rim under a line, marker or number keeps it visible over anything
    return [patheffects.Stroke(linewidth=width, foreground="white"), patheffects.Normal()]


def _ellipse_width(level):  # the first level thick, the others thin
    return ELLIPSE_WIDTHS[min(level, len(ELLIPSE_WIDTHS) - 1)]


def add_cov_ellipses(ax, mean, cov, color, n_sigmas=SIGMA_LEVELS, linestyle="-", zorder=3):
    """Draw the unfilled n-sigma ellipses of N(mean, cov), the first thick; return the patches."""
    patches = []
    for level, n_sigma in enumerate(n_sigmas):
        width, height, angle = ellipse_params(cov, n_sigma)
        # add_artist: quicker than add_patch, which updates data limits
        patches.append(ax.add_artist(Ellipse(
            tuple(mean), width, height, angle=angle, fill=False, edgecolor=color,
            linewidth=_ellipse_width(level),
            linestyle=linestyle, zorder=zorder, path_effects=_halo(_ellipse_width(level) + 2.5))))
    return patches


def draw_component(ax, k, mean, cov=None, n_sigmas=SIGMA_LEVELS, zorder=3, offset=(14, 14),
                   size=15):
    """Draw component k: its ellipses (given cov), its mean's marker, its number ``offset`` points
    from the mean.  Returns the ellipses, the marker, the number."""
    color, linestyle = COLORS[k % len(COLORS)], LINESTYLES[k % len(LINESTYLES)]
    artists = ([] if cov is None
               else add_cov_ellipses(ax, mean, cov, color, n_sigmas, linestyle, zorder))
    artists += ax.plot(*mean, marker=MARKERS[k % len(MARKERS)], markersize=size, color=color,
                       zorder=5, markeredgecolor="white", markeredgewidth=2, linestyle="none",
                       gid=f"mean {k}")
    return artists + [ax.annotate(str(k), tuple(mean), xytext=offset, textcoords="offset points",
                                  ha="center", va="center", fontsize=TEXT_PX, fontweight="bold",
                                  zorder=6, gid=f"number {k}", path_effects=_halo(4))]


def draw_components(ax, mu, sigma=None):
    """Every component: the broadest ellipses first (none hides a smaller one); a marker drawn over
    another is drawn smaller, so both show; each number 18 points from its mean on the side
    farthest from the other means and numbers, inside the Axes if possible: nearest its own mean."""
    ax.apply_aspect()
    means, scale = ax.transData.transform(mu), ax.figure.dpi / 72  # display px, px per point
    step, inner = 18 * scale, ax.bbox.padded(-14 * scale)
    placed = []  # the numbers' places, in the order of the means
    directions = [np.array([np.cos(a), np.sin(a)])
                  for a in np.radians([45, 135, 315, 225, 90, 0, 270, 180])]
    for k, mean in enumerate(means):
        others = np.delete(means, k, axis=0)

        def score(u):
            at = mean + step * u
            nearest = np.min(np.linalg.norm(others - at, axis=1), initial=np.inf)
            clear = np.min(np.linalg.norm(np.reshape(placed, (-1, 2)) - at, axis=1), initial=np.inf)
            return nearest > 1.4 * step, bool(inner.contains(*at)), min(nearest, clear, 3 * step)

        # of equal scores, the first: upper right
        placed.append(mean + step * max(directions, key=score))
    order = range(len(mu)) if sigma is None else np.argsort(-np.linalg.det(sigma), kind="stable")
    for rank, k in enumerate(order):
        covered = sum(np.linalg.norm(means[k] - means[j]) < 12 * scale for j in order[:rank])
        draw_component(ax, int(k), mu[k], None if sigma is None else sigma[k],
                       zorder=3 + 0.01 * rank, offset=tuple((placed[k] - means[k]) / scale),
                       size=15 * 0.6**covered)
    ax.set_gid("components")


def key_handles(n_components, ellipses=True, unsure=False):
    """Key entries for what is drawn: the components, then the ellipse levels, the grey points."""
    handles = [Line2D([], [], color=COLORS[k % len(COLORS)], marker=MARKERS[k % len(MARKERS)],
                      markersize=12, markeredgecolor="white",
                      linestyle=LINESTYLES[k % len(LINESTYLES)] if ellipses else "none",
                      label=str(k)) for k in range(n_components)]
    if ellipses:
        handles += [Line2D([], [], color=DATA_GREY, linewidth=_ellipse_width(i),
                           label=f"{n:g}σ: {100 * mass_within(n):.0f}%")
                    for i, n in enumerate(SIGMA_LEVELS)]
    if unsure:
        handles.append(Line2D([], [], color=UNSURE_GREY, marker="o", markersize=8, linestyle="none",
                              label=f"all r < {SURE}"))
    return handles


def _draw_points(ax, x, r=None, labels=None):
    """Points grey (no model), by their hard label (colour and marker), or in their likeliest
    component's colour where its r >= SURE and unsure grey elsewhere (a scatter of its own)."""
    style = dict(s=POINT_SIZE, linewidths=0, zorder=1)
    if labels is not None:
        labels = np.asarray(labels, dtype=int)
        # few points: larger
        style["s"] = np.clip(POINT_SIZE * np.sqrt(2000 / len(x)), POINT_SIZE, 3 * POINT_SIZE)
        for k in np.unique(labels):
            ax.scatter(*x[labels == k].T, c=COLORS[k % len(COLORS)],
                       marker=MARKERS[k % len(MARKERS)], **style)
    elif r is None:
        ax.scatter(*x.T, c=DATA_GREY, alpha=0.5, **style)
    else:
        sure = np.max(r, axis=1) >= SURE
        ax.scatter(*x[sure].T, c=np.array(COLORS)[np.argmax(r, axis=1)[sure] % len(COLORS)],
                   **style)
        ax.scatter(*x[~sure].T, c=UNSURE_GREY, gid="unsure", **style)


def _has_unsure(r):
    return r is not None and bool((np.max(r, axis=1) < SURE).any())


def _n_components(r=None, mu=None, labels=None, **_):
    if mu is not None or r is not None:
        return len(mu) if mu is not None else np.shape(r)[1]
    return 0 if labels is None else int(np.max(labels)) + 1


def default_limits(x, mu=None, sigma=None):
    """((xmin, xmax), (ymin, ymax)): the data, means and ellipses with a 5% margin.  Ellipses widen
    the view by at most a third of the data's span on each side; each side spans at least 2% of
    the widest ellipse (or 1), so that a single point still gets a view."""
    points = np.asarray(x, dtype=float) if mu is None else np.vstack([x, mu])
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = hi - lo
    # the n-sigma ellipse reaches n * sqrt(sigma_dd) along axis d
    if sigma is not None and len(sigma):
        reach = max(SIGMA_LEVELS) * np.sqrt(np.diagonal(np.asarray(sigma), axis1=1, axis2=2))
        lo = np.maximum(np.minimum(lo, (mu - reach).min(axis=0)), lo - span / 3)
        hi = np.minimum(np.maximum(hi, (mu + reach).max(axis=0)), hi + span / 3)
        widest = 2 * max(SIGMA_LEVELS) * np.sqrt(np.linalg.eigvalsh(sigma)[:, -1].max())
        span = np.maximum(hi - lo, 0.02 * widest)
    span[span == 0] = 1.0
    return tuple((c - 0.55 * s, c + 0.55 * s) for c, s in zip((lo + hi) / 2, span))


def _figure(ncols, limits, title_lines=1, key_right=False, key_rows=0, box=BOX, left=_LEFT):
    """A figure with a row of ncols Axes sharing x and y, as large as fits box at equal aspect,
    with room for titles and a key on the right (key_right) or in key_rows rows below it.
    A left margin below _LEFT leaves out the y tick labels."""
    (x0, x1), (y0, y1) = limits
    top = _TOP + 4 + (_TITLE_LINE if ncols == 1 else _PANEL_TITLE_LINE) * title_lines
    right = _RIGHT + _KEY_COLUMN * key_right
    bottom = _BOTTOM + (_KEY_ROW * key_rows + 8 if key_rows else 0)
    ax_w = min((box[0] - left - right - _GAP * (ncols - 1)) / ncols,
               (box[1] - bottom - top) * (x1 - x0) / (y1 - y0))
    ax_h, row_w = ax_w * (y1 - y0) / (x1 - x0), ncols * ax_w + (ncols - 1) * _GAP
    # a key below is centred in the box's width
    width = box[0] if key_rows else round(left + row_w + right)
    height = round(top + ax_h + bottom)
    x_left = left + (width - left - row_w - right) / 2
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    axes = fig.subplots(1, ncols, sharex=True, sharey=True, squeeze=False, gridspec_kw=dict(
        left=x_left / width, right=(x_left + row_w) / width, top=1 - top / height,
        bottom=1 - (top + ax_h) / height, wspace=_GAP / ax_w))
    axes[0, 0].tick_params(labelleft=left >= _LEFT)
    return fig, axes


def make_plot(x, r=None, mu=None, sigma=None, ll=None, *, title=None, ax=None, limits=None,
              labels=None, legend=True, box=BOX):
    """Scatter 2-D data x (N, 2), optionally by component, with the components' means and ellipses.

    r (N, K): responsibilities, a point in its likeliest component's colour when that r >= SURE,
    else grey; or labels (N,): hard labels, each its colour and marker.  mu (K, 2), sigma (K, 2,
    2).  ll: the mean log-likelihood per sample, added to the title.  limits ((xmin, xmax), (ymin,
    ymax)): default, the data, means and ellipses.  ax: where to draw (the key goes right of it);
    default, a new figure as large as fits box (CSS px).  Returns the Axes.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"make_plot draws 2-D data of shape (N, 2); got shape {x.shape}")
    limits = limits or default_limits(x, mu, sigma)
    n_components = _n_components(r, mu, labels)
    if ll is not None:
        title = (f"ℓ = {ll:.4f} (mean log-likelihood per sample)" if title is None
                 else f"{title}: ℓ = {ll:.3f}")
    if ax is None:
        title_lines = 1 + (title or "").count("\n")
        ax = _figure(1, limits, title_lines, key_right=legend and n_components > 0,
                     box=box)[1][0, 0]
    ax.set(xlim=limits[0], ylim=limits[1], aspect="equal", xlabel="x₁", ylabel="x₂",
           title=title or "")
    ax.locator_params(nbins=5)
    _draw_points(ax, x, r, labels)
    if mu is not None:
        draw_components(ax, mu, sigma)
    if legend and n_components:
        ax.legend(handles=key_handles(n_components, sigma is not None, _has_unsure(r)),
                  title="component", loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  borderaxespad=0.3, frameon=False, handlelength=2.6, alignment="left")
    return ax


def plot_panels(x, panels, ncols=None, limits=None, left=_LEFT):
    """make_plot panels side by side on one shared view, with one key below.

    panels: dicts with a "title" and any of make_plot's "r", "labels", "mu", "sigma", "ll", and "x"
    (default x).  ncols: room for this many panels (default: as many as given).  limits: the shared
    view (default: all panels').  left: the left margin, CSS px (below _LEFT: no y tick labels).
    Returns (figure, 1 x ncols array of Axes).
    """
    limits = limits or _shared_view(x, panels)
    key = _key_rows(panels)
    title_lines = max(p.get("title", "").count("\n") + 1 for p in panels)
    fig, axes = _figure(ncols or len(panels), limits, title_lines, key_rows=len(key), left=left)
    for j, ax in enumerate(axes.flat):
        if j < len(panels):
            make_plot(**{"x": x, **panels[j]}, ax=ax, limits=limits, legend=False)
            ax.title.set_fontsize(TEXT_PX)
        ax.set_visible(j < len(panels))
        # the y axis label on the left edge only (hidden, still in the alt text)
        if j > 0 or left < _LEFT:
            ax.yaxis.label.set_visible(False)
    # the last row at the bottom edge, the one before it a row higher
    for i, row in enumerate(key):
        fig.legend(handles=row, ncols=len(row),
                   bbox_to_anchor=(0.5, (len(key) - 1 - i) * _KEY_ROW / fig.bbox.height),
                   loc="lower center", frameon=False, handlelength=2.6, handletextpad=0.5,
                   columnspacing=1.2, borderaxespad=0.2)
    return fig, axes


def _shared_view(x, panels):  # ((xmin, xmax), (ymin, ymax)) that holds every panel's default view
    views = np.asarray([default_limits(p.get("x", x), p.get("mu"), p.get("sigma"))
                        for p in panels])
    return tuple(zip(views[:, :, 0].min(axis=0), views[:, :, 1].max(axis=0)))


def _key_rows(panels):
    """The key below panels, in rows: the components; then the ellipses and grey points."""
    n_components = max(_n_components(**p) for p in panels)
    with_ellipses = [i for i, p in enumerate(panels) if p.get("sigma") is not None]
    handles = key_handles(n_components, bool(with_ellipses),
                          any(_has_unsure(p.get("r")) for p in panels))
    rows = [[Line2D([], [], linestyle="none", label="component:"), *handles[:n_components]],
            handles[n_components:]]
    # the key lists only what is drawn
    if with_ellipses and len(with_ellipses) < len(panels):
        where = {0: "left", len(panels) - 1: "right"}.get(with_ellipses[0],
                                                           f"panel {with_ellipses[0] + 1}")
        rows[1].insert(0, Line2D([], [], linestyle="none", label=f"ellipses ({where} only):"))
    return [row for row in rows if row] if n_components else []


def snapshot_title(snap, lines=2):
    """'start', 'iteration 5' or the snapshot's own "label", then its ℓ, on `lines` lines."""
    label = snap.get("label") or ("start" if snap["iteration"] == 0
                                  else f"iteration {snap['iteration']}")
    return f"{label}{chr(10) if lines == 2 else ': '}ℓ = {snap['ll']:.3f}"


def plot_snapshots(x, snapshots, ncols=2):
    """Snapshot dicts (iteration, r, mu, sigma, ll; optional "label") as panels on one shared view,
    a figure with its key per row of ncols panels, so that each panel is as large as the box allows
    (with ncols=2, over 400 px wide: no y tick labels).  Returns (list of figures, 2-D array of
    Axes)."""
    panels = [{"title": snapshot_title(s), "r": s["r"], "mu": s["mu"], "sigma": s["sigma"]}
              for s in snapshots]
    limits = _shared_view(x, panels)
    rows = [plot_panels(x, panels[i:i + ncols], ncols, limits, left=_RIGHT)
            for i in range(0, len(panels), ncols)]
    return [fig for fig, _ in rows], np.vstack([axes for _, axes in rows])


def plot_data_vs_simulated(x, x_sim, z_sim, mu, sigma):
    """The data beside points simulated from a fit, by sampled component, on the data's view."""
    panels = [{"x": x, "title": f"the data\n{len(x)} samples"},
              {"x": x_sim, "labels": z_sim, "mu": mu, "sigma": sigma,
               "title": f"simulated from the fit\n{len(x_sim)} samples, by sampled component"}]
    return plot_panels(x, panels, limits=default_limits(x))


def find_plateau(lls, rel_gain=0.002, min_length=3):
    """(first, last) iteration of the longest stall before convergence, or None: a run of at
    least min_length gains below rel_gain times the whole climb, after which ll climbs faster."""
    lls = np.asarray(lls, dtype=float)
    # slow[i]: the gain from iteration i to i + 1
    slow = np.diff(lls) < rel_gain * (lls[-1] - lls[0])
    edges = np.flatnonzero(np.diff(np.concatenate([[0], slow.astype(int), [0]])))
    stalls = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])
              if b - a >= min_length and b < len(slow)]
    # iterations a to b
    return max(stalls, key=lambda stall: stall[1] - stall[0], default=None)


def _line_axes():
    return plt.figure(figsize=(BOX[0] / DPI, 400 / DPI), dpi=DPI,
                      layout="constrained").add_subplot()


def plot_ll(lls, annotations=(), plateau=True, end_label=None):
    """ℓ, the mean log-likelihood per sample, against the EM iteration, its start and end
    labelled (end_label names the end), the stall find_plateau finds shaded unless plateau is
    false; returns the Axes.  annotations: (iteration, text) pairs, each written below its point."""
    lls = np.asarray(lls, dtype=float)
    last, climb = len(lls) - 1, np.ptp(lls) or 1
    ax = _line_axes()
    ax.plot(np.arange(len(lls)), lls, marker="o", markersize=6, color=COLORS[0], zorder=3)
    ax.set(title="ℓ at each EM iteration (higher is better)", xlabel="EM iteration",
           ylabel="ℓ, mean log-likelihood per sample",
           xlim=(-0.03 * max(last, 1), 1.03 * max(last, 1)),
           ylim=(lls.min() - 0.05 * climb, lls.max() + 0.12 * climb))
    style = dict(textcoords="offset points", zorder=5,
                 arrowprops=dict(arrowstyle="-", color=DATA_GREY),
                 bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none",
                           alpha=0.85))
    ax.annotate(f"start: ℓ = {lls[0]:.3f}", (0, lls[0]), xytext=(25, 0), ha="left", va="center",
                **style)
    if last > 0:  # low on the right, where a climbing curve leaves room
        ax.annotate(f"{end_label or f'iteration {last}'}: ℓ = {lls[-1]:.3f}", (last, lls[-1]),
                    xytext=(0.99, 0.3),
                    ha="right", va="center", **(style | dict(textcoords="axes fraction")))
    plateau = find_plateau(lls) if plateau else None
    if plateau is not None:
        ax.axvspan(*plateau, color=COLORS[3], alpha=0.15, linewidth=0, zorder=1)
        ax.text(sum(plateau) / 2, 0.12, f"plateau\n{plateau[0]}-{plateau[1]}", ha="center",
                va="bottom", transform=ax.get_xaxis_transform(), zorder=5)
    for iteration, text in annotations:
        ax.annotate(text, (iteration, lls[iteration]), xytext=(0, -60), ha="center", va="top",
                    **style)
    return ax


def plot_bic(ks, bics):
    """BIC minus its lowest value against K (lower is better), the lowest marked; the y axis
    is symmetric-log (linear below 10), so that 50 stays visible beside 10 000."""
    ks = np.asarray(list(ks))
    delta = np.asarray(bics, dtype=float) - np.min(bics)
    best = int(np.argmin(delta))
    ax = _line_axes()
    ax.plot(ks, delta, marker="o", markersize=9, color=COLORS[0], zorder=3)
    ax.plot(ks[best], 0, marker="*", markersize=26, color=COLORS[1], markeredgecolor="black",
            markeredgewidth=1.5, linestyle="none", zorder=4)
    ax.set_yscale("symlog", linthresh=10, linscale=0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.set(title=f"BIC above its lowest value (lower is better): K = {ks[best]} is chosen",
           xticks=ks, xlabel="number of components K", ylabel="BIC − lowest (symlog scale)",
           ylim=(-2, delta.max() * 4))
    for k, d in zip(ks, delta):
        if d > 0:
            ax.annotate(f"+{d:,.0f}", (k, d), xytext=(0, 10), textcoords="offset points",
                        ha="center", va="bottom")
    ax.annotate(f"lowest: K = {ks[best]}", (ks[best], 0), xytext=(0, 22),
                textcoords="offset points",
                ha="center", va="bottom", fontweight="bold", zorder=5,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none"))
    return ax


def _fmt(a):
    """An array rounded to 2 decimals on one line, e.g. [[1.00, -0.50], [-0.50, 2.00]]."""
    return np.array2string(np.asarray(a, dtype=float), precision=2, separator=", ",
                           suppress_small=True, floatmode="fixed", max_line_width=10_000)


def params_table(pi_true, mu_true, sigma_true, pi_est, mu_est, sigma_est, labels):
    """HTML table of true against estimated parameters, one row per true component j,
    compared with fitted component ``labels[j]`` (its colour marks the row, as in the figures)."""
    head = ("fitted component", "π true", "π fitted", "μ true", "μ fitted", "Σ true",
            "Σ fitted")
    rows = ["<tr>" + "".join(f"<th>{name}</th>" for name in head) + "</tr>"]
    for j, k in enumerate(int(label) for label in labels):
        cells = [f'<span style="color:{COLORS[k % len(COLORS)]}; font-size:1.4em">'
                 f'&#9632;</span> {k}',
                 f"{pi_true[j]:.3f}", f"{pi_est[j]:.3f}", _fmt(mu_true[j]), _fmt(mu_est[j]),
                 _fmt(sigma_true[j]), _fmt(sigma_est[j])]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return HTML('<table style="font-size:1.15em; font-family:monospace">'
                f'{"".join(rows)}</table>')

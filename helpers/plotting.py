"""Figures for the EM notebook: data, soft assignments, covariance ellipses, progress.

Every figure is drawn for a lecture room and a 16:9 projector:

- Component k has its own colour ``COLORS[k]``, mean marker ``MARKERS[k]``, ellipse
  line style ``LINESTYLES[k]`` and its number written beside its mean, so that the
  components can be told apart without colour too; every figure with components has
  a key.  The four colours stay apart under the common colour-vision deficiencies
  (``tests/test_colours.py`` measures them).
- Sizes are in CSS pixels: figures are drawn at ``DPI = 72``, so one point is one
  pixel.  Every figure fits the output area of JupyterLab at 1280x720 with the file
  browser open, ``BOX = (848, 560)`` pixels, and all text is at least 18 pixels tall.
  In a notebook, ``use_class_style()`` shows figures at that size with twice the
  pixels (sharp on HiDPI screens) and gives each image alt text from its titles.

Each function draws on a given matplotlib ``ax`` or makes its own figure, and returns
what it drew, so figures can be composed and tested.  Call ``use_class_style()`` first:
tick labels and axis labels take their sizes from its settings.
"""

import base64
import gc
import io
import re
import struct
import zlib

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse
from matplotlib.path import Path as MarkerPath
from matplotlib.ticker import FuncFormatter
from matplotlib import patheffects

# Four colours that stay apart for normal vision and under deuteranomaly, protanomaly and
# tritanomaly (Paul Tol's indigo and green, Okabe-Ito's orange, Tol's cyan), then more for
# K > 4.  Every component also has its own marker and line style, for when colour fails.
COLORS = ["#332288", "#E69F00", "#117733", "#33BBEE", "#CC3311", "#AA4499", "#999933", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", ":", "-."]
DATA_GREY = "#555555"

# Points: one dot per sample, large and opaque enough to see from the back of a room,
# translucent enough that dense regions still show their density.
POINT_SIZE = 16      # marker area in points^2 (a dot about 4 pixels across)
POINT_ALPHA = 0.6
# A dot is a 12-sided polygon: at 4 to 8 pixels across it looks exactly like a circle, and
# matplotlib draws thousands of them a third quicker than circles (which it draws as curves).
POINT_MARKER = MarkerPath.unit_regular_polygon(12)

# Ellipses are drawn at these multiples of the standard deviation: the first thick,
# the others thin.  In 2-D the k-sigma ellipse holds 1 - exp(-k^2 / 2) of the mass.
SIGMA_LEVELS = (1, 2)
ELLIPSE_WIDTHS = (3.5, 1.8)
FILL_ALPHA = 0.06    # the first ellipse's fill: light, so that four overlapping ones stay clear

# Sizes in CSS pixels (at DPI = 72 one point is one pixel).
DPI = 72
BOX = (848, 560)     # JupyterLab's output area at 1280x720 with the file browser open
TEXT_PX = 18         # smallest text: tick labels, key
TITLE_PX = 20


def mass_within(n_sigma):
    """Fraction of a 2-D Gaussian's mass inside its n_sigma ellipse: 1 - exp(-n^2/2)."""
    return 1.0 - np.exp(-0.5 * n_sigma**2)


def sigma_label(n_sigmas=SIGMA_LEVELS):
    """Text such as 'ellipses: 1σ (39% of the mass, thick), 2σ (86%, thin)'."""
    parts = [f"{k:g}σ ({100 * mass_within(k):.0f}%{' of the mass' if i == 0 else ''}, "
             f"{'thick' if i == 0 else 'thin'})" for i, k in enumerate(n_sigmas)]
    return "ellipses: " + ", ".join(parts)


def component_color(k):
    """The colour of component k (the palette repeats after len(COLORS) components)."""
    return COLORS[k % len(COLORS)]


def component_marker(k):
    return MARKERS[k % len(MARKERS)]


def component_linestyle(k):
    return LINESTYLES[k % len(LINESTYLES)]


def use_class_style(hidpi=True):
    """Large text and thick lines for a projector; sharp images with alt text in a notebook.

    Sets matplotlib's defaults (72 dpi, so sizes in points are CSS pixels; text of 18 and
    20 pixels; fixed margins).  Inside IPython, figures are then shown as PNGs at their
    own size, with twice the pixels if ``hidpi`` (sharp on HiDPI screens, at about 1.5
    times the drawing time and 2.8 times the bytes), each with alt text from its
    titles (``figure_alt_text``), which the exported HTML keeps.  Last, the objects made
    by the imports so far are frozen out of garbage collection (see the comment there).
    """
    plt.rcParams.update({
        "figure.figsize": (BOX[0] / DPI, BOX[1] / DPI),
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "font.size": TEXT_PX,
        "axes.titlesize": TITLE_PX,
        "axes.titley": 1.0,  # a fixed title place: the automatic one costs a layout pass per Axes
        "figure.titlesize": TITLE_PX,
        "axes.labelsize": TEXT_PX,
        "xtick.labelsize": TEXT_PX,
        "ytick.labelsize": TEXT_PX,
        "legend.fontsize": TEXT_PX,
        "legend.title_fontsize": TEXT_PX,
        "lines.linewidth": 3,
        "lines.solid_capstyle": "round",
        "lines.dash_capstyle": "round",
        "axes.grid": True,
        "axes.axisbelow": True,  # the grid behind the points
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
    if shell is None or "image/png" not in shell.display_formatter.formatters:
        return
    import matplotlib_inline.backend_inline  # noqa: F401  (sets up the inline backend first)
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters
    for formatter in formatters.values():
        formatter.pop(Figure, None)
    formatters["image/png"].for_type(Figure, lambda fig: notebook_png(fig, scale=2 if hidpi else 1))
    # The imports before this call made some 140,000 objects (modules, functions, classes)
    # that live as long as the kernel.  Python's garbage collector would walk through all of
    # them again and again as figures come and go; frozen, they are left out of its
    # collections.  Objects made from here on are collected as usual.
    gc.freeze()


def notebook_png(fig, scale=2):
    """A figure as the notebook shows it: (base64 PNG, metadata), or None for an empty figure.

    The PNG has ``scale`` times the figure's pixels (2: sharp on HiDPI screens); the
    metadata's width and height keep it at the figure's own size in CSS pixels, and its
    alt text describes it.  Drawn once at fixed margins (no "tight" cropping, which
    would draw every figure twice).
    """
    if not fig.axes:
        return None
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=scale * fig.dpi)  # the pixels, not yet encoded
    width, height = fig.get_size_inches() * fig.dpi
    pixels = np.frombuffer(buffer.getvalue(), np.uint8).reshape(
        int(round(scale * height)), int(round(scale * width)), 4)
    metadata = {"width": int(round(width)), "height": int(round(height)), "alt": figure_alt_text(fig)}
    return base64.b64encode(png_bytes(pixels[..., :3], dpi=scale * fig.dpi)).decode("ascii"), metadata


def png_bytes(rgb, dpi=None):
    """PNG file of an (H, W, 3) uint8 image, written quickly: rows unfiltered, zlib level 3.

    A figure is mostly flat colour, which zlib packs well as it is; PIL's PNG writer tries
    a filter on every row first, which takes longer and, on figures, gives larger files.
    ``dpi``, if given, is stored in the file (a pHYs chunk, in pixels per metre), so an image
    viewer, or a test, can tell how large the figure's text is meant to be.
    """
    height, width, _ = rgb.shape
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # each row starts with its filter type: 0, none
    rows[:, 1:].reshape(height, width, 3)[...] = rgb       # the pixels after it (a view: no copy)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits per channel, RGB
    density = b""
    if dpi is not None:
        per_metre = int(round(dpi / 0.0254))
        density = chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))  # 1: unit is the metre
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + density
            + chunk(b"IDAT", zlib.compress(rows, 3)) + chunk(b"IEND", b""))


def _plain(text):
    """Text without mathtext dollars and backslashes, for alt text: '$\\sigma_1$' -> 'sigma_1'."""
    return re.sub(r"\\(\w+)", r"\1", text.replace("$", "")).replace("\n", " ").strip()


def figure_alt_text(fig):
    """A description of a figure for screen readers, from its axes, titles and key.

    E.g. "Scatter plot of x₂ against x₁: converged after 47 iterations: ll = -4.094.
    Components 0 to 3 are told apart by colour, marker shape, line style and the number
    beside each mean."
    """
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
    if not axes:
        return "An empty figure."
    kind = "scatter plot" if any(ax.collections for ax in axes) else "plot"
    if len(axes) > 1:
        kind = f"{len(axes)} {kind}s"
    xlabel = next((ax.get_xlabel() for ax in axes if ax.get_xlabel()), "")
    ylabel = next((ax.get_ylabel() for ax in axes if ax.get_ylabel()), "")
    if xlabel and ylabel:
        kind += f" of {ylabel} against {xlabel}"
    titles = [ax.get_title().replace("\n", ", ") for ax in axes if ax.get_title()]
    if fig.get_suptitle():
        titles.insert(0, fig.get_suptitle())
    text = kind[0].upper() + kind[1:] + (": " + "; ".join(titles) if titles else "") + "."
    if kind.startswith("plot"):  # a line plot: its labelled points carry the values
        notes = [t.get_text().replace("\n", " ") for ax in axes for t in ax.texts if t.get_text()]
        text += "".join(f" {note}." for note in notes)
    legends = fig.legends + [ax.get_legend() for ax in axes if ax.get_legend()]
    components = {t.get_text() for legend in legends for t in legend.get_texts() if t.get_text().isdigit()}
    if components:
        text += (f" Components 0 to {len(components) - 1} are told apart by colour, marker shape, "
                 "line style and the number beside each mean.")
    return _plain(text)


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


# A white rim under every outline, number and marker keeps it visible over points of
# any colour and over the other components' outlines.
def _halo(width):
    return [patheffects.Stroke(linewidth=width, foreground="white"), patheffects.Normal()]


def add_cov_ellipses(ax, mean, cov, color, n_sigmas=SIGMA_LEVELS, linestyle="-", zorder=3):
    """Draw the n-sigma ellipses of N(mean, cov) for each n in n_sigmas; return the patches.

    All levels share ``color`` and ``linestyle``; the first level is drawn thick with a
    light fill, the others thin and unfilled, each over a white rim.
    """
    patches = []
    for level, n_sigma in enumerate(n_sigmas):
        width, height, angle = ellipse_params(cov, n_sigma)
        line_width = ELLIPSE_WIDTHS[min(level, len(ELLIPSE_WIDTHS) - 1)]
        patch = Ellipse(xy=tuple(mean), width=width, height=height, angle=angle,
                        facecolor=(*to_rgb(color), FILL_ALPHA if level == 0 else 0.0),
                        edgecolor=color, linewidth=line_width, linestyle=linestyle, zorder=zorder,
                        path_effects=_halo(line_width + 2.5))
        ax.add_artist(patch)  # unlike add_patch, does not recompute the data limits: quicker
        patches.append(patch)
    return patches


# Where component k writes its number, in points from its mean: each component on its
# own side, so that two means on top of each other still show both numbers.
_NUMBER_OFFSETS = [(11, 9), (-11, 9), (-11, -9), (11, -9)]


def draw_component(ax, k, mean, cov=None, n_sigmas=SIGMA_LEVELS, zorder=3):
    """Draw component k: its ellipses (given its covariance), mean marker and number.

    Colour, marker and line style are component k's own.  Returns the list of artists
    drawn: the ellipses, then the mean's marker (a Line2D), then the number (a Text).
    """
    color = component_color(k)
    artists = [] if cov is None else add_cov_ellipses(
        ax, mean, cov, color, n_sigmas, component_linestyle(k), zorder)
    artists += ax.plot(*mean, marker=component_marker(k), markersize=15, color=color, zorder=5,
                       markeredgecolor="white", markeredgewidth=2, linestyle="none")
    dx, dy = _NUMBER_OFFSETS[k % len(_NUMBER_OFFSETS)]
    artists.append(ax.annotate(str(k), tuple(mean), xytext=(dx, dy), textcoords="offset points",
                               ha="left" if dx > 0 else "right", va="bottom" if dy > 0 else "top",
                               fontsize=TEXT_PX, fontweight="bold", color="black", zorder=6,
                               bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none",
                                         alpha=0.8)))
    return artists


def draw_components(ax, mu, sigma=None, n_sigmas=SIGMA_LEVELS):
    """Draw every component; the broadest ellipses first, so that no small one is hidden."""
    mu = np.asarray(mu)
    order = range(len(mu)) if sigma is None else np.argsort(-np.linalg.det(np.asarray(sigma)),
                                                            kind="stable")
    artists = []
    for rank, k in enumerate(order):
        artists += draw_component(ax, int(k), mu[k], None if sigma is None else sigma[k], n_sigmas,
                                  zorder=3 + 0.01 * rank)
    return artists


def key_handles(n_components, n_sigmas=SIGMA_LEVELS, ellipses=True, long_labels=False):
    """Legend entries: one per component (marker, line style, colour), then the ellipse levels."""
    handles = [Line2D([], [], color=component_color(k), marker=component_marker(k), markersize=12,
                      markeredgecolor="white", linestyle=component_linestyle(k),
                      linewidth=ELLIPSE_WIDTHS[0] if ellipses else 0,
                      label=f"component {k}" if long_labels else str(k))
               for k in range(n_components)]
    if ellipses:
        for level, n_sigma in enumerate(n_sigmas):
            handles.append(Line2D([], [], color=DATA_GREY,
                                  linewidth=ELLIPSE_WIDTHS[min(level, len(ELLIPSE_WIDTHS) - 1)],
                                  label=f"{n_sigma:g}σ: {100 * mass_within(n_sigma):.0f}%"))
    return handles


def point_colors(r):
    """Each point's colour is its components' colours mixed by its responsibilities r (N, K)."""
    palette = np.array([to_rgb(component_color(k)) for k in range(r.shape[1])])
    return np.clip(r @ palette, 0.0, 1.0)


def _label_colors(labels):
    """Each point in the colour of its component: labels (N,) of integers."""
    labels = np.asarray(labels, dtype=int)
    palette = np.array([to_rgb(component_color(k)) for k in range(labels.max() + 1)])
    return palette[labels]


def _extent(x, mu=None, sigma=None, n_sigmas=SIGMA_LEVELS):
    """Lower and upper corners of the box holding the data, the means and their ellipses."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    if mu is not None:
        mu = np.asarray(mu)
        lo, hi = np.minimum(lo, mu.min(axis=0)), np.maximum(hi, mu.max(axis=0))
        if sigma is not None:
            # The n-sigma ellipse reaches n * sqrt(sigma_dd) from its mean along axis d.
            reach = max(n_sigmas) * np.sqrt(np.diagonal(np.asarray(sigma), axis1=1, axis2=2))
            lo, hi = np.minimum(lo, (mu - reach).min(axis=0)), np.maximum(hi, (mu + reach).max(axis=0))
    return lo, hi


def default_limits(x, mu=None, sigma=None, n_sigmas=SIGMA_LEVELS):
    """((xmin, xmax), (ymin, ymax)) holding the data, the means and the ellipses, plus a margin.

    The ellipses may widen the view of the data and means by at most a third of its span
    on each side (a far larger one is cut off rather than shrinking the data to a dot).
    Each side spans at least 2% of the widest ellipse (or 1 if there is nothing to go
    by), so that degenerate data, such as a single point, still give a sensible view.
    """
    x = np.asarray(x, dtype=float)
    lo, hi = _extent(x, mu)
    with_ellipses_lo, with_ellipses_hi = _extent(x, mu, sigma, n_sigmas)
    span = hi - lo
    lo = np.maximum(with_ellipses_lo, lo - span / 3)
    hi = np.minimum(with_ellipses_hi, hi + span / 3)
    floor = 0.0
    if sigma is not None and len(sigma):
        widest = 2 * max(n_sigmas) * np.sqrt(np.linalg.eigvalsh(sigma)[:, -1].max())  # as ellipse_params
        floor = 0.02 * widest
    span = np.maximum(hi - lo, floor)
    span[span == 0] = 1.0
    center = (lo + hi) / 2
    half = 0.55 * span  # half the span plus a 5% margin on each side
    return tuple((c - h, c + h) for c, h in zip(center, half))


def _union(limits):
    """The smallest limits holding every ((xmin, xmax), (ymin, ymax)) in the list."""
    limits = np.asarray(limits)  # (n, 2, 2)
    return tuple((limits[:, d, 0].min(), limits[:, d, 1].max()) for d in range(2))


# Layout, in CSS pixels: room for tick labels and axis labels at TEXT_PX, titles at TITLE_PX.
_LEFT, _RIGHT, _BOTTOM, _TOP = 76, 14, 60, 6
_TITLE_LINE = 25      # height of one title line at TITLE_PX, with its gap to the axes
_GRID_TITLE_LINE = 22  # the same at TEXT_PX, for the titles of panels in a grid
_KEY_ROW = 30         # height of one row of the key below a grid
_KEY_COLUMN = 170     # width of the key column right of a single plot


def _aspect(limits):
    (x0, x1), (y0, y1) = limits
    return (x1 - x0) / (y1 - y0)


def scatter_figure(limits, key=True, title_lines=1, box=BOX):
    """An empty figure with one Axes for make_plot, sized to fit ``box`` at equal aspect.

    The figure is as large as ``box`` (width, height in CSS pixels) allows for the view
    ``limits``, with room above for a title of ``title_lines`` lines and, if ``key``, a
    column for the key on the right.  Returns (figure, axes).
    """
    fig, axes = _grid(1, 1, _aspect(limits), title_lines, key_right=key, box=box)
    return fig, axes[0, 0]


def _grid(nrows, ncols, aspect, title_lines=1, key_rows=0, key_right=False, box=BOX):
    """A figure with an nrows x ncols grid of Axes at equal aspect, fitted into box.

    Axes share x and y (tick labels only on the outer edges); each has room for a title
    of title_lines lines (at TITLE_PX for one Axes, TEXT_PX in a grid); key_rows rows are
    kept free below the grid for a key (the figure is then as wide as the box, for the
    key's sake), or a column on the right if key_right.
    """
    gap = 14
    title_h = (_TITLE_LINE if nrows * ncols == 1 else _GRID_TITLE_LINE) * title_lines + 4
    left, right = _LEFT, _RIGHT + (_KEY_COLUMN if key_right else 0)
    bottom = _BOTTOM + _KEY_ROW * key_rows + (8 if key_rows else 0)
    room_w = (box[0] - left - right - gap * (ncols - 1)) / ncols
    room_h = (box[1] - bottom - _TOP - nrows * title_h - gap * (nrows - 1)) / nrows
    ax_w = min(room_w, room_h * aspect)
    ax_h = ax_w / aspect
    width = round(left + ncols * ax_w + (ncols - 1) * gap + right)  # whole pixels
    if key_rows:  # centre the grid in a figure as wide as the box
        left += (box[0] - width) / 2
        width = box[0]
    height = round(bottom + nrows * (ax_h + title_h) + (nrows - 1) * gap + _TOP)
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    axes = np.empty((nrows, ncols), dtype=object)
    for i in range(nrows):
        for j in range(ncols):
            x0 = left + j * (ax_w + gap)
            y0 = height - _TOP - (i + 1) * (ax_h + title_h) - i * gap
            share = None if i == j == 0 else axes[0, 0]
            ax = fig.add_axes([x0 / width, y0 / height, ax_w / width, ax_h / height],
                              sharex=share, sharey=share)
            ax.tick_params(labelbottom=i == nrows - 1, labelleft=j == 0)
            axes[i, j] = ax
    return fig, axes


def _draw_points(ax, x, r=None, labels=None):
    """One scatter of all points: grey, mixed by responsibilities r, or by their labels."""
    if r is not None:
        colors = point_colors(np.asarray(r))
    elif labels is not None:
        colors = _label_colors(labels)
    else:
        colors = DATA_GREY
    return ax.scatter(x[:, 0], x[:, 1], s=POINT_SIZE, c=colors, alpha=POINT_ALPHA, linewidths=0,
                      marker=POINT_MARKER, zorder=1)


def _n_components(r=None, mu=None, labels=None):
    if mu is not None:
        return len(mu)
    if r is not None:
        return np.shape(r)[1]
    if labels is not None:
        return int(np.max(labels)) + 1
    return 0


def make_plot(x, r=None, mu=None, sigma=None, ll=None, *, title=None, ax=None, limits=None,
              labels=None, n_sigmas=SIGMA_LEVELS, legend=True, box=BOX):
    """Scatter 2-D data, optionally coloured by component, with means and ellipses.

    x : (N, 2) data.  r : (N, K) responsibilities; a point's colour mixes the
    component colours by its r, so uncertain points look blended.  labels : (N,)
    instead of r, one component per point (k-means, simulated data).  mu : (K, 2)
    means, sigma : (K, 2, 2) covariances.  ll : mean log-likelihood per sample; with
    a title it is appended ("start: ll = -5.433"), alone it makes the title.
    limits : ((xmin, xmax), (ymin, ymax)); default: the data, means and ellipses.
    ax : draw there (a key then goes right of the Axes: make room, e.g. with
    scatter_figure); default: a new figure as large as fits ``box`` (width, height in
    CSS pixels; default BOX, e.g. (848, 420) to leave room for a cell's code on a
    720p screen).  Returns the Axes.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"make_plot draws 2-D data of shape (N, 2); got shape {x.shape}")
    if limits is None:
        limits = default_limits(x, mu, sigma, n_sigmas)
    n_components = _n_components(r, mu, labels)
    show_key = legend and n_components > 0
    if title is None and ll is not None:
        title = f"ll = {ll:.4f} (mean log-likelihood per sample)"
    elif ll is not None:
        title = f"{title}: ll = {ll:.3f}"
    if ax is None:
        lines = 1 if title is None else title.count("\n") + 1
        _, ax = scatter_figure(limits, key=show_key, title_lines=lines, box=box)
    _draw_points(ax, x, r, labels)
    if mu is not None:
        draw_components(ax, mu, sigma, n_sigmas)
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.set_aspect("equal", adjustable="box")
    ax.locator_params(nbins=5)  # few, large tick labels: readable from afar, and quicker to draw
    ax.set_xlabel("x₁")  # plain text, not mathtext: quicker to draw
    ax.set_ylabel("x₂")
    if title is not None:
        ax.set_title(title, y=1.0)  # a fixed place: matplotlib's automatic one costs a layout pass
    if show_key:
        ax.legend(handles=key_handles(n_components, n_sigmas, ellipses=sigma is not None),
                  title="component", loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  borderaxespad=0.3, frameon=False, handlelength=2.6, alignment="left")
    return ax


def _add_key_below(fig, n_components, n_sigmas, ellipses):
    """The key as one row at the bottom of a figure: the components, then the ellipse levels."""
    handles = [Line2D([], [], linestyle="none", label="component:")]
    handles += key_handles(n_components, n_sigmas, ellipses=ellipses)
    fig.legend(handles=handles, ncols=len(handles), loc="lower center", bbox_to_anchor=(0.5, 0.0),
               frameon=False, handlelength=2.6, handletextpad=0.5, columnspacing=1.2,
               borderaxespad=0.2)


def _panel_limits(x, panels, n_sigmas):
    return _union([default_limits(np.asarray(p.get("x", x)), p.get("mu"), p.get("sigma"), n_sigmas)
                   for p in panels])


def plot_panels(x, panels, ncols=None, limits=None, n_sigmas=SIGMA_LEVELS, box=BOX):
    """Side-by-side make_plot panels on one shared view, with one key below.

    panels : list of dicts, each with a "title" and any of "r" (responsibilities),
    "labels" (one component per point), "mu", "sigma", "ll", and "x" (its own points;
    default: x).  ncols : panels per row (default: all in one row, at most 3).
    limits : the shared view (default: every panel's data, means and ellipses).
    box : (width, height) in CSS pixels that the figure fits.  Returns (figure, 2-D array of Axes).
    """
    ncols = ncols or min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    if limits is None:
        limits = _panel_limits(x, panels, n_sigmas)
    n_components = max(_n_components(p.get("r"), p.get("mu"), p.get("labels")) for p in panels)
    ellipses = any(p.get("sigma") is not None for p in panels)
    title_lines = max(p.get("title", "").count("\n") + 1 for p in panels)
    key_rows = 1 if n_components else 0
    fig, axes = _grid(nrows, ncols, _aspect(limits), title_lines, key_rows=key_rows, box=box)
    for ax, panel in zip(axes.flat, panels):
        make_plot(np.asarray(panel.get("x", x)), panel.get("r"), panel.get("mu"), panel.get("sigma"),
                  panel.get("ll"), title=panel.get("title"), ax=ax, limits=limits,
                  labels=panel.get("labels"), n_sigmas=n_sigmas, legend=False)
    for ax in axes.flat:
        ax.title.set_fontsize(TEXT_PX)  # panel titles are small, still >= 18 px
        if not ax.has_data():
            ax.set_visible(False)
    for i in range(nrows):  # axis labels on the outer edges only, as the tick labels
        for j in range(ncols):
            if i < nrows - 1 and axes[i + 1, j].get_visible():
                axes[i, j].set_xlabel("")
            else:
                axes[i, j].tick_params(labelbottom=True)
            if j > 0:
                axes[i, j].set_ylabel("")
    if n_components:
        _add_key_below(fig, n_components, n_sigmas, ellipses)
    return fig, axes


def snapshot_title(snap, lines=2):
    """'start', 'iteration 5' or the snapshot's own "label", then its ll, on `lines` lines."""
    label = snap.get("label") or ("start" if snap["iteration"] == 0 else f"iteration {snap['iteration']}")
    return f"{label}{chr(10) if lines == 2 else ': '}ll = {snap['ll']:.3f}"


def _snapshot_title(snap):
    return snapshot_title(snap, lines=1)


def plot_snapshots(x, snapshots, ncols=3, n_sigmas=SIGMA_LEVELS):
    """A grid of make_plot panels, one per snapshot dict (iteration, r, mu, sigma, ll).

    A snapshot may carry a "label" for its title (e.g. "converged (47)": a panel's
    title has room for about 20 characters a line); by default the title is "start" or "iteration i", then its ll.  All
    panels share one view, large enough for every snapshot's ellipses; one key below.
    Returns (figure, 2-D array of Axes).
    """
    panels = [{"title": snapshot_title(s), "r": s["r"], "mu": s["mu"], "sigma": s["sigma"]}
              for s in snapshots]
    return plot_panels(x, panels, ncols=ncols, n_sigmas=n_sigmas)


def plot_data_vs_simulated(x, x_sim, z_sim, mu=None, sigma=None, n_sigmas=SIGMA_LEVELS):
    """The data beside points simulated from a fit, coloured by their sampled component.

    x : (N, 2) data; x_sim : (M, 2) simulated points; z_sim : (M,) the component each
    was drawn from.  Given mu and sigma, the fit's components are drawn on the
    simulated panel.  Both panels show the data's view.  Returns (figure, 2-D array of Axes).
    """
    panels = [{"x": x, "title": f"the data\n{len(x)} samples"},
              {"x": x_sim, "labels": z_sim, "mu": mu, "sigma": sigma,
               "title": f"simulated from the fit\n{len(x_sim)} samples, by sampled component"}]
    return plot_panels(x, panels, limits=default_limits(x), n_sigmas=n_sigmas)


def find_plateau(lls, rel_gain=0.002, min_length=3):
    """(first, last) iteration of the longest stall before convergence, or None.

    A stall is a run of at least min_length iterations that each gain less than
    rel_gain times the whole climb, after which ll climbs faster again, as when two
    components share one cluster before one of them leaves.
    """
    lls = np.asarray(lls, dtype=float)
    if len(lls) < min_length + 2:
        return None
    gains = np.diff(lls)
    slow = gains < rel_gain * (lls[-1] - lls[0])
    best = None
    i = 0
    while i < len(slow):
        if not slow[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(slow) and slow[j + 1]:
            j += 1
        climbs_again = j + 1 < len(slow)
        if climbs_again and j - i + 1 >= min_length and (best is None or j - i > best[1] - best[0]):
            best = (i, j + 1)  # gains i..j join iterations i to j + 1
        i = j + 1
    return best


def plot_ll(lls, annotations=(), plateau="auto", end_label=None, ax=None):
    """ll, the mean log-likelihood per sample, against the EM iteration; returns the Axes.

    lls[0] is the value at the starting parameters.  The start and the end are labelled
    with their values (end_label, e.g. "converged after 47 iterations", names the end).
    plateau : (first, last) iteration to shade as a plateau, "auto" for find_plateau,
    or None.  annotations : (iteration, text) pairs, each written below its point (keep
    them clear of the lower right, where the end's label goes).
    """
    lls = np.asarray(lls, dtype=float)
    last = len(lls) - 1
    if ax is None:
        fig = plt.figure(figsize=(BOX[0] / DPI, 400 / DPI), dpi=DPI)
        ax = fig.add_axes([100 / BOX[0], 62 / 400, (BOX[0] - 125) / BOX[0], (400 - 62 - 40) / 400])
    ax.plot(np.arange(len(lls)), lls, marker="o", markersize=6, color=COLORS[0], zorder=3)
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("ll")
    ax.set_title("ll, the mean log-likelihood per sample, at each EM iteration", y=1.0)
    ax.set_xlim(-0.03 * max(last, 1), 1.03 * max(last, 1))
    low, high = lls.min(), lls.max()
    ax.set_ylim(low - 0.05 * (high - low or 1), high + 0.12 * (high - low or 1))
    text_style = dict(textcoords="offset points", fontsize=TEXT_PX, zorder=5,
                      arrowprops=dict(arrowstyle="-", color=DATA_GREY, linewidth=1.5),
                      bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.85))
    ax.annotate(f"start: ll = {lls[0]:.3f}", (0, lls[0]), xytext=(25, 0), ha="left", va="center",
                **text_style)
    if last > 0:  # low on the right, where a climbing curve leaves room
        ax.annotate(f"{end_label or f'iteration {last}'}: ll = {lls[-1]:.3f}", (last, lls[-1]),
                    xytext=(0.99, 0.3), ha="right", va="center",
                    **(text_style | dict(textcoords="axes fraction")))
    if isinstance(plateau, str) and plateau == "auto":
        plateau = find_plateau(lls)
    if plateau is not None:
        first, end = plateau
        ax.axvspan(first, end, color=COLORS[3], alpha=0.15, linewidth=0, zorder=1)
        ax.text((first + end) / 2, 0.12, f"plateau\n{first}-{end}", ha="center", va="bottom",
                transform=ax.get_xaxis_transform(), fontsize=TEXT_PX, zorder=5)
    for iteration, text in annotations:
        ax.annotate(text, (iteration, lls[iteration]), xytext=(0, -60), ha="center", va="top",
                    **text_style)
    return ax


def plot_bic(ks, bics, ax=None):
    """BIC minus its lowest value against K (lower is better), the chosen K marked.

    The y axis is linear up to 10 and logarithmic above (symlog), so that a difference
    of 50 stays visible beside one of 10 000; every point is labelled with its
    difference.  Returns the Axes.
    """
    ks = np.asarray(list(ks))
    delta = np.asarray(bics, dtype=float) - np.min(bics)
    best = int(np.argmin(delta))
    if ax is None:
        fig = plt.figure(figsize=(BOX[0] / DPI, 400 / DPI), dpi=DPI)
        ax = fig.add_axes([100 / BOX[0], 62 / 400, (BOX[0] - 125) / BOX[0], (400 - 62 - 40) / 400])
    ax.plot(ks, delta, marker="o", markersize=9, color=COLORS[0], zorder=3)
    ax.plot(ks[best], 0, marker="*", markersize=26, color=COLORS[1], markeredgecolor="black",
            markeredgewidth=1.5, linestyle="none", zorder=4)
    ax.set_yscale("symlog", linthresh=10, linscale=0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.set_ylim(-2, delta.max() * 4)
    ax.set_xticks(ks)
    for k, d in zip(ks, delta):
        if d > 0:
            ax.annotate(f"+{d:,.0f}", (k, d), xytext=(0, 10), textcoords="offset points", ha="center",
                        va="bottom", fontsize=TEXT_PX)
    ax.annotate(f"lowest: K = {ks[best]}", (ks[best], 0), xytext=(0, 22), textcoords="offset points",
                ha="center", va="bottom", fontsize=TEXT_PX, fontweight="bold", zorder=5,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none"))
    ax.set_xlabel("number of components K")
    ax.set_ylabel("BIC − lowest BIC (log scale)")
    ax.set_title(f"BIC above its lowest value (lower is better): K = {ks[best]} is chosen", y=1.0)
    return ax


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

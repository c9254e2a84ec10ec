"""The EM run as an animation that plays in JupyterLab, trusted or not, and in exported HTML.

JupyterLab shows the output of a notebook that was just opened as *untrusted* HTML: it
removes every <script>, on* attribute, <style> block and CSS animation, renames every id
and disables every <input>.  A player built from JavaScript (matplotlib's
``to_jshtml``) is then a broken image with dead buttons.  This player needs no script:

* the first frame is a still image with its width and height in the markup, so it takes
  its full size at once;
* the whole run is one animated WebP image inside a <details> element; clicking the
  figure (in the <summary>) opens it: the animation appears exactly over the still
  frame and starts from its first frame; clicking the line below the figure closes it
  and the still frame is back;
* where scripts run (after Run All, and in the exported HTML), a few lines of script
  also restart the animation from the first frame every time it is opened again.

Both images are embedded as data: URIs, so the player works offline.
"""

import base64
import io
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from helpers.plotting import default_limits, draw_components, make_plot, point_colors

# Lossy WebP at this quality keeps text and ellipses sharp at about a sixth of PNG's size;
# method 0 (the quickest encoder) writes files a sixth larger than method 2 in two thirds the time.
WEBP_QUALITY = 70


@dataclass
class Animation:
    """Frames of an animation: RGB images of one size, and how long each is shown (ms)."""

    frames: list
    durations: list
    titles: list = field(default_factory=list)
    scale: float = 1.0  # image pixels per CSS pixel

    @property
    def css_size(self):
        """(width, height) of the figure on screen, in CSS pixels."""
        width, height = self.frames[0].size
        return round(width / self.scale), round(height / self.scale)


def snapshot_title(snap):
    """The title of one frame, e.g. 'iteration 4: ll = -4.095'."""
    return f"iteration {snap['iteration']}: ll = {snap['ll']:.3f}"


def animate_em(x, snapshots, interval=600, hold=3000, scale=1.0):
    """Draw one frame per snapshot dict (iteration, r, mu, sigma, ll) with make_plot.

    Each frame is the figure make_plot draws by itself, so it has the size and style of
    the notebook's other scatter plots, and every frame shows the same view of the data:
    only the colours, means and ellipses move.  Each frame is shown for ``interval`` ms,
    the last for ``hold`` ms before the animation starts again.  Frames are rendered at
    ``scale`` image pixels per CSS pixel (2 is sharper on high-density screens, and more
    than twice as large).  Returns an Animation; show it with ``animation_html``.
    """
    if not snapshots:
        raise ValueError("animate_em needs at least one snapshot")
    first = snapshots[0]
    ax = make_plot(x, first["r"], first["mu"], first["sigma"], title=snapshot_title(first),
                   limits=default_limits(x))
    fig = ax.figure
    fig.set_dpi(fig.dpi * scale)
    points = ax.collections[0]
    # The axes, grid and key are the same in every frame: draw them once, keep a copy, and
    # for each frame draw only what moves (points' colours, components, title) over it.
    moving = [points, ax.title, *ax.patches, *ax.lines, *ax.texts]
    for artist in moving:
        artist.set_visible(False)
    fig.canvas.draw()
    background = fig.canvas.copy_from_bbox(fig.bbox)
    points.set_visible(True)
    ax.title.set_visible(True)
    frames, titles = [], []
    for snap in snapshots:
        for artist in [*ax.patches, *ax.lines, *ax.texts]:
            artist.remove()
        components = draw_components(ax, snap["mu"], snap["sigma"])
        points.set_facecolor(point_colors(np.asarray(snap["r"])))
        ax.title.set_text(snapshot_title(snap))
        fig.canvas.restore_region(background)
        for artist in sorted([points, ax.title, *components], key=lambda a: a.get_zorder()):
            ax.draw_artist(artist)
        frames.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB"))
        titles.append(snapshot_title(snap))
    plt.close(fig)  # drawn into frames: not to be shown again as a still
    durations = [interval] * (len(frames) - 1) + [hold]
    return Animation(frames, durations, titles, scale)


def _data_uri(images, durations=None):
    """WebP data: URI of one image, or of an endlessly looping animation given durations."""
    buffer = io.BytesIO()
    if durations is None:
        images[0].save(buffer, format="WEBP", quality=WEBP_QUALITY, method=0)
    else:
        images[0].save(buffer, format="WEBP", quality=WEBP_QUALITY, method=0, save_all=True,
                       append_images=images[1:], duration=durations, loop=0)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# Only inline styles survive JupyterLab's sanitizer, and only some properties: these do.
_IMG_STYLE = "display:block; max-width:100%; height:auto"
_LABEL_STYLE = "display:block; padding:0.3em 0; font-size:1.1em; cursor:pointer"

# Restarts the animation each time the player opens (where scripts run): an image that
# gets its own source back starts again from the first frame.
_RESTART_SCRIPT = """<script>
(function () {
  var player = document.currentScript.previousElementSibling;
  var moving = player.querySelector("summary + img");
  player.addEventListener("toggle", function () {
    if (player.open) { var src = moving.src; moving.src = ""; moving.src = src; }
  });
})();
</script>"""


def animation_html(anim):
    """A player for an Animation that needs no script: see this module's docstring.

    Returns an ``IPython.display.HTML`` object; the same frames always give the same HTML.
    """
    from IPython.display import HTML

    width, height = anim.css_size
    n = len(anim.frames)
    size = f'width="{width}" height="{height}"'
    first = (f'<img src="{_data_uri(anim.frames[:1])}" {size} style="{_IMG_STYLE}" '
             f'alt="first frame of {n}: {anim.titles[0] if anim.titles else ""}">')
    moving = (f'<img src="{_data_uri(anim.frames, anim.durations)}" {size} '
              f'style="{_IMG_STYLE}; position:absolute; top:0; left:0" alt="the animation, {n} frames">')
    label = (f'<span style="{_LABEL_STYLE}">&#x25B6; Click the figure to play.&ensp;'
             f'&#x25A0; Click this line to stop.</span>')
    # JupyterLab keeps 20 px of padding right of HTML output (none right of an image): the
    # negative margin gives the player the full width of the output area, as a figure has.
    html = (f'<details style="position:relative; max-width:{width}px; margin-right:-20px">'
            f'<summary style="display:block; list-style:none; cursor:pointer">{first}{label}</summary>'
            f'{moving}</details>{_RESTART_SCRIPT}')
    return HTML(html)

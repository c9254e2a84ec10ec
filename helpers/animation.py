"""The EM run as an animation that plays in JupyterLab, trusted or not (JupyterLab removes an
untrusted notebook's scripts), and in exported HTML: docs/figures.md says how."""

import base64
import io
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML
from PIL import Image

from helpers.plotting import DPI, default_limits, make_plot, snapshot_title


@dataclass
class Animation:
    """RGB frames of one size, how long each is shown (ms), their titles, pixels per CSS pixel."""
    frames: list
    durations: list
    titles: list
    scale: float

    @property
    def css_size(self):
        width, height = self.frames[0].size
        return round(width / self.scale), round(height / self.scale)


def frame_figures(x, snapshots):
    """Yield make_plot's figure of each snapshot dict (iteration, r, mu, sigma, ll), all on the
    data's view, so that only the colours, means and ellipses move: one figure, redrawn."""
    ax = None
    for snap in snapshots:
        for artist in [] if ax is None else [*ax.collections, *ax.lines, *ax.patches, *ax.texts]:
            artist.remove()
        ax = make_plot(x, snap["r"], snap["mu"], snap["sigma"], title=snapshot_title(snap, lines=1),
                       limits=default_limits(x), ax=ax)
        yield ax.figure


def animate_em(x, snapshots, interval=600, hold=3000, scale=2):
    """One frame per snapshot, make_plot's figure at ``scale`` image pixels per CSS pixel, each
    shown for ``interval`` ms, the last for ``hold`` ms.  Returns an Animation for
    animation_html."""
    if not snapshots:
        raise ValueError("animate_em needs at least one snapshot")
    frames = []
    for fig in frame_figures(x, snapshots):
        fig.set_dpi(scale * DPI)
        fig.canvas.draw()
        frames.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB"))
    plt.close(fig)  # drawn into the frames: not to be shown again as a still
    durations = [interval] * (len(frames) - 1) + [hold]
    return Animation(frames, durations, [snapshot_title(s, lines=1) for s in snapshots], scale)


def _data_uri(images, durations=None):
    """Lossless WebP data: URI of one image, or of an endlessly looping animation."""
    buffer = io.BytesIO()
    more = {} if durations is None else dict(save_all=True, append_images=images[1:],
                                             duration=durations, loop=0)
    # quality=0 is lossless WebP's quickest effort: half the encoding time of 50, 1.4x the bytes
    images[0].save(buffer, format="WEBP", lossless=True, quality=0, method=1, **more)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# Only inline styles survive JupyterLab's sanitizer, and only some properties: these do.
_IMG_STYLE = "display:block; max-width:100%; height:auto"
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
    """The player of an Animation as ``IPython.display.HTML``: the first frame, a still, in the
    <summary> of a <details>; opened, the animation plays over it; where scripts run, from the
    start."""
    width, height = anim.css_size
    size = f'width="{width}" height="{height}"'
    first = (f'<img src="{_data_uri(anim.frames[:1])}" {size} style="{_IMG_STYLE}" '
             f'alt="first frame of {len(anim.frames)}: {anim.titles[0]}">')
    moving = (f'<img src="{_data_uri(anim.frames, anim.durations)}" {size} style="{_IMG_STYLE}; '
              f'position:absolute; top:0; left:0" alt="the animation, {len(anim.frames)} frames">')
    label = ('<span style="display:block; padding:0.3em 0; font-size:1.1em; cursor:pointer">'
             '&#x25B6; Click the figure to play.&ensp;&#x25A0; Click this line to stop.</span>')
    # JupyterLab keeps 20 px of padding right of HTML output (none right of an image): the
    # negative margin gives the player the full width of the output area, as a figure has.
    return HTML(f'<details style="position:relative; max-width:{width}px; margin-right:-20px">'
                '<summary style="display:block; list-style:none; cursor:pointer">'
                f'{first}{label}</summary>'
                f'{moving}</details>{_RESTART_SCRIPT}')

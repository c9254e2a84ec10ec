"""Save every figure of an executed notebook as a PNG, to look at, also as seen with CVD.

Usage:  python -m instructor.render_figures [NOTEBOOK] [--outdir DIR] [--execute] [--cvd]
Reads the stored figures (PNG outputs, each frame of the player) or, with --execute, runs a copy
first; --cvd adds each as seen with deuteranomaly, protanomaly and tritanomaly.
"""

import argparse
import base64
import io
import re
from pathlib import Path

import nbformat
import numpy as np
from PIL import Image, ImageSequence

ROOT = Path(__file__).resolve().parents[1]
from helpers.plotting import BOX  # JupyterLab's output area at 1280x720
CVD_TYPES = ("deuteranomaly", "protanomaly", "tritanomaly")


def figures(nb):
    """Yield (name, PIL image, CSS width, CSS height, alt text) for every stored figure."""
    for index, cell in enumerate(nb.cells):
        outputs = cell.get("outputs", [])
        pngs = [out for out in outputs if "image/png" in out.get("data", {})]
        for number, out in enumerate(pngs, 1):
            meta = out.get("metadata", {}).get("image/png", {})
            image = Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"])))
            name = f"cell-{index:02d}" + (f"-{number}" if len(pngs) > 1 else "")
            yield (name, image, meta.get("width", image.width), meta.get("height", image.height),
                   meta.get("alt", ""))
        for tag in re.findall(r"<img [^>]*>",
                              "".join(out.get("data", {}).get("text/html", "") for out in outputs)):
            uri, width, height, alt = (re.search(rf'{key}="([^"]*)"', tag).group(1)
                                       for key in ("src", "width", "height", "alt"))
            image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
            if getattr(image, "n_frames", 1) > 1:  # the animation: every frame
                for i, frame in enumerate(ImageSequence.Iterator(image)):
                    yield (f"cell-{index:02d}-frame-{i}", frame.convert("RGB"), int(width),
                           int(height), alt)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default=str(ROOT / "nb07_em.ipynb"))
    parser.add_argument("--outdir", default=str(ROOT / "build" / "figures"))
    parser.add_argument("--execute", action="store_true", help="run a copy of the notebook first")
    parser.add_argument("--cvd", action="store_true", help="also save each figure as seen with CVD")
    args = parser.parse_args()
    nb = nbformat.read(args.notebook, as_version=4)
    if args.execute:
        from nbclient import NotebookClient
        NotebookClient(nb, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for name, image, width, height, alt in figures(nb):
        image.convert("RGB").save(outdir / f"{name}.png")
        fits = "fits" if width <= BOX[0] and height <= BOX[1] else "DOES NOT FIT"
        print(f"{name:17s} {width:4d} x {height:3d} CSS px ({fits} {BOX[0]} x {BOX[1]}), "
              f"{image.width / width:.0f}x pixels; alt: {alt}")
        if args.cvd:
            from colorspacious import cspace_convert
            rgb = np.asarray(image.convert("RGB")) / 255
            for cvd in CVD_TYPES:
                seen = cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100},
                                      "sRGB1")
                Image.fromarray(np.uint8(np.clip(seen, 0, 1) * 255 + 0.5)).save(
                    outdir / f"{name}-{cvd}.png")


if __name__ == "__main__":
    main()

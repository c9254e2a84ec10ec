"""The notebook's outputs as the tests compare them: what nbval compares, sanitized as nbval does.

nbval compares stdout, stderr, errors and the text/plain and text/html of rich outputs,
after applying the sanitize file that pyproject.toml names; it skips cells marked
`nbval-ignore-output` or `nbval-skip` (tag, or a `# NBVAL_...` comment line) and never
compares images.  The functions here follow the same rules, so that other tests can
compare runs exactly as `make test` does.
"""

import ast
import base64
import re
import shlex
import struct
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nb07_em.ipynb"
COMPARED = ("text/plain", "text/html")
NOT_COMPARED = {"nbval-ignore-output", "nbval-skip"}


def sanitize_file():
    """The sanitize file that pyproject.toml's pytest options pass to nbval."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    args = shlex.split(options["tool"]["pytest"]["ini_options"]["addopts"])
    return ROOT / args[args.index("--nbval-sanitize-with") + 1]


def sanitize_patterns():
    """The (regex, replacement) pairs of the sanitize file, read as nbval reads them."""
    text = sanitize_file().read_text(encoding="utf-8")
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


def sanitize(text, patterns):
    for regex, replacement in patterns:
        text = re.sub(regex, replacement, text)
    return text


def markers(cell):
    """The cell's nbval markers, from its tags and from `# NBVAL_...` comment lines."""
    found = set(cell.metadata.get("tags", []))
    for line in cell.source.splitlines():
        words = line.strip().lstrip("#").strip()
        if line.strip().startswith("#") and words.startswith("NBVAL_"):
            found.add(words.lower().replace("_", "-"))
    return found


def compared(cell):
    """Does nbval compare this code cell's outputs?"""
    return not markers(cell) & NOT_COMPARED


def text_outputs(cell, patterns=()):
    """The outputs of one code cell that nbval compares, as plain data, sanitized with `patterns`.

    Consecutive stream outputs of one name are joined, as a notebook front end shows them.
    """
    outputs = []
    for out in cell.outputs:
        if out.output_type == "stream":
            text = sanitize(out.text, patterns)
            if outputs and outputs[-1][0] == out.name:
                outputs[-1] = (out.name, outputs[-1][1] + text)
            else:
                outputs.append((out.name, text))
        elif out.output_type == "error":
            outputs.append(("error", out.ename, sanitize(out.evalue, patterns)))
        else:
            outputs.append(tuple((key, sanitize(out.data[key], patterns))
                                 for key in COMPARED if key in out.data))
    return outputs


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def pngs(cell):
    """The PNG images among the cell's outputs, as bytes."""
    return [base64.b64decode(out.data["image/png"]) for out in cell.outputs
            if "image/png" in out.get("data", {})]


def png_size(png):
    """(width, height) in pixels, from the PNG header."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG image"
    return struct.unpack(">II", png[16:24])


def figures_shown(cell):
    """How many times the cell's code calls plt.show(): each call should leave one image."""
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:  # IPython syntax such as %magics: no figure counted
        return 0
    return sum(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr == "show" and isinstance(node.func.value, ast.Name)
               and node.func.value.id == "plt" for node in ast.walk(tree))


def missing_figures(nb):
    """Code cells (index, shown, images) that have fewer images than plt.show() calls."""
    return [(index, figures_shown(cell), len(pngs(cell)))
            for index, cell in enumerate(code_cells(nb)) if len(pngs(cell)) < figures_shown(cell)]

"""Write a notebook as one HTML page that works offline: the handout.

Usage:  python scripts/export_html.py [--execute] NOTEBOOK [OUTDIR]

Writes OUTDIR/<name>.html (OUTDIR defaults to build/) and, beside it, OUTDIR/mathjax/: a
copy of MathJax 2.7 from the package jupyter-server-mathjax, so that every formula is
typeset with no network.  Figures are embedded in the page, and the page loads nothing
from the web.  With --execute the notebook is first run top to bottom in a fresh kernel
(from its own folder); otherwise its stored outputs are used.

The lines of nbgrader's markers (### BEGIN SOLUTION and the like) are left out.
Every image gets alt text: a figure's own (helpers.use_class_style() stores one, from
the figure's titles, with each figure), or else the sentence that introduces its cell.
"""

import argparse
import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent
# MathJax 2.7's combined configuration that jupyter-server-mathjax ships (its usual
# TeX-AMS_CHTML-full is not in the package, and a missing config fails silently).
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"


# nbgrader's markers: they matter to the student edition, not to the reader of the handout.
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", re.MULTILINE)


def drop_markers(nb):
    """Remove the lines holding nbgrader's markers from every code cell (the code between stays)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = MARKER.sub("", cell.source)


def mathjax_folder():
    """The folder holding MathJax.js inside the installed jupyter-server-mathjax package."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def plain_text(markdown):
    """Markdown and LaTeX reduced to readable text: '**EM** for $x_i \\in \\mathbb{R}^2$' -> 'EM for x_i in R^2'."""
    text = re.sub(r"^#+\s*(.*)$", r"\1:", markdown, flags=re.MULTILINE)   # headings end with a colon
    text = re.sub(r"\\[a-zA-Z]+\{([^{}]*)\}", r"\1", text)                # \mathbb{R} -> R
    text = re.sub(r"\\([a-zA-Z]+)", r"\1", text)                          # \in -> in
    text = re.sub(r"[*`$_]{2,}|[*`$]", "", text)                          # emphasis, code, maths marks
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)                  # links keep their text
    return " ".join(text.split())


def introduction(cells, index):
    """The heading (if any) and first sentence of the last markdown cell before cells[index]."""
    for cell in reversed(cells[:index]):
        if cell.cell_type == "markdown":
            text = plain_text(cell.source)
            match = re.match(r"(.*?[.!?])(\s|$)", text)
            return match.group(1) if match else text
    return ""


def add_missing_alt(nb):
    """Give every image output without alt text the sentence that introduces its cell.

    PNG and JPEG outputs get it in their metadata (which the template writes out);
    <img> tags inside HTML outputs, such as the animation player's, get an alt attribute.
    Returns the number of images that needed it.
    """
    added = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        alt = f"Figure: {introduction(nb.cells, index)}"
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    metadata = output.setdefault("metadata", {}).setdefault(mime, {})
                    if not metadata.get("alt"):
                        metadata["alt"] = alt
                        added += 1
            if "<img" in data.get("text/html", ""):
                data["text/html"], count = re.subn(r"<img(?![^>]*\balt=)",
                                                   f'<img alt="{html.escape(alt)}"', data["text/html"])
                added += count
    return added


def execute(nb, folder):
    """Run the notebook top to bottom in a fresh kernel, in `folder` (so relative paths work)."""
    from nbclient import NotebookClient

    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()


def export(notebook, outdir, run=False):
    """Write outdir/<notebook name>.html and outdir/mathjax/; return the page's path."""
    notebook, outdir = Path(notebook), Path(outdir)
    nb = nbformat.read(notebook, as_version=4)
    if run:
        execute(nb, notebook.resolve().parent)
    add_missing_alt(nb)
    drop_markers(nb)
    exporter = HTMLExporter(template_name="handout", extra_template_basedirs=[str(HERE)],
                            mathjax_url=MATHJAX_URL)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    outdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(mathjax_folder(), outdir / "mathjax", dirs_exist_ok=True)
    page = outdir / f"{notebook.stem}.html"
    page.write_text(body, encoding="utf-8")
    return page


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("outdir", nargs="?", default="build")
    parser.add_argument("--execute", action="store_true", help="run the notebook first, in a fresh kernel")
    args = parser.parse_args()
    page = export(args.notebook, args.outdir, run=args.execute)
    print(f"wrote {page} (with MathJax in {page.parent / 'mathjax'})", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Write a reveal.js slide deck of the notebook that works offline: `make slides`.

    python scripts/make_slides.py nb07_em.ipynb build/slides

The notebook needs no slide metadata: slides are assigned here, from its structure.

* A level-1 or level-2 heading starts a new slide; a level-3 heading a new sub-slide
  (below it, reached with the down arrow or the space bar).
* One figure per slide: a cell showing a figure starts a new sub-slide when the
  current one already has a figure, taking along the text that introduces it (the
  markdown cells since the previous figure).
* A sub-slide also starts where the next cell would not fit on the slide (estimated
  from its lines); a slide that is still too tall scrolls.

The notebook is executed first (as `make run` does), solution markers are dropped from
the code, and the deck loads reveal.js, require.js and jQuery from the npm packages that
`make slides` installs into the output folder, and MathJax from the jupyter-server-mathjax
package, copied there too: nothing is fetched from the web.
"""

import argparse
import base64
import re
import shutil
import struct
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import ExecutePreprocessor

SLIDE_HEIGHT = 600   # room on one slide, px: reveal.js's slide is 960 x 700 in nbconvert's template
CODE_LINE = 23       # px per line of code or printed output on a slide (measured in Chromium)
TEXT_LINE = 26       # px per line of text
TEXT_WIDTH = 75      # characters per line of text
PRINT_WIDTH = 60     # characters per line of printed output
HEADING = re.compile(r"^(#{1,3})\s")
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
# nbconvert's template imports mermaid (diagrams, unused here) from the web; this stands in.
NO_MERMAID = "data:text/javascript,export default {initialize() {}};"
# jupyter-server-mathjax ships MathJax 2.7 with the STIX-Web fonts only (as Jupyter's classic
# notebook used it); this configuration, loaded after MathJax's own, makes it use them.
# Long lines of code wrap instead of running off the slide.
SLIDE_CSS = "<style>.reveal .jp-Cell pre { white-space: pre-wrap; }</style>\n"
# Long formulas break across lines instead of running off the slide.
STIX_CONFIG = """MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null,
                                   webFont: "STIX-Web", imageFont: null,
                                   linebreaks: {automatic: true}}});
MathJax.Ajax.loadComplete("[MathJax]/config/local/stix-web.js");
"""


def png_height(out):
    """Height in CSS px of a PNG output: from its metadata if given, else its pixels."""
    size = out.get("metadata", {}).get("image/png", {})
    if "height" in size:
        return int(size["height"])
    png = base64.b64decode(out["data"]["image/png"][:64])
    return struct.unpack(">I", png[20:24])[0]  # the IHDR chunk holds width, then height


def figure_height(cell):
    """Height in CSS px of the figures a code cell shows (0 if none)."""
    height = 0
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data:
            height += png_height(out)
        elif "<img" in data.get("text/html", ""):  # the animation player: its first frame
            match = re.search(r'<img[^>]*\sheight="(\d+)"', data["text/html"])
            height += (int(match.group(1)) if match else SLIDE_HEIGHT) + TEXT_LINE
    return height


def table_height(cell):
    """Height in px of the HTML tables a code cell shows (0 if none)."""
    rows = sum(out.get("data", {}).get("text/html", "").count("<tr") for out in cell.get("outputs", []))
    return rows * 100  # a row of the parameter table holds two lines of numbers, and padding


def source_hidden(cell):
    return cell.metadata.get("transient", {}).get("remove_source", False)


def estimated_height(cell):
    """A rough height in px of a cell on a slide: its lines of text or code and its figures."""
    if cell.cell_type == "markdown":
        lines = sum(1 + len(line) // TEXT_WIDTH for line in cell.source.splitlines())
        return lines * TEXT_LINE + cell.source.count("$$") * 40  # display maths is taller
    printed = sum(1 + len(line) // PRINT_WIDTH for out in cell.get("outputs", [])
                  for line in out.get("text", "").splitlines())
    code = 0 if source_hidden(cell) else (cell.source.count("\n") + 1) * CODE_LINE + 30
    return code + printed * CODE_LINE + figure_height(cell) + table_height(cell)


def trailing_markdown(cells):
    """The markdown cells at the end of cells, in order."""
    run = []
    for cell in reversed(cells):
        if cell.cell_type != "markdown":
            break
        run.insert(0, cell)
    return run


def assign_slides(nb):
    """Set each cell's slideshow.slide_type: 'slide', 'subslide' or '-' (same slide).

    A figure whose cell would not fit on a slide with its code is shown without the code.
    """
    current, used, has_figure = [], 0, False   # the current (sub)slide's cells, their height
    for cell in nb.cells:
        heading = HEADING.match(cell.source) if cell.cell_type == "markdown" else None
        shows_figure = cell.cell_type == "code" and figure_height(cell) > 0
        if shows_figure and estimated_height(cell) > SLIDE_HEIGHT:
            cell.metadata["transient"] = {"remove_source": True}
        height = estimated_height(cell)
        kind = "-"
        if heading:
            kind = "slide" if len(heading.group(1)) <= 2 else "subslide"
        elif current and (used + height > SLIDE_HEIGHT or (shows_figure and has_figure)):
            # Start a new sub-slide, with the text that introduces a figure if it fits.
            intro = trailing_markdown(current) if shows_figure else []
            intro_height = sum(map(estimated_height, intro))
            if intro and intro[0] is not current[0] and intro_height + height <= SLIDE_HEIGHT:
                intro[0].metadata["slideshow"] = {"slide_type": "subslide"}
                current, used, has_figure = intro, intro_height, False
            else:
                kind = "subslide"
        if kind != "-":
            current, used, has_figure = [], 0, False
        cell.metadata["slideshow"] = {"slide_type": kind}
        current.append(cell)
        used += height
        has_figure = has_figure or shows_figure
    return nb


def drop_solution_markers(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = SOLUTION_MARKER.sub("", cell.source)
    return nb


def mathjax_folder():
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def make_slides(notebook, out_dir, execute=True):
    """Write out_dir/<name>.slides.html (and copy MathJax beside it); return its path."""
    notebook, out_dir = Path(notebook), Path(out_dir)
    modules = out_dir / "node_modules"
    if not (modules / "reveal.js" / "dist" / "reveal.js").is_file():
        raise SystemExit(f"reveal.js is not installed in {modules}: run `make slides`, which installs it")
    nb = nbformat.read(notebook, as_version=4)
    if execute:
        ExecutePreprocessor(timeout=300, kernel_name="python3").preprocess(
            nb, {"metadata": {"path": str(notebook.parent.resolve())}})
    assign_slides(drop_solution_markers(nb))
    if not (out_dir / "mathjax" / "MathJax.js").is_file():
        shutil.copytree(mathjax_folder(), out_dir / "mathjax", dirs_exist_ok=True)
    (out_dir / "mathjax" / "config" / "local").mkdir(parents=True, exist_ok=True)
    (out_dir / "mathjax" / "config" / "local" / "stix-web.js").write_text(STIX_CONFIG)
    exporter = SlidesExporter(
        reveal_url_prefix="node_modules/reveal.js",
        require_js_url="node_modules/requirejs/require.js",
        jquery_url="node_modules/jquery/dist/jquery.min.js",
        mathjax_url="mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe,local/stix-web",
        mermaid_js_url=NO_MERMAID,
        reveal_theme="white",  # its fonts come with reveal.js (others load theirs from the web)
        reveal_scroll=True,
        reveal_transition="none",
        reveal_number="c/t",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    body = body.replace("</head>", f"{SLIDE_CSS}</head>", 1)
    target = out_dir / f"{notebook.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebook")
    parser.add_argument("out_dir")
    parser.add_argument("--no-execute", action="store_true", help="use the stored outputs")
    args = parser.parse_args()
    print(f"wrote {make_slides(args.notebook, args.out_dir, execute=not args.no_execute)}")


if __name__ == "__main__":
    main()

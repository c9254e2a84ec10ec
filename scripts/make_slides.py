"""Write a reveal.js slide deck of the notebook that works offline: `make slides`.

    python scripts/make_slides.py nb07_em.ipynb build/slides

The notebook needs no slide metadata: slides are assigned here, from its structure.

* A level-1 or level-2 heading starts a new slide; a level-3 heading a new sub-slide
  (below it, reached with the down arrow or the space bar), unless the slide holds only
  headings so far.
* One figure per slide: a cell showing several figures is split into one cell per figure,
  and a cell showing a figure starts a new sub-slide when the
  current one already has a figure, taking along the text that introduces it (the
  markdown cells since the previous figure).
* A sub-slide also starts where the next cell would not fit on the slide (estimated
  from its lines).

The deck is 1280 x 720 (a 720p projector's pixels, so shown there at scale 1) and shows
each figure at its own size.  The notebook is executed first (as `make run` does), and
prepared as for the handout (scripts/export_html.py): marker lines dropped, alt text on
every image, formulas in MathML.  The deck loads reveal.js from the npm package that
`make slides` installs into the output folder: nothing is fetched from the web.
"""

import argparse
import base64
import copy
import re
import struct
from pathlib import Path

from nbconvert import SlidesExporter
from nbformat.v4 import new_markdown_cell

from export_html import HERE, markdown_to_html, prepare

WIDTH, HEIGHT = 1280, 720  # the slide, in CSS px
SLIDE_HEIGHT = 640   # room on one slide for cells, px
CODE_LINE = 23       # px per line of code or printed output on a slide (measured in Chromium)
TEXT_LINE = 26       # px per line of text
TEXT_WIDTH = 100     # characters of markdown per line of text (a line holds about 115)
PRINT_WIDTH = 60     # characters per line of printed output
PARAGRAPH = 20       # px between two paragraphs
HEADING_HEIGHT = 70  # px of a heading with its margins
DISPLAY_MATH = 80    # px of a display formula ($$...$$) with its margins
HEADING = re.compile(r"^(#{1,3})\s")
DISPLAY = re.compile(r"\$\$.*?\$\$", re.DOTALL)

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
        if HEADING.match(cell.source):
            return HEADING_HEIGHT
        text = DISPLAY.sub("", cell.source)
        lines = sum(1 + len(line) // TEXT_WIDTH for line in text.splitlines() if line.strip())
        return lines * TEXT_LINE + len(DISPLAY.findall(cell.source)) * DISPLAY_MATH + PARAGRAPH
    printed = sum(1 + len(line) // PRINT_WIDTH for out in cell.get("outputs", [])
                  for line in out.get("text", "").splitlines())
    code = 0 if source_hidden(cell) else (cell.source.count("\n") + 1) * CODE_LINE + 30
    return code + printed * CODE_LINE + figure_height(cell) + table_height(cell)


def split_paragraphs(nb):
    """Put each paragraph of a markdown cell in a cell of its own, so that a slide can end
    between two paragraphs of one cell.  A display formula stays whole."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        paragraph = ""
        for part in re.split(r"\n[ \t]*\n", cell.source.strip()):
            paragraph = f"{paragraph}\n\n{part}" if paragraph else part
            if paragraph.count("$$") % 2 == 0 and paragraph.count("```") % 2 == 0:
                cells.append(new_markdown_cell(paragraph))
                paragraph = ""
        if paragraph:
            cells.append(new_markdown_cell(paragraph))
    nb.cells = cells
    return nb


def split_figures(nb):
    """A code cell that shows several figures becomes one cell per figure (the source with the
    first, the others alone), so that each figure can have a slide of its own."""
    cells = []
    for cell in nb.cells:
        figures = [i for i, out in enumerate(cell.get("outputs", [])) if "image/png" in out.get("data", {})]
        if cell.cell_type != "code" or len(figures) < 2:
            cells.append(cell)
            continue
        outputs = cell.outputs
        for n, (start, end) in enumerate(zip([0] + figures[1:], figures[1:] + [len(outputs)])):
            part = copy.deepcopy(cell) if n else cell
            part.outputs = outputs[start:end]
            if n:
                part.metadata["transient"] = {"remove_source": True}
            cells.append(part)
    nb.cells = cells
    return nb


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
    def heading_of(cell):
        return HEADING.match(cell.source) if cell.cell_type == "markdown" else None

    current, used, has_figure = [], 0, False   # the current (sub)slide's cells, their height
    for cell in nb.cells:
        heading = heading_of(cell)
        shows_figure = cell.cell_type == "code" and figure_height(cell) > 0
        if shows_figure and estimated_height(cell) > SLIDE_HEIGHT:
            cell.metadata["transient"] = {"remove_source": True}
        height = estimated_height(cell)
        kind = "-"
        if heading and len(heading.group(1)) <= 2:
            kind = "slide"
        elif heading and not all(map(heading_of, current)):
            kind = "subslide"  # unless the slide holds only headings so far
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


def make_slides(notebook, out_dir, execute=True):
    """Write out_dir/<name>.slides.html; return its path."""
    notebook, out_dir = Path(notebook), Path(out_dir)
    if not (out_dir / "node_modules" / "reveal.js" / "dist" / "reveal.js").is_file():
        raise SystemExit(f"reveal.js is not installed in {out_dir / 'node_modules'}: "
                         "run `make slides`, which installs it")
    exporter = SlidesExporter(
        template_name="slides", extra_template_basedirs=[str(HERE)],
        extra_template_paths=[str(HERE / "handout")],  # shared.j2
        filters={"markdown2html": markdown_to_html},
        reveal_url_prefix="node_modules/reveal.js",
        reveal_theme="white",  # its fonts come with reveal.js (others load theirs from the web)
        reveal_transition="none", reveal_number="c/t", reveal_width=str(WIDTH), reveal_height=str(HEIGHT),
    )
    nb = assign_slides(split_figures(split_paragraphs(prepare(notebook, run=execute))))
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
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

"""Write the notebook as reveal.js slides that work offline: `make slides`.

Prepared as the handout (instructor/export_html.py), cut into paragraphs and single figures, laid
out on 1280 x 720 slides by assign_slides, in out_dir, where `make slides` installs reveal.js from
npm."""

import argparse
import re
from pathlib import Path

from nbconvert import SlidesExporter
from nbformat.v4 import new_code_cell, new_markdown_cell

from instructor.export_html import export

ROOM = 640  # px of a slide for cells
# as a cell's metadata.transient: nbconvert's templates leave out its code
NO_CODE = {"remove_source": True}
DISPLAY = re.compile(r"\$\$.*?\$\$", re.DOTALL)
# A paragraph: text up to a blank line, with display formulas and code blocks (```) whole.
PARAGRAPH = re.compile(r"(?:\$\$.*?\$\$|```.*?```|.)+?(?=\n[ \t]*\n|\Z)", re.DOTALL)


def heading_level(cell):
    """1, 2 or 3 for a markdown cell that starts with such a heading, else 0."""
    match = re.match(r"(#{1,3})\s", cell.source) if cell.cell_type == "markdown" else None
    return len(match[1]) if match else 0


def is_figure(output):
    """Whether an output shows a figure: a PNG image, or the animation player (an <img> in
    HTML)."""
    return ("image/png" in output.get("data", {})
            or "<img" in output.get("data", {}).get("text/html", ""))


def has_figure(cell):
    return any(map(is_figure, cell.get("outputs", [])))


def lines(text, width):
    """The lines that text takes, `width` characters to a line (blank lines left out)."""
    return sum(1 + len(line) // width for line in text.splitlines() if line.strip())


def height(cell):
    """A rough height in px of a cell on a slide, as measured in Chromium: 26 px a line of text, 23
    a line of code or printed output, 80 a display formula, 100 a table row, and a figure its own
    height."""
    if cell.cell_type == "markdown":  # with its margins: 20 px, or 44 for a heading
        text, formulas = DISPLAY.sub("", cell.source), len(DISPLAY.findall(cell.source))
        return 26 * lines(text, 100) + 80 * formulas + (44 if heading_level(cell) else 20)
    total = (0 if cell.metadata.get("transient") == NO_CODE
             else 23 * len(cell.source.splitlines()) + 30)
    for output in cell.get("outputs", []):
        page = output.get("data", {}).get("text/html", "")
        total += 23 * lines(output.get("text", ""), 60) + 100 * page.count("<tr")
        # a figure with no size stored is taken to fill the slide
        if "image/png" in output.get("data", {}):
            total += output.metadata.get("image/png", {}).get("height", ROOM)
        # its first frame, a line below
        if player := re.search(r'<img[^>]*\sheight="(\d+)"', page):
            total += int(player[1]) + 26
    return total


def split_cells(nb):
    """Cut the cells where a slide may end: a markdown cell into its paragraphs (a display formula
    or a code block whole), a cell that shows several figures into one per figure (the others
    without code)."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cells += [new_markdown_cell(part)
                      for part in map(str.strip, PARAGRAPH.findall(cell.source)) if part]
            continue
        outputs = cell.get("outputs", [])
        cuts = [i for i, output in enumerate(outputs) if is_figure(output)][1:] + [len(outputs)]
        cells += [cell] + [new_code_cell(outputs=outputs[start:end],
                                         metadata={"transient": NO_CODE})
                           for start, end in zip(cuts, cuts[1:])]
        del outputs[cuts[0]:]  # the first figure stays with the code
    nb.cells = cells
    return nb


def assign_slides(nb):
    """Set each cell's slideshow.slide_type: 'slide' at a level-1 or 2 heading; 'subslide' at a
    level-3 heading unless the slide holds only headings so far, where a cell would not fit, and at
    a figure when the slide has one (the text before it moves along if they fit); else '-'.  A
    figure too tall with its code loses the code."""
    slide, text = [], []  # the cells on the current (sub-)slide, and the markdown cells at its end
    for cell in nb.cells:
        figure = has_figure(cell)
        if figure and height(cell) > ROOM:
            cell.metadata["transient"] = dict(NO_CODE)
        level = heading_level(cell)
        kind = {1: "slide", 2: "slide",
                3: "-" if all(map(heading_level, slide)) else "subslide"}.get(level, "-")
        full = sum(map(height, slide + [cell])) > ROOM or figure and any(map(has_figure, slide))
        if kind == "-" and slide and full:
            if figure and 0 < len(text) < len(slide) and sum(map(height, text + [cell])) <= ROOM:
                text[0].metadata["slideshow"] = {"slide_type": "subslide"}
                slide = text
            else:
                kind = "subslide"
        cell.metadata["slideshow"] = {"slide_type": kind}
        slide = slide + [cell] if kind == "-" else [cell]
        text = ((text if kind == "-" else []) + [cell]) if cell.cell_type == "markdown" else []
    return nb


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("out_dir", help="the folder with reveal.js in node_modules/ "
                                        "(make slides: build/slides)")
    parser.add_argument("--no-execute", action="store_true", help="use the stored outputs")
    args = parser.parse_args()
    if not (Path(args.out_dir) / "node_modules/reveal.js/dist/reveal.js").is_file():
        parser.error(f"reveal.js is not installed in {args.out_dir}/node_modules: "
                     "`make slides` installs it")
    # a theme whose fonts come with reveal.js
    print("wrote", export(args.notebook, args.out_dir, not args.no_execute, SlidesExporter,
                          template="slides", steps=[split_cells, assign_slides],
                          reveal_url_prefix="node_modules/reveal.js", reveal_theme="white"))


if __name__ == "__main__":
    main()

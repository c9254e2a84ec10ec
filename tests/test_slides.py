"""instructor/make_slides.py: which cell starts which slide, and what is shown on them.

tests/browser/test_export.py opens the real deck in Chromium, offline.
"""

import base64
import struct
import sys
import zlib
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from instructor.export_html import prepare
from instructor.make_slides import assign_slides, height, split_cells


def png(width, height):
    """A blank PNG of the given size, base64-encoded as in a notebook."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    data = (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


def figure_cell(source="plot()", height=300):
    """A cell showing a figure, its size stored with it as helpers.use_class_style() stores it."""
    return new_code_cell(source, outputs=[
        new_output("display_data", data={"image/png": png(20, height), "text/plain": "<Figure>"},
                   metadata={"image/png": {"width": 20, "height": height}})])


def kinds(nb):
    return [cell.metadata["slideshow"]["slide_type"] for cell in nb.cells]


def test_headings_start_slides_and_subslides_unless_the_slide_has_only_headings():
    nb = new_notebook(cells=[new_markdown_cell("# Title\n\ntext"), new_code_cell("x = 1"),
                             new_markdown_cell("## Part"), new_markdown_cell("### Detail"),
                             new_markdown_cell("#### small heading: no new slide"),
                             new_markdown_cell("#hashtag, not a heading")])
    assert kinds(assign_slides(nb)) == ["slide", "-", "slide", "-", "-", "-"]
    nb.cells.insert(4, new_code_cell("# a comment, not a heading"))
    nb.cells.insert(5, new_markdown_cell("### Another detail"))
    assert kinds(assign_slides(nb)) == ["slide", "-", "slide", "-", "-", "subslide", "-", "-"]


def test_one_figure_per_slide_with_its_introduction():
    nb = new_notebook(cells=[new_markdown_cell("## Figures"),
                             new_markdown_cell("The first figure."), figure_cell(),
                             new_markdown_cell("Now the second one."),
                             new_markdown_cell("Look at the middle."), figure_cell(),
                             figure_cell()])
    assert kinds(assign_slides(nb)) == ["slide", "-", "-", "subslide", "-", "-", "subslide"]


def test_a_cell_that_would_not_fit_starts_a_subslide():
    long_code = "\n".join(f"line_{i} = {i}" for i in range(20))
    nb = new_notebook(cells=[new_markdown_cell("## Code"), new_code_cell(long_code),
                             new_code_cell(long_code)])
    assert kinds(assign_slides(nb)) == ["slide", "-", "subslide"]


def test_a_figure_too_tall_with_its_code_is_shown_without_it():
    code = "\n".join(f"step_{i}()" for i in range(12))
    nb = new_notebook(cells=[figure_cell(code, height=520), figure_cell("small()", height=200)])
    assign_slides(nb)
    assert nb.cells[0].metadata["transient"] == {"remove_source": True}
    assert "transient" not in nb.cells[1].metadata
    assert height(nb.cells[0]) == 520


def test_solution_markers_go_and_indentation_stays():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = 2 * x\n    ### END SOLUTION\n    return y"
    nb = prepare(new_notebook(cells=[new_code_cell(source)]))
    assert nb.cells[0].source == "def f(x):\n    y = 2 * x\n    return y"


def test_paragraphs_become_cells_and_a_display_formula_stays_whole():
    text = "## Part\n\nFirst paragraph,\nstill first.\n\n$$a = b\n\nc = d$$\n\n- one\n- two"
    nb = split_cells(new_notebook(cells=[new_markdown_cell(text), new_code_cell("x = 1")]))
    assert [cell.source for cell in nb.cells] == ["## Part", "First paragraph,\nstill first.",
                                                  "$$a = b\n\nc = d$$", "- one\n- two", "x = 1"]


def test_a_long_section_is_cut_between_paragraphs():
    paragraph = " ".join(["word"] * 150)  # 8 lines of text: two fit on a slide
    nb = split_cells(new_notebook(cells=[new_markdown_cell("## Long\n\n"
                                                           + "\n\n".join([paragraph] * 6))]))
    assert kinds(assign_slides(nb)) == ["slide", "-", "-", "subslide", "-", "subslide", "-"]


def test_the_notebook_gets_a_slide_per_section_and_a_figure_per_slide():
    nb = nbformat.read(Path(__file__).resolve().parents[1] / "nb07_em.ipynb", as_version=4)
    assign_slides(split_cells(nb))
    slides, figures_on_slide = 0, []
    for cell in nb.cells:
        kind = cell.metadata["slideshow"]["slide_type"]
        if kind in ("slide", "subslide"):
            slides += 1
            figures_on_slide.append(0)
        if cell.cell_type == "code" and any("image/png" in out.get("data", {})
                                            for out in cell.outputs):
            figures_on_slide[-1] += 1
    assert nb.cells[0].metadata["slideshow"]["slide_type"] == "slide"
    assert slides >= 10 and max(figures_on_slide) == 1


def test_a_cell_with_two_figures_gives_each_its_own_slide():
    figure = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    cell = new_code_cell("draw()", outputs=[new_output("stream", name="stdout", text="two rows\n"),
                                            new_output("display_data", data=figure),
                                            new_output("display_data", data=figure)])
    cells = split_cells(new_notebook(cells=[cell])).cells
    assert [len(c.outputs) for c in cells] == [2, 1]
    assert "transient" not in cells[0].metadata \
        and cells[1].metadata["transient"] == {"remove_source": True}

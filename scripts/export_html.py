"""Write a notebook as one self-contained HTML page: the handout.

Usage:  python scripts/export_html.py [--execute] NOTEBOOK [OUTDIR]

Writes OUTDIR/<name>.html (OUTDIR defaults to build/), a single file that needs nothing
beside it and loads nothing from the web: every formula is converted from TeX to MathML
here (browsers draw MathML themselves, with no script), and figures and the animation
player are embedded as data URIs.  With --execute the notebook is first run top to bottom
in a fresh kernel (from its own folder); otherwise its stored outputs are used.

The lines of nbgrader's markers (### BEGIN SOLUTION and the like) are left out.
Every image gets alt text: a figure's own (helpers.use_class_style() stores one, from
the figure's titles, with each figure), or else the sentence that introduces its cell.

scripts/make_slides.py builds the slides with the same pieces.
"""

import argparse
import html
import re
import sys
from pathlib import Path

import nbformat
from latex2mathml.converter import convert
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

HERE = Path(__file__).resolve().parent

# nbgrader's markers: they matter to the student edition, not to the reader of the handout.
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", re.MULTILINE)

# TeX that latex2mathml does not turn into MathML a browser draws well, rewritten first:
# \! (a negative thin space) becomes a named space that MathML Core does not know, "=:" an
# equals sign and a letter ":", and the aligned environment text ("&" as a letter), while
# align* becomes a table.
TEX_FIXES = {r"\!": "", "=:": r"\eqqcolon", r"{aligned}": r"{align*}"}
# Then its MathML, fixed up where a browser would space or size it unlike TeX.
MATHML_FIXES = [
    # \log, \exp: <mi>log</mi> with no space before a letter or number that follows.
    (re.compile(r"(<mi>(?:log|exp|ln|det|tr)</mi>)(?!<mo)"), r'\1<mspace width="0.167em"></mspace>'),
    # \lvert, \rvert, \lVert, \rVert and "/": bare <mo>, stretched to a superscript beside
    # them and spaced like a binary operator.
    (re.compile(r"<mo>(&#x0007C;|&#x02016;|&#x0002F;)</mo>"),
     r'<mo stretchy="false" lspace="0" rspace="0">\1</mo>'),
    # \infty: an <mo>, spaced like an operator.
    (re.compile(r"<mo>&#x0221E;</mo>"), "<mi>&#x0221E;</mi>"),
    # A minus sign after "=", ",", "(", "[", "≈" or "→" is a sign, not a subtraction.
    (re.compile(r"(<mo[^>]*>(?:&#x0003D;|&#x0002C;|&#x00028;|\(|\[|&#x0005B;|&#x02248;|&#x02192;)</mo>)"
                r"<mo>&#x02212;</mo>"), r'\1<mo form="prefix">&#x02212;</mo>'),
]


def drop_markers(nb):
    """Remove the lines holding nbgrader's markers from every code cell (the code between stays)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = MARKER.sub("", cell.source)
    return nb


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

    PNG and JPEG outputs get it in their metadata (which the templates write out);
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


def tex_to_mathml(tex, display=False):
    """One TeX formula as a MathML <math> element."""
    for old, new in TEX_FIXES.items():
        tex = tex.replace(old, new)
    mathml = convert(tex, display="block" if display else "inline")
    # HTML puts <math> in MathML's namespace by itself; with the attribute, nbconvert's
    # heading anchors (which go through an XML parser) would turn it into <ns0:math>.
    mathml = mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "", 1)
    for pattern, replacement in MATHML_FIXES:
        mathml = pattern.sub(replacement, mathml)
    return mathml


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with formulas written as MathML instead of TeX left for a script."""

    def block_math(self, body):
        return tex_to_mathml(body, display=True)

    def inline_math(self, body):
        return tex_to_mathml(body)

    def latex_environment(self, name, body):
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


def markdown_to_html(source):
    """Markdown to HTML with every formula in MathML: the exporters' `markdown2html` filter."""
    return MarkdownWithMath(renderer=MathMLRenderer(escape=False)).render(source)


def prepare(notebook, run=False):
    """The notebook read (and run top to bottom in a fresh kernel, from its own folder, if
    `run`), with alt text on every image and without nbgrader's marker lines."""
    nb = nbformat.read(notebook, as_version=4)
    if run:
        from nbclient import NotebookClient

        folder = Path(notebook).resolve().parent
        NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    add_missing_alt(nb)
    return drop_markers(nb)


def export(notebook, outdir, run=False):
    """Write outdir/<notebook name>.html; return its path."""
    notebook, outdir = Path(notebook), Path(outdir)
    exporter = HTMLExporter(template_name="handout", extra_template_basedirs=[str(HERE)],
                            filters={"markdown2html": markdown_to_html})
    body, _ = exporter.from_notebook_node(prepare(notebook, run),
                                          resources={"metadata": {"name": notebook.stem}})
    outdir.mkdir(parents=True, exist_ok=True)
    page = outdir / f"{notebook.stem}.html"
    page.write_text(body, encoding="utf-8")
    return page


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("outdir", nargs="?", default="build")
    parser.add_argument("--execute", action="store_true", help="run the notebook first, in a fresh kernel")
    args = parser.parse_args()
    print(f"wrote {export(args.notebook, args.outdir, run=args.execute)}", file=sys.stderr)


if __name__ == "__main__":
    main()

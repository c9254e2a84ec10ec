"""Write a notebook as one HTML page that needs nothing beside it, the handout: `make run`.

Formulas become MathML (browsers draw it with no script), figures and the animation player data
URIs; nbgrader's marker lines are left out and every image has alt text."""

import argparse
import html
import re
from pathlib import Path

from latex2mathml.converter import convert
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import ExecutePreprocessor
from nbconvert.writers import FilesWriter

HERE = Path(__file__).resolve().parent
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", re.MULTILINE)
NO_ALT = re.compile(r"<img(?![^>]*\balt=)")  # an <img> tag without alt text

# TeX that latex2mathml converts to MathML a browser draws badly, rewritten first: \! becomes a
# space MathML Core does not know, "=:" two signs, and aligned's "&" a letter (align* is a table).
TEX_FIXES = {r"\!": "", "=:": r"\eqqcolon", r"{aligned}": r"{align*}"}
# Then its MathML, in turn: no xmlns (HTML puts <math> in MathML's namespace itself; nbconvert's
# heading anchors, made with an XML parser, would write <ns0:math>); a thin space after \log and the
# like; the bars of \lvert, \lVert and "/" neither stretched nor spaced as operators; \infty a
# symbol; a minus after = , ( [ ≈ → a sign.
MATHML_FIXES = {
    r' xmlns="http://www.w3.org/1998/Math/MathML"': "",
    r"(<mi>(?:log|exp|ln|det|tr)</mi>)(?!<mo)": r'\1<mspace width="0.167em"></mspace>',
    r"<mo>(&#x0007C;|&#x02016;|&#x0002F;)</mo>":
        r'<mo stretchy="false" lspace="0" rspace="0">\1</mo>',
    r"<mo>&#x0221E;</mo>": "<mi>&#x0221E;</mi>",
    (r"(<mo[^>]*>(?:&#x0003D;|&#x0002C;|&#x00028;|\(|\[|&#x0005B;|&#x02248;|&#x02192;)</mo>)"
     r"<mo>&#x02212;</mo>"):
        r'\1<mo form="prefix">&#x02212;</mo>',
}


def tex_to_mathml(tex, display=False):
    """One TeX formula as a MathML <math> element."""
    for old, new in TEX_FIXES.items():
        tex = tex.replace(old, new)
    mathml = convert(tex, display="block" if display else "inline")
    for pattern, replacement in MATHML_FIXES.items():
        mathml = re.sub(pattern, replacement, mathml)
    return mathml


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with formulas written as MathML instead of TeX left for a
    script."""

    def block_math(self, body):
        return tex_to_mathml(body, display=True)

    def inline_math(self, body):
        return tex_to_mathml(body)

    def latex_environment(self, name, body):
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


def markdown_to_html(source):
    """Markdown to HTML with every formula in MathML: the exporters' `markdown2html` filter."""
    return MarkdownWithMath(renderer=MathMLRenderer(escape=False)).render(source)


def first_sentence(markdown):
    """The first sentence of markdown as plain text:
    '**EM** for $x \\in \\mathbb{R}$.' -> 'EM for x in R.'"""
    # a heading ends with a colon
    text = re.sub(r"^#+\s*(.*)$", r"\1:", markdown, flags=re.MULTILINE)
    # \mathbb{R} -> R, \in -> in
    text = re.sub(r"\\[a-zA-Z]+\{([^{}]*)\}|\\([a-zA-Z]+)", r"\1\2", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)|[*`$]|__", r"\1", text)  # links keep their text; marks go
    return re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]


def prepare(nb):
    """The notebook without nbgrader's marker lines, with alt text on every image that has none: the
    sentence introducing its cell, in the output's metadata (which the templates write out) or in
    HTML's <img> tags."""
    alt = "Figure"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            alt = f"Figure: {first_sentence(cell.source)}"
            continue
        cell.source = MARKER.sub("", cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in {"image/png", "image/jpeg"} & data.keys():
                metadata = output.setdefault("metadata", {}).setdefault(mime, {})
                metadata["alt"] = metadata.get("alt") or alt
            if "text/html" in data:
                data["text/html"] = NO_ALT.sub(f'<img alt="{html.escape(alt)}"', data["text/html"])
    return nb


def export(notebook, outdir, run=False, exporter=HTMLExporter, template="handout", steps=(),
           **traits):
    """Write outdir/<name>.html (or the exporter's extension) and return its path: the notebook run
    if `run` (fresh kernel, its own folder), prepared, then changed by `steps`, before the
    template's preprocessors."""
    steps = [lambda nb, resources, step=step: (step(nb), resources)
             for step in (prepare, *steps)]
    # handout/ holds shared.j2
    exporter = exporter(template_name=template,
                        preprocessors=([ExecutePreprocessor()] if run else []) + steps,
                        extra_template_basedirs=[str(HERE)],
                        extra_template_paths=[str(HERE / "handout")],
                        filters={"markdown2html": markdown_to_html}, **traits)
    body, resources = exporter.from_filename(str(Path(notebook).resolve()))
    return FilesWriter(build_directory=str(outdir)).write(body, resources,
                                                          notebook_name=Path(notebook).stem)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("outdir", nargs="?", default="build")
    parser.add_argument("--execute", action="store_true",
                        help="run the notebook first, in a fresh kernel")
    args = parser.parse_args()
    print(f"wrote {export(args.notebook, args.outdir, run=args.execute)}")


if __name__ == "__main__":
    main()

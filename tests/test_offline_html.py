"""The handout is one file that works offline: every formula in MathML, figures and the player
inside.

The page is built from the stored notebook (no execution, so this is quick) by
instructor/export_html.py, copied alone into an empty folder, and opened there in headless
Chromium, with the network removed by `unshare -n` where that works; its DOM is read
after loading.  Skipped only where no Chromium is installed (Debian package `chromium`).
"""

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert.filters.markdown_mistune import MarkdownWithMath

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nb07_em.ipynb"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")

from instructor.export_html import MathMLRenderer, tex_to_mathml


def find_chromium():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def without_network():
    """['unshare', '-n'] if this machine lets us run a command with no network, else []."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


class PageReader(HTMLParser):
    """Collects what a reader sees: text outside scripts, styles, code and formulas; images;
    formulas."""

    HIDDEN = {"script", "style", "pre", "code", "textarea", "noscript", "head", "math"}
    VOID = {"img", "input", "br", "hr", "meta", "link", "source", "area", "base", "col", "embed",
            "wbr", "mspace"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.text = []
        self.images = []
        self.formulas = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "math":
            self.formulas += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.HIDDEN.intersection(self.stack):
            self.text.append(data)


def notebook_formulas():
    """Every formula in the notebook's markdown, as nbconvert's Markdown parser finds it:
    [(tex, display)]."""
    found = []

    class Recorder(MathMLRenderer):
        def block_math(self, body):
            found.append((body, True))
            return super().block_math(body)

        def inline_math(self, body):
            found.append((body, False))
            return super().inline_math(body)

        def latex_environment(self, name, body):
            found.append((f"\\begin{{{name}}}{body}\\end{{{name}}}", True))
            return super().latex_environment(name, body)

    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "markdown":
            MarkdownWithMath(renderer=Recorder(escape=False)).render(cell.source)
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The handout built from the stored notebook, then copied alone into an empty folder:
    (the folder it was written to, the lone copy)."""
    outdir = tmp_path_factory.mktemp("build")
    subprocess.run([sys.executable, "-m", "instructor.export_html", str(NOTEBOOK), str(outdir)],
                   check=True, capture_output=True, cwd=ROOT)
    alone = tmp_path_factory.mktemp("alone") / "nb07_em.html"
    shutil.copy(outdir / "nb07_em.html", alone)
    return outdir, alone


@pytest.fixture(scope="module")
def page(built, tmp_path_factory):
    """The lone copy's DOM as Chromium loaded it with no network, as a PageReader."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (install the Debian package 'chromium'): "
                    "the offline page cannot be checked on this machine")
    profile = tmp_path_factory.mktemp("chromium-profile")
    command = without_network() + [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", built[1].as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    reader = PageReader()
    reader.feed(result.stdout)
    return reader


def test_the_handout_is_one_file_that_loads_nothing(built):
    outdir, alone = built
    assert [path.name for path in outdir.iterdir()] == ["nb07_em.html"], \
        "something was written beside the page"
    html = alone.read_text(encoding="utf-8")
    links = re.findall(r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*'
                       r'\b(?:src|href)="([^"]*)"', html)
    assert len(links) >= 10
    assert [link[:60] for link in links if not link.startswith(("data:", "#"))] == []
    assert "MathJax" not in html and "require.js" not in html


def test_every_formula_converts_to_mathml():
    formulas = notebook_formulas()
    assert len(formulas) >= 100
    for tex, display in formulas:
        mathml = tex_to_mathml(tex, display)
        assert mathml.startswith("<math"), tex
        # latex2mathml passes a command it does not know through as text: "<mi>\\foo</mi>"
        assert "\\" not in mathml and "negativethin" not in mathml and "<mi>&</mi>" not in mathml, \
            f"{tex!r} -> {mathml}"


def test_the_notebooks_constructs_become_mathml_elements():
    """Each kind of TeX the notebook's markdown uses, as the MathML element that draws it."""
    assert 'display="block"' in tex_to_mathml("x", display=True)
    assert 'display="inline"' in tex_to_mathml("x")
    assert "&#x1D4A9;" in tex_to_mathml(r"\mathcal{N}")              # script N
    assert "<mfrac>" in tex_to_mathml(r"\frac{1}{N} + \tfrac12")
    assert "<munderover><mo>&#x02211;</mo>" in tex_to_mathml(r"\sum_{k=0}^{K-1}", display=True)
    assert "&#x23DF;" in tex_to_mathml(r"\underbrace{a + b}_{\text{the sum}}")
    assert "<mtext>the&#x000A0;sum</mtext>" in tex_to_mathml(r"\underbrace{a + b}_{\text{the sum}}")
    assert "&#x02026;" in tex_to_mathml(r"0, \dots, K-1")
    assert '<mspace width="2em"' in tex_to_mathml(r"a, \qquad b")
    assert "<mtable" in tex_to_mathml(r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
                                      display=True)


def test_what_latex2mathml_leaves_is_fixed_up():
    assert "mspace" not in tex_to_mathml(r"\exp\!\big(x\big)")
    assert tex_to_mathml(r"\log x").count('<mspace width="0.167em">') == 1
    assert "mspace" not in tex_to_mathml(r"\log(x)")
    assert "xmlns" not in tex_to_mathml("x")
    assert tex_to_mathml(r"\lVert x\rVert^2 + \lvert y\rvert / 2").count(
        '<mo stretchy="false" lspace="0"') == 5
    assert "<mi>&#x0221E;</mi>" in tex_to_mathml(r"\log 0 = -\infty")
    assert tex_to_mathml(r"[-1, -2] = -a - b").count('<mo form="prefix">') == 3
    assert "&#x02255;" in tex_to_mathml(r"a =: b")


def test_every_formula_is_shown_as_mathml_and_no_tex_is_left(page):
    visible = "".join(page.text)
    assert page.formulas == len(notebook_formulas())
    fragments = re.findall(r"\$[^$]+\$", visible)
    assert fragments == [], f"{len(fragments)} raw TeX fragments, the first: {fragments[0]}"
    commands = re.findall(r"\\[a-zA-Z]+", visible)
    assert commands == [], f"TeX commands left in the text: {commands[:5]}"


def test_the_page_shows_no_nbgrader_markers(built):
    html = built[1].read_text(encoding="utf-8")
    assert "### BEGIN" not in html and "### END" not in html
    assert "e_step" in html and "BEGIN SOLUTION" not in html


def test_the_animation_player_is_there(page):
    """The player (helpers/animation.py): a still first frame, and the animated run behind a
    click."""
    first = [img for img in page.images if (img.get("alt") or "").startswith("first frame of")]
    moving = [img for img in page.images if (img.get("alt") or "").startswith("the animation")]
    assert first and moving, "the player is missing"
    assert first[0].get("src", "").startswith("data:image/webp"), "the player shows no frame"
    assert first[0].get("width") and first[0].get("height"), "the first frame has no size"
    assert moving[0].get("src", "").startswith("data:image/webp")


def test_every_image_has_alt_text(page):
    """Meaningful alt text: not empty, and not nbconvert's stand-in for a missing one."""
    assert len(page.images) >= 5
    stand_in = "No description has been provided"
    missing = [img.get("id") or img.get("src", "")[:40] for img in page.images
               if not (img.get("alt") or "").strip() or stand_in in img.get("alt")]
    assert missing == []

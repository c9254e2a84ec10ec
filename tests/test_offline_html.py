"""The exported handout works with no network: maths typeset, the player there, alt text on every image.

The page is built from the stored notebook (no execution, so this is quick) by
scripts/export_html.py, then opened in headless Chromium, with the network removed by
`unshare -n` where that works, and its DOM read after its scripts ran.  Skipped only
where no Chromium is installed (Debian package `chromium`).
"""

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")


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
    """Collects what a reader sees: text outside scripts, styles and code; images; MathJax output."""

    HIDDEN = {"script", "style", "pre", "code", "textarea", "noscript", "head"}
    VOID = {"img", "input", "br", "hr", "meta", "link", "source", "area", "base", "col", "embed", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.text = []
        self.images = []
        self.inputs = []
        self.typeset = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        if "MathJax" in (attrs.get("class") or "").split():
            self.typeset += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.HIDDEN.intersection(self.stack):
            self.text.append(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The handout built from the stored notebook: (folder, its HTML text)."""
    outdir = tmp_path_factory.mktemp("build")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "export_html.py"), str(ROOT / "nb07_em.ipynb"),
                    str(outdir)], check=True, capture_output=True, cwd=ROOT)
    assert (outdir / "mathjax" / "MathJax.js").is_file()
    return outdir, (outdir / "nb07_em.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(built, tmp_path_factory):
    """The page's DOM after Chromium ran its scripts with no network, as a PageReader."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (install the Debian package 'chromium'): "
                    "the offline page cannot be checked on this machine")
    profile = tmp_path_factory.mktemp("chromium-profile")
    command = without_network() + [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom",
        (built[0] / "nb07_em.html").as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    reader = PageReader()
    reader.feed(result.stdout)
    return reader


def test_the_page_fetches_nothing_from_the_web(built):
    fetched = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)="(https?:[^"]*)"', built[1])
    assert fetched == []
    assert 'src="mathjax/MathJax.js?config=' in built[1]


def test_the_page_shows_no_nbgrader_markers(built):
    assert "### BEGIN" not in built[1] and "### END" not in built[1]
    assert "e_step" in built[1] and "BEGIN SOLUTION" not in built[1]


def test_every_formula_is_typeset(page):
    visible = "".join(page.text)
    assert page.typeset >= 20, f"only {page.typeset} formulas typeset: did MathJax load?"
    assert "$" not in visible, "raw $...$ left in the text: " + visible[visible.index("$") - 60:][:120]
    assert "\\begin" not in visible and "\\frac" not in visible
    assert "Math Processing Error" not in visible


def test_the_animation_player_is_there(page):
    """The player (helpers/animation.py): a still first frame, and the animated run behind a click."""
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

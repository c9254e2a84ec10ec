"""The notebook outside JupyterLab, offline: the exported page and the slide deck.

Both open from file:// in headless Chromium at 1280x720 with every web request refused,
so anything that would need the network fails here.  The slides come from
`make slides` (build/slides); the page is exported here from the notebook's stored outputs.
"""

import subprocess
import sys
import time

import pytest

from .lab import ROOT, difference, picture

SLIDES = ROOT / "build" / "slides"


def offline(page):
    """Refuse every request that would leave the machine; return the list of those tried."""
    tried = []

    def refuse(route):
        tried.append(route.request.url)
        route.abort()

    page.context.route("http*://**/*", refuse)
    return tried


def play(page, details):
    """Click the player's figure; return screenshots of it before, just after and 2.5 s after."""
    details.scroll_into_view_if_needed()
    before = picture(details.screenshot())
    details.locator("summary img").click()
    page.wait_for_timeout(150)
    started = picture(details.screenshot())
    page.wait_for_timeout(2500)
    return before, started, picture(details.screenshot())


def test_exported_page_plays_the_animation_offline(page, project, shots, tmp_path):
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(project),
                    "--output-dir", str(tmp_path)], check=True, capture_output=True)
    tried = offline(page)
    page.goto((tmp_path / f"{project.stem}.html").as_uri())
    players = page.locator("details")
    assert players.count() == 1
    before, started, later = play(page, players.first)
    page.screenshot(path=shots / "06-exported-page-player.png")
    assert difference(before, started) < 1.5 and difference(before, later) > 3
    # The player itself fetches nothing (tests/test_animation.py); the page's own scripts
    # (MathJax, require.js) are the export's business: report what they tried.
    print(f"\nthe exported page tried to fetch: {tried or 'nothing'}")


@pytest.fixture(scope="module")
def deck(browser, shots):
    path = SLIDES / "nb07_em.slides.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make slides` first (`make test-browser` does)")
    (shots / "slides").mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    tried = offline(page)
    page.goto(path.as_uri())
    page.wait_for_selector(".reveal.ready", timeout=30_000)
    # reveal.js is loaded by require.js, as a module: make it reachable from here.
    page.evaluate("() => new Promise(done => require(['node_modules/reveal.js/dist/reveal.js'],"
                  " reveal => { window.Reveal = reveal; done(); }))")
    page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                           " && MathJax.Hub.queue.running === 0", timeout=60_000)
    yield page, tried
    context.close()


def test_slides_load_offline_and_typeset_the_maths(deck, shots):
    page, tried = deck
    assert not tried, f"the slides tried to fetch {tried}"
    math = page.evaluate("""() => ({
        font: MathJax.OutputJax['HTML-CSS'].fontInUse,
        typeset: document.querySelectorAll('.MathJax, .MathJax_Display').length,
        errors: document.querySelectorAll('.MathJax_Error, .MathJax_Preview.MathJax_Error').length,
        raw: [...document.querySelectorAll('.jp-RenderedMarkdown')].filter(md => {
            // the text a reader sees: MathJax keeps each formula's TeX in a script element
            const walker = document.createTreeWalker(md, NodeFilter.SHOW_TEXT);
            let text = '';
            while (walker.nextNode()) {
                if (!walker.currentNode.parentElement.closest('script, .MathJax, .MathJax_Display')) {
                    text += walker.currentNode.textContent;
                }
            }
            return /\\$\\$|\\\\frac|\\\\sum/.test(text);
        }).length})""")
    assert math["typeset"] > 20, "MathJax typeset (almost) nothing"
    assert math["errors"] == 0 and math["raw"] == 0, math
    assert math["font"] == "STIX-Web", "MathJax did not find its fonts"


# Every formula of the current slide drawn: MathJax puts its drawing just before the
# script element that holds the formula's TeX.
FORMULAS_DRAWN = """() => MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0
    && [...Reveal.getCurrentSlide().querySelectorAll('script[type^="math/tex"]')].every(script => {
        const drawn = script.previousElementSibling;
        return drawn && drawn.matches('.MathJax, .MathJax_Display')
            && drawn.getBoundingClientRect().width > 0;
    })"""


def test_one_figure_per_slide_and_every_figure_fits(deck, shots, timings):
    """Visit every slide as a presenter does; once its formulas are drawn (MathJax redraws
    each slide as it appears), it shows at most one figure, and the figure is on screen."""
    page, _ = deck
    start = time.monotonic()
    slides = page.evaluate("() => Reveal.getSlides().map(s => Reveal.getIndices(s))")
    problems, figure_slides, too_tall, math_waits = [], 0, [], []
    for number, where in enumerate(slides, start=1):
        shown = time.monotonic()
        page.evaluate("([h, v]) => Reveal.slide(h, v)", [where["h"], where.get("v") or 0])
        page.wait_for_function(FORMULAS_DRAWN, timeout=10_000)
        math_waits.append(time.monotonic() - shown)
        info = page.evaluate("""() => {
            const slide = Reveal.getCurrentSlide();
            const figures = [...slide.querySelectorAll('img')].filter(img => img.checkVisibility());
            return {figures: figures.map(img => img.getBoundingClientRect().toJSON()),
                    height: slide.scrollHeight, room: slide.clientHeight};
        }""")
        if info["height"] > info["room"] + 1:
            too_tall.append(number)
        if len(info["figures"]) > 1:
            problems.append(f"slide {number} shows {len(info['figures'])} figures")
        for box in info["figures"]:
            figure_slides += 1
            if box["bottom"] > 720 + 0.5 or box["right"] > 1280 + 0.5 or box["top"] < -0.5:
                problems.append(f"slide {number}: its figure reaches past the screen: {box}")
        page.screenshot(path=shots / "slides" / f"slide-{number:02d}.png")
    timings["visit every slide"] = time.monotonic() - start
    print(f"\n{len(slides)} slides, {figure_slides} with a figure; taller than the screen "
          f"(they scroll): {too_tall or 'none'}; formulas drawn within {max(math_waits):.1f} s of "
          f"showing a slide")
    assert figure_slides >= 8
    assert not problems, "\n".join(problems)

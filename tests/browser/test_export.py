"""The notebook outside JupyterLab, offline: the handout and the slide deck.

Both open from file:// in headless Chromium at 1280x720 with every web request refused,
so anything that would need the network fails here.  The slides come from
`make slides` (build/slides); the handout is exported here from the notebook's stored
outputs and copied alone into an empty folder, as a student receives it.
"""

import shutil
import subprocess
import sys
import time

import pytest

from .lab import ROOT, difference, picture

SLIDES = ROOT / "build" / "slides"
FIGURE_TEXT = 18  # CSS px: the size of the text in the figures, drawn at their own width
STAND_IN = "No description has been provided"  # nbconvert's alt text for an image without one

# What a reader sees of the formulas on the page (or the current slide): how many there are,
# how many the browser drew as MathML (a box with a size), the display formulas too wide for
# the page (they would scroll sideways), and any TeX left in the text.
FORMULAS = """root => {
    const maths = [...root.querySelectorAll('math')];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let text = '';
    while (walker.nextNode()) {
        if (!walker.currentNode.parentElement.closest('math, script, style, pre, code')) {
            text += walker.currentNode.textContent;
        }
    }
    return {count: maths.length,
            drawn: maths.filter(m => m instanceof MathMLElement &&
                                     m.getBoundingClientRect().width > 0).length,
            wide: maths.filter(m => m.getAttribute('display') === 'block' &&
                                    m.scrollWidth > m.clientWidth + 1).length,
            tex: text.match(/\\$[^$]+\\$|\\\\[a-zA-Z]+/g) || []};
}"""


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


def test_the_handout_alone_shows_every_formula_and_plays_offline(page, project, shots, tmp_path):
    build, alone = tmp_path / "build", tmp_path / "alone"
    subprocess.run([sys.executable, str(ROOT / "instructor" / "export_html.py"), str(project),
                    str(build)], check=True, capture_output=True)
    assert [path.name for path in build.iterdir()] == [f"{project.stem}.html"]
    alone.mkdir()
    shutil.copy(build / f"{project.stem}.html", alone)
    tried = offline(page)
    page.goto((alone / f"{project.stem}.html").as_uri())
    page.screenshot(path=shots / "06-handout-top.png")
    page.screenshot(path=shots / "06-handout-full.png", full_page=True)
    maths = page.evaluate(FORMULAS, page.locator("main").element_handle())
    assert maths["count"] >= 100 and maths["drawn"] == maths["count"] and maths["wide"] == 0, maths
    assert maths["tex"] == []
    players = page.locator("details")
    assert players.count() == 1
    before, started, later = play(page, players.first)
    page.screenshot(path=shots / "07-handout-player.png")
    assert difference(before, started) < 1.5 and difference(before, later) > 3
    assert tried == [], f"the handout tried to fetch {tried}"


@pytest.fixture(scope="module")
def deck(browser, shots):
    path = SLIDES / "nb07_em.slides.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make slides` first (`make test-browser` does)")
    (shots / "slides").mkdir(exist_ok=True)
    for old in (shots / "slides").glob("slide-*.png"):  # from an earlier deck
        old.unlink()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    tried = offline(page)
    page.goto(path.as_uri())
    page.wait_for_selector(".reveal.ready", timeout=30_000)
    yield page, tried
    context.close()


# The current slide: its box and the slide area's (both on screen), whether it scrolls,
# its figures (shown size against their own size, alt text) and its formulas.
SLIDE = """() => {
    const slide = Reveal.getCurrentSlide();
    const style = getComputedStyle(slide);
    const figures = [...slide.querySelectorAll('.jp-OutputArea-output img')]
        .filter(img => img.checkVisibility() && img.getAttribute('width'))
        .map(img => ({shown: img.getBoundingClientRect().width, own: +img.getAttribute('width'),
                      box: img.getBoundingClientRect().toJSON(), alt: img.alt}));
    return {box: slide.getBoundingClientRect().toJSON(),
            area: document.querySelector('.reveal .slides').getBoundingClientRect().toJSON(),
            scrolls: ['auto', 'scroll'].includes(style.overflowY) ||
                slide.scrollHeight > slide.clientHeight + 1,
            figures: figures};
}"""


def test_the_title_slide_is_whole_on_first_load(deck, shots):
    page, _ = deck
    page.screenshot(path=shots / "slides" / "first-load.png")
    info = page.evaluate(SLIDE)
    assert page.evaluate("() => Reveal.getIndices().h") == 0
    assert info["box"]["top"] >= -0.5 and info["box"]["bottom"] <= 720.5, info["box"]


def test_every_slide_fits_with_figures_at_their_own_size(deck, shots, timings):
    """Visit every slide as a presenter does: nothing scrolls or reaches past the slide,
    at most one figure, each shown at least at its own width (text at least 18 px), with
    alt text, and every formula drawn as MathML."""
    page, tried = deck
    start = time.monotonic()
    slides = page.evaluate("() => Reveal.getSlides().map(s => Reveal.getIndices(s))")
    problems, figures, formulas, smallest_text = [], 0, 0, []
    for number, where in enumerate(slides, start=1):
        page.evaluate("([h, v]) => Reveal.slide(h, v)", [where["h"], where.get("v") or 0])
        info = page.evaluate(SLIDE)
        maths = page.evaluate(FORMULAS, page.evaluate_handle("() => Reveal.getCurrentSlide()"))
        formulas += maths["drawn"]
        area, box = info["area"], info["box"]
        if (info["scrolls"] or box["top"] < area["top"] - 0.5
                or box["bottom"] > min(area["bottom"], 720) + 0.5):
            problems.append(f"slide {number} does not fit: {box['top']:.0f} to "
                            f"{box['bottom']:.0f} px")
        if len(info["figures"]) > 1:
            problems.append(f"slide {number} shows {len(info['figures'])} figures")
        for figure in info["figures"]:
            figures += 1
            text = FIGURE_TEXT * figure["shown"] / figure["own"]
            smallest_text.append(text)
            if text < FIGURE_TEXT - 0.05:
                problems.append(f"slide {number}: figure text {text:.1f} px "
                                f"({figure['shown']:.0f} px shown of {figure['own']})")
            if figure["box"]["right"] > 1280.5 or figure["box"]["bottom"] > 720.5:
                problems.append(f"slide {number}: its figure reaches past the screen: "
                                f"{figure['box']}")
            if not figure["alt"].strip() or STAND_IN in figure["alt"]:
                problems.append(f"slide {number}: a figure without alt text")
        if maths["drawn"] != maths["count"] or maths["wide"] or maths["tex"]:
            problems.append(f"slide {number}: formulas {maths}")
        page.screenshot(path=shots / "slides" / f"slide-{number:02d}.png")
    timings["visit every slide"] = time.monotonic() - start
    print(f"\n{len(slides)} slides, {figures} figures (smallest text {min(smallest_text):.1f} px), "
          f"{formulas} formulas drawn as MathML")
    assert figures >= 8 and formulas >= 100
    assert not problems, "\n".join(problems)
    assert not tried, f"the slides tried to fetch {tried}"


def test_the_animation_lies_over_its_first_frame(deck, shots):
    page, _ = deck
    player = page.locator(".reveal details").first
    page.evaluate("element => Reveal.slide("
                  "...Object.values(Reveal.getIndices(element.closest('section'))))",
                  player.element_handle())
    before, started, later = play(page, player)
    page.screenshot(path=shots / "slides" / "player-playing.png")
    assert difference(before, started) < 1.5 and difference(before, later) > 3
    still, moving = (player.locator(selector).bounding_box()
                     for selector in ("summary img", "summary + img"))
    assert abs(still["y"] - moving["y"]) < 0.5 and abs(still["x"] - moving["x"]) < 0.5, \
        (still, moving)

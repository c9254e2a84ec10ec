"""The notebook presented live in real JupyterLab, in headless Chromium at 1280x720.

What an instructor does, in order: open the notebook (its outputs are untrusted, so
JupyterLab strips scripts) and press play on the animation; Run All; run the manual
step cell again and again.  And what the room sees: every figure at its full size
within the output area (848 x 560 CSS px with the file browser open), text at least
18 px high.  Cells are found by their tags (`player`, `manual-start`, `manual-step`).
Screenshots and timings go to build/browser/.
"""

import base64
import hashlib
import io
import re
import time

import matplotlib
import nbformat
import numpy as np
import pytest
from matplotlib.font_manager import FontProperties
from PIL import Image

import helpers
from .lab import difference, picture

# the output area at 1280x720 with the file browser open; the height fits 720p
MAX_FIGURE = (848, 560)
MIN_TEXT_PX = 18  # about 2.5% of 720 px: readable from the back of a room
TEXT_SIZES = ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
              "legend.fontsize")

CELLS = ".jp-Notebook .jp-Cell"
PROMPTS = ".jp-Notebook .jp-CodeCell .jp-InputArea-prompt"


def tagged(nb, tag):
    """Index (among all cells) of the one cell carrying tag."""
    found = [i for i, cell in enumerate(nb.cells) if tag in cell.metadata.get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged {tag!r}, found {len(found)}"
    return found[0]


class Notebook:
    """One notebook open in JupyterLab in one browser tab."""

    def __init__(self, page, lab, path):
        self.page, self.lab, self.path = page, lab, path
        self.nb = nbformat.read(path, as_version=4)

    def open(self):
        self.page.goto(self.lab.notebook_url(self.path.name))
        # JupyterLab adds the cells to the page in batches; wait for all of them.
        self.page.wait_for_function(f"n => document.querySelectorAll('{CELLS}').length === n",
                                    arg=len(self.nb.cells), timeout=60_000)
        self.wait_until_idle()

    def wait_until_idle(self, timeout=60_000):
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
            ".some(item => / \\| Idle$/.test(item.textContent))", timeout=timeout)

    def cell(self, index):
        return self.page.locator(CELLS).nth(index)

    def menu(self, menu, item):
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()

    def run_all(self):
        self.menu("Run", "Run All Cells")
        prompts = f"[...document.querySelectorAll('{PROMPTS}')].map(p => p.textContent.trim())"
        self.page.wait_for_function(f"() => {prompts}.includes('[*]:')", timeout=30_000)
        self.page.wait_for_function(f"() => !{prompts}.includes('[*]:')", timeout=300_000)
        self.wait_until_idle()
        errors = self.page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        assert errors.count() == 0, f"Run All raised: {errors.first.inner_text()[:2000]}"

    def scroll_to_top_of_view(self, locator):
        """Scroll until the element's top is the top of the notebook area, and stays there.

        Cells far from the view have an estimated height until they are drawn, so one
        scrollIntoView can land elsewhere once they are; repeat until nothing moves.
        """
        top = self.notebook_area()["y"]
        for _ in range(20):
            locator.evaluate("element => element.scrollIntoView({block: 'start'})")
            self.page.wait_for_timeout(200)
            if abs(locator.bounding_box()["y"] - top) < 1:
                self.page.wait_for_timeout(200)
                if abs(locator.bounding_box()["y"] - top) < 1:
                    return
        raise AssertionError("could not scroll the element to the top of the notebook")

    def wait_for_run(self, cell, prompt_before):
        """Wait until `cell` has run again: its prompt is neither the one before nor [*]."""
        self.page.wait_for_function(
            "([cell, before]) => { "
            "const p = cell.querySelector('.jp-InputArea-prompt').textContent.trim();"
            " return p !== before && p !== '[*]:'; }",
            arg=[cell.element_handle(), prompt_before], timeout=30_000)

    def notebook_area(self):
        """The visible part of the notebook (below menus and toolbar, above the status bar)."""
        return self.page.locator(".jp-NotebookPanel-notebook").bounding_box()


@pytest.fixture(scope="module")
def tags(project):
    nb = nbformat.read(project, as_version=4)
    return {tag: tagged(nb, tag) for tag in ("player", "manual-start", "manual-step")}


def check_player(notebook, index, shots, name, trusted):
    """The player shows its first frame at full size at once, and the first click plays it."""
    page = notebook.page
    details = notebook.cell(index).locator("details")
    still = details.locator("summary img")
    notebook.scroll_to_top_of_view(details)
    box = still.bounding_box()
    width, height = (int(still.get_attribute(key)) for key in ("width", "height"))
    assert (round(box["width"]), round(box["height"])) == (width, height), \
        "first frame not at its full size"
    assert still.evaluate("img => img.complete && img.naturalWidth > 0"), "first frame not loaded"
    page.screenshot(path=shots / f"{name}-first-frame.png")
    before = picture(details.screenshot())

    still.click()
    page.wait_for_timeout(150)
    started = picture(details.screenshot())
    page.wait_for_timeout(2500)
    later = picture(details.screenshot())
    page.screenshot(path=shots / f"{name}-playing.png")
    assert details.evaluate("d => d.open")
    assert still.bounding_box() == box, "the figure moved when play was clicked"
    assert difference(before, started) < 1.5, "the animation did not start at the first frame"
    assert difference(before, later) > 3, "the animation did not play"

    details.locator("summary span").click()  # stop
    assert not details.evaluate("d => d.open")
    assert difference(before, picture(details.screenshot())) < 0.5, \
        "stopping did not show the first frame"
    if trusted:  # a small script restarts the animation each time it is opened
        page.wait_for_timeout(1000)
        still.click()
        page.wait_for_timeout(150)
        assert difference(before, picture(details.screenshot())) < 1.5, \
            "playing again did not restart"
        details.locator("summary span").click()


def test_player_plays_untrusted(page, lab, project, tags, shots, timings):
    """Just opened, the notebook is untrusted: JupyterLab strips scripts from its outputs."""
    notebook = Notebook(page, lab, project)
    start = time.monotonic()
    notebook.open()
    timings["open the notebook until the kernel is idle"] = time.monotonic() - start
    assert page.locator(".jp-OutputArea-output script").count() == 0, "outputs should be untrusted"
    check_player(notebook, tags["player"], shots, "01-untrusted-player", trusted=False)


@pytest.fixture(scope="module")
def after_run_all(browser, lab, project, shots, timings):
    """The notebook in a new tab after Run All: every output fresh, and trusted."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    notebook = Notebook(context.new_page(), lab, project)
    notebook.open()
    start = time.monotonic()
    notebook.run_all()
    timings["Run All in JupyterLab"] = time.monotonic() - start
    notebook.page.screenshot(path=shots / "02-after-run-all.png")
    yield notebook
    context.close()


def test_player_plays_after_run_all(after_run_all, tags, shots):
    check_player(after_run_all, tags["player"], shots, "03-trusted-player", trusted=True)


def sample_layout(page, start_index, step_index):
    """Record, at every animation frame, where the demo's figure and the step cell are."""
    page.evaluate("""([startIndex, stepIndex]) => {
        const cells = document.querySelectorAll('.jp-Notebook .jp-Cell');
        window.layoutSamples = [];
        window.sampling = true;
        const sample = () => {
            const img = cells[startIndex].querySelector('.jp-OutputArea-output img');
            const box = img ? img.getBoundingClientRect() : null;
            window.layoutSamples.push({figureTop: box ? box.top : null,
                                       figureHeight: box ? box.height : 0,
                                       stepTop: cells[stepIndex].getBoundingClientRect().top});
            if (window.sampling) requestAnimationFrame(sample);
        };
        requestAnimationFrame(sample);
    }""", [start_index, step_index])


def stop_sampling(page):
    return page.evaluate("() => { window.sampling = false; return window.layoutSamples; }")


def src_digest(img):
    return hashlib.sha1(img.get_attribute("src").encode()).hexdigest()


def test_manual_step_advances_in_place(after_run_all, tags, shots, timings):
    """After Run All, each run of the step cell moves the figure above it on by one EM step,
    without the page jumping, and the figure and the step cell's code fit on screen together."""
    notebook, page = after_run_all, after_run_all.page
    start_cell, step_cell = notebook.cell(tags["manual-start"]), notebook.cell(tags["manual-step"])
    figure = start_cell.locator(".jp-OutputArea-output img")
    assert figure.count() == 1, "the start cell should show exactly one figure"
    notebook.scroll_to_top_of_view(figure)
    area = notebook.notebook_area()

    def fits_on_screen():
        fig_box, code_box = figure.bounding_box(), step_cell.locator(".jp-InputArea").bounding_box()
        return (fig_box["y"] >= area["y"] - 0.5
                and code_box["y"] + code_box["height"] <= area["y"] + area["height"] + 0.5)

    page.screenshot(path=shots / "04-manual-demo-after-run-all.png")
    assert fits_on_screen(), \
        "the demo's figure and the step cell's code do not fit on screen together"
    digest, box = src_digest(figure), figure.bounding_box()
    for run in (1, 2):
        prompt = step_cell.locator(".jp-InputArea-prompt").inner_text()
        sample_layout(page, tags["manual-start"], tags["manual-step"])
        start = time.monotonic()
        step_cell.locator(".cm-content").click()
        page.keyboard.press("Control+Enter")
        notebook.wait_for_run(step_cell, prompt)
        page.wait_for_timeout(300)
        timings[f"manual step {run}"] = time.monotonic() - start
        samples = stop_sampling(page)
        page.screenshot(path=shots / f"05-manual-step-{run}.png")
        new_digest = src_digest(figure)
        assert new_digest != digest, f"run {run} of the step cell did not change the figure"
        digest = new_digest
        tops = [s["figureTop"] for s in samples if s["figureTop"] is not None]
        heights = [s["figureHeight"] for s in samples]
        assert len(samples) > 5 and len(tops) == len(samples), \
            "the figure disappeared while the cell ran"
        assert max(abs(top - box["y"]) for top in tops) < 0.5, f"the page jumped during run {run}"
        assert min(heights) == pytest.approx(box["height"]), \
            f"the figure collapsed during run {run}"
        assert step_cell.locator(".jp-OutputArea-output").count() == 0, \
            "the step cell showed output"
        assert fits_on_screen()


# --- every figure's size on screen, and the size of its text ---------------------------------

def class_text_points():
    """The smallest font size (points) of the notebook's figure style, and its dpi."""
    matplotlib.use("Agg")
    with matplotlib.rc_context():
        helpers.use_class_style()
        sizes = [FontProperties(size=matplotlib.rcParams[key]).get_size_in_points()
                 for key in TEXT_SIZES]
        return min(sizes), matplotlib.rcParams["figure.dpi"]


def digit_height(shot):
    """Height in px of the y tick labels' digits, measured in a screenshot of a figure.

    A cross-check of the text size: a digit of DejaVu Sans (matplotlib's font) is 0.73
    times the font size high, so 18 px text has digits about 13 px high.

    The labels sit in a strip just left of the leftmost axis line (the longest dark
    vertical line in the left half); every run of rows holding ink there is one label.
    Returns None if no axis line is found.
    """
    grey = np.asarray(Image.open(io.BytesIO(shot)).convert("L"))
    height, width = grey.shape
    lines = grey < 160   # axis lines may be grey
    runs = np.zeros(width // 2, dtype=int)
    for col in range(width // 2):
        column = np.concatenate([[0], lines[:, col].astype(int), [0]])
        edges = np.flatnonzero(np.diff(column))
        runs[col] = (edges[1::2] - edges[::2]).max() if len(edges) else 0
    spine = int(np.argmax(runs))
    if runs[spine] < 0.3 * height or spine < 20:
        return None
    ink = (grey[:, max(0, spine - 80):spine - 8] < 90).any(axis=1).astype(int)  # text is black
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ink, [0]])))
    lengths = [n for n in edges[1::2] - edges[::2] if 4 <= n <= 60]
    return float(np.median(lengths)) if lengths else None


def test_every_figure_fits_the_output_area(after_run_all, shots, timings):
    """At 1280x720 with the file browser open: each figure within 848 x 560 CSS px, not
    shrunk by the browser, and its smallest text at least 18 px high."""
    notebook, page = after_run_all, after_run_all.page
    min_points, figure_dpi = class_text_points()
    figures = page.locator(".jp-OutputArea-output img")
    rows, problems = [], []
    start = time.monotonic()
    (shots / "figures").mkdir(exist_ok=True)
    for i in range(figures.count()):
        img = figures.nth(i)
        if not img.evaluate("img => img.checkVisibility()"):
            continue  # the player's animation, hidden until played
        notebook.scroll_to_top_of_view(img)
        info = img.evaluate("""img => ({
            box: img.getBoundingClientRect().toJSON(),
            natural: [img.naturalWidth, img.naturalHeight],
            width: img.getAttribute('width'), src: img.src,
            cell: [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
                .indexOf(img.closest('.jp-Cell'))})""")
        box, (natural_w, natural_h) = info["box"], info["natural"]
        intended_w = int(info["width"]) if info["width"] else natural_w
        header, data = info["src"].split(",", 1)
        if header.startswith("data:image/png"):
            dpi = Image.open(io.BytesIO(base64.b64decode(data))).info.get("dpi", (figure_dpi,))[0]
        else:  # the player's frames: drawn at figure.dpi per CSS inch
            dpi = figure_dpi * natural_w / intended_w
        text_px = min_points * dpi / 72 * box["width"] / natural_w
        shot = img.screenshot(path=shots / "figures" / f"cell-{info['cell']:02d}.png")
        digits = digit_height(shot)
        rows.append(f"cell {info['cell']:2d}: {box['width']:.0f} x {box['height']:.0f} CSS px "
                    f"(image {natural_w} x {natural_h}), smallest text {text_px:.1f} px, "
                    f"tick digits {'?' if digits is None else f'{digits:.1f}'} px high")
        if box["width"] > MAX_FIGURE[0] + 0.5 or box["height"] > MAX_FIGURE[1] + 0.5:
            problems.append(f"cell {info['cell']}: {box['width']:.0f} x {box['height']:.0f} "
                            f"exceeds {MAX_FIGURE[0]} x {MAX_FIGURE[1]}")
        if abs(box["width"] - intended_w) > 0.5:
            problems.append(f"cell {info['cell']}: shown {box['width']:.0f} px wide "
                            f"instead of {intended_w}")
        if text_px < MIN_TEXT_PX - 0.05:
            problems.append(f"cell {info['cell']}: smallest text {text_px:.1f} px < {MIN_TEXT_PX}")
    timings["measure every figure"] = time.monotonic() - start
    (shots / "figures.txt").write_text("\n".join(rows) + "\n")
    print("\n" + "\n".join(rows))
    assert rows, "no figures found"
    assert not problems, "\n".join(problems)


def test_demo_start_keeps_its_figure_on_screen(after_run_all, tags, shots):
    """Starting the demo over (its first cell run again, its code at the top of the view)
    leaves its figure where it was, whole on screen."""
    notebook, page = after_run_all, after_run_all.page
    start_cell = notebook.cell(tags["manual-start"])
    figure = start_cell.locator(".jp-OutputArea-output img")
    notebook.scroll_to_top_of_view(start_cell)
    box, area = figure.bounding_box(), notebook.notebook_area()
    prompt = start_cell.locator(".jp-InputArea-prompt").inner_text()
    start_cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    notebook.wait_for_run(start_cell, prompt)
    page.wait_for_timeout(500)
    page.screenshot(path=shots / "06-manual-demo-started-over.png")
    after = figure.bounding_box()
    assert abs(after["y"] - box["y"]) < 0.5, "the figure moved when the demo started over"
    assert (area["y"] - 0.5 <= after["y"]
            and after["y"] + after["height"] <= area["y"] + area["height"] + 0.5), \
        "the demo's figure is not whole on screen"


# Every cell part that is wider than what shows of it: [cell index, what, hidden px].
CUT = """() => {
    const cut = [];
    document.querySelectorAll('.jp-Notebook .jp-Cell').forEach((cell, i) => {
        cell.scrollIntoView();  // cells far from the view are not drawn
        const right = cell.getBoundingClientRect().right;
        cell.querySelectorAll(
            '.cm-scroller, .jp-RenderedMarkdown, .jp-OutputArea-output, mjx-container'
        ).forEach(el => {
            const hidden = Math.max(el.scrollWidth - el.clientWidth,
                                    el.getBoundingClientRect().right - right);
            if (hidden > 1) cut.push([i, el.className.toString().split(' ')[0] || el.tagName,
                                      Math.round(hidden)]);
        });
    });
    return cut;
}"""


def test_nothing_is_cut_in_presentation_mode(after_run_all, shots):
    """In JupyterLab's Presentation Mode (larger text) at 1280x720, and without it: no code line,
    formula or output is wider than its cell (long code lines wrap:
    instructor/lab/overrides.json)."""
    page = after_run_all.page
    assert page.evaluate(CUT) == [], "cut without Presentation Mode"
    toggle_presentation_mode(page, True)
    try:
        after_run_all.scroll_to_top_of_view(after_run_all.cell(6))
        page.screenshot(path=shots / "07-presentation-mode.png")
        assert page.evaluate(CUT) == [], "cut in Presentation Mode"
    finally:
        toggle_presentation_mode(page, False)


def toggle_presentation_mode(page, on):
    """View > Presentation Mode, through the command palette; wait until it is `on`."""
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Shift+C")
    page.keyboard.type("Presentation Mode")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !!document.querySelector('.jp-mod-presentationMode') === "
                           f"{str(on).lower()}")
    page.wait_for_timeout(1000)

"""The presenting recipe of docs/presenting.md, step by step, with a screenshot of each step.

The tab is the whole screen: 1280x720 CSS px is a 720p projector with the browser in
full screen (F11); 1280x720 at a device scale of 1.5 is a 1080p projector with the
browser zoomed to 150%.  Screenshots go to build/browser/recipe/.
"""

import re
import time

import pytest

from .test_lab import Notebook, tagged

STEPS = "recipe"


@pytest.fixture(params=[(1.0, "720p"), (1.5, "1080p at 150% zoom")], ids=["720p", "1080p-zoom150"])
def screen(request, browser):
    scale, name = request.param
    context = browser.new_context(viewport={"width": 1280, "height": 720},
                                  device_scale_factor=scale)
    yield context.new_page(), name.split()[0]
    context.close()


def appearance(page, item):
    """Turn on View > Appearance > item (a toggle: JupyterLab may remember it is on)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^View$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Appearance$")).hover()
    entry = page.locator(".lm-Menu").nth(1).locator(".lm-Menu-item").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")))
    if "lm-mod-toggled" in entry.get_attribute("class"):
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
    else:
        entry.click()
    page.wait_for_timeout(500)


def restart_and_run_all(notebook):
    notebook.menu("Kernel", "Restart Kernel and Run All Cells…")
    notebook.page.locator(".jp-Dialog-button", has_text=re.compile("^Restart$")).click()
    prompts = ("[...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]"
               ".map(p => p.textContent.trim())")
    notebook.page.wait_for_function(f"() => {prompts}.includes('[*]:')", timeout=30_000)
    notebook.page.wait_for_function(f"() => !{prompts}.includes('[*]:')", timeout=300_000)
    notebook.wait_until_idle()


def test_presenting_recipe(screen, lab, project, shots, timings):
    page, name = screen
    folder = shots / STEPS / name
    folder.mkdir(parents=True, exist_ok=True)
    notebook = Notebook(page, lab, project)
    notebook.open()
    page.screenshot(path=folder / "1-opened.png")

    start = time.monotonic()
    restart_and_run_all(notebook)                      # Kernel > Restart Kernel and Run All Cells
    timings[f"recipe {name}: restart and run all"] = time.monotonic() - start
    page.screenshot(path=folder / "2-restarted-and-ran-all.png")

    appearance(page, "Simple Interface")               # one notebook, no tabs
    page.keyboard.press("Control+b")                   # hide the file browser
    page.wait_for_timeout(500)
    assert not page.locator(".jp-FileBrowser").is_visible(), "Ctrl+B did not hide the file browser"
    appearance(page, "Presentation Mode")              # larger prose and code
    fonts = page.evaluate("""() => ({
        prose: getComputedStyle(document.querySelector('.jp-RenderedMarkdown p')).fontSize,
        code: getComputedStyle(document.querySelector('.jp-Cell .cm-content')).fontSize})""")
    page.screenshot(path=folder / "3-simple-interface-presentation-mode.png")

    # The manual demo: Shift+Enter on the start cell starts over and selects the step cell;
    # each Ctrl+Enter there is one more EM step, drawn in the figure above.
    start_index, step_index = (tagged(notebook.nb, tag) for tag in ("manual-start", "manual-step"))
    start_cell, step_cell = notebook.cell(start_index), notebook.cell(step_index)
    figure = start_cell.locator(".jp-OutputArea-output img")
    notebook.scroll_to_top_of_view(start_cell)
    start_cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(1500)
    notebook.scroll_to_top_of_view(figure)
    for _ in range(3):
        prompt = step_cell.locator(".jp-InputArea-prompt").inner_text()
        page.keyboard.press("Control+Enter")
        notebook.wait_for_run(step_cell, prompt)
    page.wait_for_timeout(300)
    page.screenshot(path=folder / "4-manual-demo-after-3-steps.png")
    area = notebook.notebook_area()
    code = step_cell.locator(".jp-InputArea").bounding_box()
    fig = figure.bounding_box()
    assert (fig["y"] >= area["y"] - 0.5
            and code["y"] + code["height"] <= area["y"] + area["height"] + 0.5), \
        "in Presentation Mode the demo's figure and step cell do not fit on screen together"

    player = notebook.cell(tagged(notebook.nb, "player")).locator("details")
    notebook.scroll_to_top_of_view(player)
    player.locator("summary img").click()              # click the figure to play
    page.wait_for_timeout(2000)
    page.screenshot(path=folder / "5-player-playing.png")
    player.locator("summary span").click()             # click the line below it to stop
    print(f"\n{name}: Presentation Mode prose {fonts['prose']}, code {fonts['code']}; "
          f"demo figure {fig['width']:.0f} x {fig['height']:.0f} CSS px, step cell ends "
          f"{area['y'] + area['height'] - code['y'] - code['height']:.0f} px above the bottom")

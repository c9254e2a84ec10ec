"""Fixtures for the browser tests: a real JupyterLab and a headless Chromium at 1280x720.

These tests take about two minutes and need Chromium, so `make test` leaves them out;
`make test-browser` runs them (it sets BROWSER_TESTS=1).  They open nb07_em.ipynb, or the
notebook given with `--notebook PATH`, in a temporary copy of the project.
"""

import os
from pathlib import Path

import pytest

from .lab import CHROMIUM, CHROMIUM_ARGS, ROOT, Lab, copy_project

if not os.environ.get("BROWSER_TESTS"):
    collect_ignore_glob = ["test_*.py"]

SHOTS = ROOT / "build" / "browser"


@pytest.fixture(scope="session")
def shots():
    """The folder for screenshots and timings: build/browser/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture(scope="session")
def timings(shots):
    """Seconds per step, written to build/browser/timings.txt at the end."""
    times = {}
    yield times
    lines = [f"{name}: {seconds:.1f} s" for name, seconds in times.items()]
    (shots / "timings.txt").write_text("\n".join(lines) + "\n")
    print("\nbrowser test timings:\n  " + "\n  ".join(lines))


@pytest.fixture(scope="session")
def project(tmp_path_factory, notebook_path):
    """A temporary copy of the project with the notebook under test."""
    dest = tmp_path_factory.mktemp("project")
    return copy_project(notebook_path, dest)


@pytest.fixture(scope="session")
def lab(project, tmp_path_factory, timings):
    import time

    start = time.monotonic()
    with Lab(project.parent, tmp_path_factory.mktemp("jupyter-home")) as server:
        timings["start JupyterLab"] = time.monotonic() - start
        yield server


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM=/path/to/chromium); "
                    f"on Debian or Ubuntu: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab of 1280x720 CSS pixels: a 720p projector with the browser full screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    yield tab
    context.close()

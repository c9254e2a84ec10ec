"""Restart & Run All twice gives the same outputs, the stored ones, and every figure it draws.

nbval (in `make test`) already compares one fresh run with the stored outputs; this test
adds two more runs in fresh kernels.  The two fresh runs, made on the same machine with
the same packages, must agree on everything: text, HTML and PNG bytes.  Against the
stored outputs, which may come from other package versions, it compares what nbval
compares, sanitized as nbval does (see tests/notebook_outputs.py), and the images by
number and pixel size: anti-aliasing may differ between matplotlib versions, the
figure's layout may not.
"""

import nbformat
import pytest
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from notebook_outputs import (NOTEBOOK, ROOT, code_cells, compared, figures_shown, missing_figures,
                              png_size, pngs, sanitize_patterns, text_outputs)

pytestmark = pytest.mark.slow  # `make test-all`


class ThisPython(KernelSpecManager):
    """Start every kernel in the Python that runs the tests, whatever other kernels exist."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())


def run_all():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ThisPython())
    NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


@pytest.fixture(scope="module")
def runs():
    return run_all(), run_all()


def test_two_runs_agree_exactly(runs):
    first, second = (code_cells(nb) for nb in runs)
    assert len(first) == len(second)
    for index, (a, b) in enumerate(zip(first, second)):
        assert text_outputs(a) == text_outputs(b), f"code cell {index} differs between two runs"
        assert pngs(a) == pngs(b), f"code cell {index} draws different pixels in two runs"


def test_a_run_matches_the_stored_outputs(runs):
    patterns = sanitize_patterns()
    stored = code_cells(nbformat.read(NOTEBOOK, as_version=4))
    fresh = code_cells(runs[0])
    assert any(cell.outputs for cell in stored), "the notebook stores no outputs"
    assert len(fresh) == len(stored)
    for index, (a, s) in enumerate(zip(fresh, stored)):
        if compared(s):
            assert text_outputs(a, patterns) == text_outputs(s, patterns), (
                f"code cell {index} differs from its stored output (re-run `make execute`)")
        assert [png_size(p) for p in pngs(a)] == [png_size(p) for p in pngs(s)], (
            f"code cell {index}: images differ in number or size from the stored ones")


def test_a_run_shows_every_figure_it_draws(runs):
    nb = runs[0]
    assert sum(figures_shown(cell) for cell in code_cells(nb)) > 0, "no plt.show() call found"
    assert missing_figures(nb) == [], "(code cell, plt.show() calls, images) with a figure missing"

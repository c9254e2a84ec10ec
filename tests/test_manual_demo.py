"""The manual demo (cells tagged `manual-start` and `manual-step`), run as in a live class.

After Run All, each run of the step cell is one more step of the same EM run that
run_em makes, whatever the cells below it did; the step cell shows nothing itself (it
redraws the start cell's figure in place, whose title says when EM has converged); a step
that changes nothing says so; the start cell starts over.  tests/browser/test_lab.py checks the
same in JupyterLab, on screen.
"""

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

# Printed by a probe cell: the demo's step and mean log-likelihood, and run_em's at that step.
PROBE = ("print(demo.step, f'{demo.ll:.17g}', "
         "f'{history[min(demo.step, len(history) - 1)][\"ll\"]:.17g}', len(history) - 1, "
         "demo.converged)")

pytestmark = pytest.mark.slow  # `make test-all`


class Kernel:
    """The notebook after Run All, in a live kernel, with its cells found by tag."""

    def __init__(self, path):
        self.nb = nbformat.read(path, as_version=4)
        tags = [cell.metadata.get("tags", []) for cell in self.nb.cells]
        found = {tag: [i for i, t in enumerate(tags) if tag in t]
                 for tag in ("manual-start", "manual-step")}
        if not all(found.values()):
            pytest.skip(f"{path.name} has no cells tagged manual-start and manual-step")
        self.start, self.step = found["manual-start"][0], found["manual-step"][0]
        self.client = NotebookClient(self.nb, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(path.parent)}})

    def run(self, index):
        self.client.execute_cell(self.nb.cells[index], index)
        return self.nb.cells[index].outputs

    def run_all(self):
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                self.run(index)

    def probe(self):
        """(demo step, demo ll, run_em's ll at that step, run_em's iteration count)."""
        self.nb.cells.append(new_code_cell(PROBE))
        try:
            text = "".join(out.get("text", "") for out in self.run(len(self.nb.cells) - 1))
        finally:
            self.nb.cells.pop()
        step, demo_ll, em_ll, iterations, converged = text.split()
        self.converged = converged == "True"
        return int(step), float(demo_ll), float(em_ll), int(iterations)

    def figure(self):
        """The PNG data of the one figure the start cell shows."""
        outputs = self.nb.cells[self.start].outputs
        assert len(outputs) == 1 and "image/png" in outputs[0]["data"]
        return outputs[0]["data"]["image/png"]


@pytest.fixture(scope="module")
def kernel(notebook_path):
    kernel = Kernel(notebook_path)
    with kernel.client.setup_kernel():
        kernel.run_all()
        yield kernel


def test_after_run_all_the_demo_has_made_one_step(kernel):
    step, demo_ll, em_ll, _ = kernel.probe()
    assert step == 1 and demo_ll == em_ll
    assert kernel.nb.cells[kernel.step].outputs == []


def test_each_run_is_the_next_step_of_run_ems_path(kernel):
    """The cells after the demo (run_em, restarts, BIC) changed pi, mu, sigma and r: the
    demo goes on from its own state, step by step along the path run_em took."""
    for expected in (2, 3):
        before = kernel.figure()
        assert kernel.run(kernel.step) == [], "the step cell should show nothing of its own"
        step, demo_ll, em_ll, _ = kernel.probe()
        assert step == expected and demo_ll == pytest.approx(em_ll, abs=1e-12)
        assert kernel.figure() != before, "the figure was not redrawn"


def test_converged_comes_where_run_em_stopped(kernel):
    *_, iterations = kernel.probe()
    for _ in range(2 * iterations):
        assert kernel.run(kernel.step) == []
        step, demo_ll, em_ll, iterations = kernel.probe()
        if kernel.converged:
            break
    assert step == iterations and demo_ll == pytest.approx(em_ll, abs=1e-12)


def test_a_step_that_changes_nothing_is_told_so(kernel):
    """Results kept in local variables instead of the demo's: the step says so, it does not
    cheer."""
    cell = kernel.nb.cells[kernel.step]
    source = cell.source
    cell.source = source.replace("demo.r = e_step", "r = e_step").replace(
        "demo.pi, demo.mu, demo.sigma = m_step(x, demo.r)", "pi, mu, sigma = m_step(x, r)")
    try:
        with pytest.raises(Exception, match="did not change"):
            kernel.run(kernel.step)
    finally:
        cell.source = source


def test_start_cell_starts_over(kernel):
    kernel.run(kernel.start)
    step, demo_ll, em_ll, _ = kernel.probe()
    assert step == 0 and demo_ll == em_ll
    kernel.run(kernel.step)
    assert kernel.probe()[0] == 1

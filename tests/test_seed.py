"""The course's skeleton (../shared/seed/nb07-em-skeleton.txt) runs with the notebook's functions.

Its cells are run as they are, in order, with the notebook's ll, e_step, m_step and simulate in
place of its stubs, and its two `# ...` gaps filled the way a student fills them: the
initialisation, and one E-step and M-step.  Its own make_plot, then the project's, draw each call.
"""

import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from helpers import load_notebook

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "nb07-em-skeleton.txt"
GAPS = {"# Initialization": "pi, mu, sigma = init_params(x, n_clusters, "
                            "np.random.default_rng(0))\n",
        "# Iterate manually until convergence": "r = e_step(x, pi, mu, sigma)\n"
                                                "pi, mu, sigma = m_step(x, r)\n"}


def seed_cells():
    if not SEED.is_file():
        pytest.skip(f"the course's skeleton is not at {SEED}")
    return [cell.strip("\n") + "\n"
            for cell in SEED.read_text(encoding="utf-8").split("In [None]:")[1:]]


def runnable(cell, stubs):
    """The cell without its stub definitions (a `def` of one of `stubs` and its indented body)."""
    cell = re.sub(rf"^def ({'|'.join(stubs)})\(.*?(?=^\S|\Z)", "", cell, flags=re.M | re.S)
    cell = re.sub(r"^# [A-Z`].*?\n(?=\s*$)", "", cell, flags=re.M)   # markdown that follows a cell
    for heading, code in GAPS.items():
        if cell.startswith(heading):
            lines = cell.splitlines(True)
            at = next(i for i, line in enumerate(lines) if line.strip() == "# ...")
            cell = "".join(lines[:at] + [code] + lines[at + 1:])
    return cell


@pytest.mark.parametrize("plot", ["the seed's make_plot", "helpers.make_plot"])
def test_the_seeds_calls_run_with_the_notebooks_functions(plot, monkeypatch):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(plt, "show", lambda: None)
    nb = load_notebook(ROOT / "nb07_em.ipynb")
    stubs = ["ll", "e_step", "m_step", "simulate"]
    namespace = {name: getattr(nb, name) for name in stubs + ["init_params"]}
    drawn = []
    for cell in seed_cells():
        exec(compile(runnable(cell, stubs), str(SEED), "exec"), namespace)
        if plot == "helpers.make_plot" and "make_plot" in namespace and "def make_plot" in cell:
            import helpers
            namespace["make_plot"] = helpers.make_plot
        drawn += [plt.figure(n) for n in plt.get_fignums()]
        plt.close("all")
    # the data, the start, after a step, simulated
    assert len(drawn) == 4
    x_sim = namespace["simulate"](5000, namespace["pi"], namespace["mu"], namespace["sigma"])
    assert isinstance(x_sim, np.ndarray) and x_sim.shape == (5000, 2)

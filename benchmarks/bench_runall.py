"""How long Restart & Run All of nb07_em.ipynb takes, against the floor of any notebook like it.

Usage:  python benchmarks/bench_runall.py [--repeat N]

Every timing starts a fresh kernel and runs to the end, as a student's Run All does:
  floor    : a one-cell notebook that imports numpy, scipy.stats and matplotlib.pyplot
             and shows one empty figure (what any plotting notebook pays before its own work)
  imports  : the same cell without the figure, importing scipy only (the floor used before;
             it hides the cost of scipy.stats and of the first figure)
  notebook : every cell of nb07_em.ipynb
It prints the median of N runs of each (default 5, taken in turns so that machine noise hits
all three alike) and the notebook's ratio to each; the limit is 2.5 times the floor.
The stored notebook is not modified.
"""

import argparse
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

FLOOR = """\
import numpy as np
import scipy.stats
import matplotlib.pyplot as plt

fig, ax = plt.subplots()
plt.show()"""

IMPORTS = "import numpy\nimport scipy\nimport matplotlib.pyplot as plt"


def run_all(nb):
    """Execute a copy of `nb` in a fresh kernel from the project folder; return wall seconds."""
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    return time.perf_counter() - start


def one_cell(source):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    notebooks = {"floor": one_cell(FLOOR), "imports": one_cell(IMPORTS),
                 "notebook": nbformat.read(ROOT / "nb07_em.ipynb", as_version=4)}
    times = {name: [] for name in notebooks}
    for _ in range(args.repeat):
        for name, nb in notebooks.items():
            times[name].append(run_all(nbformat.from_dict(nb)))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"Run All timing, median of {args.repeat} (fresh kernel each time)")
    print(f"  floor: kernel, numpy, scipy.stats, pyplot, one empty figure : {median['floor']:6.2f} s")
    print(f"  kernel and imports only (numpy, scipy, pyplot)              : {median['imports']:6.2f} s")
    print(f"  Restart & Run All of nb07_em.ipynb                          : {median['notebook']:6.2f} s")
    print(f"  ratio to the floor        : {median['notebook'] / median['floor']:5.2f}  (limit 2.5)")
    print(f"  ratio to kernel + imports : {median['notebook'] / median['imports']:5.2f}")


if __name__ == "__main__":
    main()

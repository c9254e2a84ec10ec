"""How long Restart & Run All of nb07_em.ipynb takes, against merely starting a kernel.

Usage:  python benchmarks/bench_runall.py [--repeat N]

Both timings start a fresh kernel and run to the end, as a student's Run All does:
  baseline : a one-cell notebook importing numpy, scipy and matplotlib.pyplot
  notebook : every cell of nb07_em.ipynb
It prints the median of N runs of each (default 5) and their ratio; the target is a
ratio of about 2 or less.  The stored notebook is not modified.
"""

import argparse
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run_all(nb):
    """Execute a copy of `nb` in a fresh kernel from the project folder; return wall seconds."""
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    baseline_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import numpy\nimport scipy\nimport matplotlib.pyplot as plt")])
    notebook = nbformat.read(ROOT / "nb07_em.ipynb", as_version=4)

    times = {"baseline": [], "notebook": []}
    for _ in range(args.repeat):  # interleaved, so that machine noise hits both alike
        times["baseline"].append(run_all(nbformat.from_dict(baseline_nb)))
        times["notebook"].append(run_all(nbformat.from_dict(notebook)))
    base = statistics.median(times["baseline"])
    full = statistics.median(times["notebook"])
    print(f"Run All timing, median of {args.repeat} (fresh kernel each time)")
    print(f"  kernel start + import numpy, scipy, matplotlib : {base:6.2f} s")
    print(f"  Restart & Run All of nb07_em.ipynb             : {full:6.2f} s")
    print(f"  ratio                                          : {full / base:6.2f}  (target: about 2)")


if __name__ == "__main__":
    main()

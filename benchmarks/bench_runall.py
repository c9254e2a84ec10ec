"""How long Restart & Run All of nb07_em.ipynb takes, against the floor of any notebook like it.

Usage:  python benchmarks/bench_runall.py [--repeat N] [--cells K]

Every timing starts a fresh kernel and runs to the end, as a student's Run All does:
  floor    : a one-cell notebook that imports numpy, scipy.stats and matplotlib.pyplot
             and shows one empty figure (what any plotting notebook pays before its own work)
  notebook : every cell of nb07_em.ipynb
It prints the median of N runs of each (default 5, taken in turns so that machine noise hits
both alike) and the notebook's ratio to the floor; the limit is 3.
With --cells K it also prints the notebook's K slowest code cells (median seconds from
the kernel's execute-input to execute-reply messages, as nbclient records them).
The stored notebook is not modified.
"""

import argparse
import datetime
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


def run_all(nb):
    """Execute `nb` in place in a fresh kernel from the project folder; return wall seconds."""
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    return time.perf_counter() - start


def cell_seconds(nb):
    """{cell index: seconds} for the code cells of an executed notebook."""
    seconds = {}
    for index, cell in enumerate(nb.cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "shell.execute_reply" in stamps:
            start, end = (datetime.datetime.fromisoformat(stamps[key].replace("Z", "+00:00"))
                          for key in ("iopub.execute_input", "shell.execute_reply"))
            seconds[index] = (end - start).total_seconds()
    return seconds


def floor():
    """The floor notebook: one cell of imports and an empty figure."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cells", type=int, default=0, help="also print the K slowest cells")
    args = parser.parse_args()

    notebooks = {"floor": floor(), "notebook": nbformat.read(ROOT / "nb07_em.ipynb", as_version=4)}
    times = {name: [] for name in notebooks}
    per_cell = {}
    for _ in range(args.repeat):
        for name, nb in notebooks.items():
            executed = nbformat.from_dict(nb)
            times[name].append(run_all(executed))
            if name == "notebook":
                for index, seconds in cell_seconds(executed).items():
                    per_cell.setdefault(index, []).append(seconds)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"Run All timing, median of {args.repeat} (fresh kernel each time)")
    print(f"  floor: kernel, numpy, scipy.stats, pyplot, one empty figure : {median['floor']:6.2f} s")
    print(f"  Restart & Run All of nb07_em.ipynb                          : {median['notebook']:6.2f} s")
    print(f"  ratio to the floor: {median['notebook'] / median['floor']:5.2f}  (limit 3)")
    if args.cells:
        cells = notebooks["notebook"].cells
        slowest = sorted(per_cell, key=lambda i: -statistics.median(per_cell[i]))[: args.cells]
        print(f"  slowest cells (median s; all code cells together "
              f"{sum(statistics.median(v) for v in per_cell.values()):.2f} s):")
        for index in slowest:
            first_line = cells[index].source.strip().splitlines()[0][:60]
            print(f"    cell {index:2d}  {statistics.median(per_cell[index]):5.2f}  {first_line}")


if __name__ == "__main__":
    main()

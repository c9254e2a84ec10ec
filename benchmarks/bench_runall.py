"""How long Restart & Run All of nb07_em.ipynb takes, against the floor of any notebook like it,
on an idle machine and beside other work.

Usage:  python benchmarks/bench_runall.py [--repeat N] [--cells K]

Every timing starts a fresh kernel and runs to the end, as a student's Run All does:
  floor    : a one-cell notebook that imports numpy, scipy.stats and matplotlib.pyplot
             and shows one empty figure (what any plotting notebook pays before its own work)
  notebook : every cell of nb07_em.ipynb
First on the machine as it is (run it idle), then beside one busy loop per core
(`python -c "while True: pass"`, as a video call or another kernel would be).  It prints the
median of N runs of each (default 5, floor and notebook taken in turns so that machine noise hits
both alike), the notebook's ratio to the floor (limit 2.5) and busy over idle (limit 2.0: beside
one busy loop per core, a single-threaded program gets half of each core).
With --cells K it also prints the notebook's K slowest code cells (median seconds from
the kernel's execute-input to execute-reply messages, as nbclient records them).
The stored notebook is not modified.
"""

import argparse
import contextlib
import datetime
import os
import statistics
import subprocess
import sys
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


@contextlib.contextmanager
def busy_loops():
    """One busy Python loop per core while the block runs."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
             for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(1)
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def timings(notebooks, repeat, per_cell=None):
    """{name: median wall seconds of Run All}, the notebooks taken in turns."""
    times = {name: [] for name in notebooks}
    for _ in range(repeat):
        for name, nb in notebooks.items():
            executed = nbformat.from_dict(nb)
            times[name].append(run_all(executed))
            if name == "notebook" and per_cell is not None:
                for index, seconds in cell_seconds(executed).items():
                    per_cell.setdefault(index, []).append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cells", type=int, default=0, help="also print the K slowest cells")
    args = parser.parse_args()

    notebooks = {"floor": floor(), "notebook": nbformat.read(ROOT / "nb07_em.ipynb", as_version=4)}
    per_cell = {}
    idle = timings(notebooks, args.repeat, per_cell)
    with busy_loops():
        busy = timings(notebooks, args.repeat)
    print(f"Run All timing, median of {args.repeat} "
          f"(fresh kernel each time; {os.cpu_count()} cores)")
    print(f"{'':58}{'idle':>8}{'busy':>8}")
    print(f"  floor: kernel, numpy, scipy.stats, pyplot, one empty figure"
          f"{idle['floor']:6.2f} s{busy['floor']:6.2f} s")
    print(f"  Restart & Run All of nb07_em.ipynb{'':24}"
          f"{idle['notebook']:6.2f} s{busy['notebook']:6.2f} s")
    print(f"  notebook / floor, idle: {idle['notebook'] / idle['floor']:5.2f}  (limit 2.5)")
    print(f"  notebook busy / idle  : {busy['notebook'] / idle['notebook']:5.2f}  (limit 2.0; "
          f"one busy loop per core)")
    if args.cells:
        cells = notebooks["notebook"].cells
        slowest = sorted(per_cell, key=lambda i: -statistics.median(per_cell[i]))[: args.cells]
        print(f"  slowest cells, idle (median s; all code cells together "
              f"{sum(statistics.median(v) for v in per_cell.values()):.2f} s):")
        for index in slowest:
            first_line = cells[index].source.strip().splitlines()[0][:60]
            print(f"    cell {index:2d}  {statistics.median(per_cell[index]):5.2f}  {first_line}")


if __name__ == "__main__":
    main()

"""How long `make test` takes, on an idle machine and beside one busy loop per core, in one run.

Usage:  python benchmarks/bench_test.py [--slowest K]

Runs `make test` twice from the project folder (`.venv` must exist: run `make test` once first):
first on the machine as it is (run it idle), then beside one `python -c "while True: pass"` per
core.  Prints the wall seconds of each, and the K slowest tests of the idle run (pytest's
--durations, passed through PYTEST_ADDOPTS), so that what dominates can be seen.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench_runall import busy_loops  # benchmarks/, beside this file

ROOT = Path(__file__).resolve().parents[1]


def make_test(slowest):
    """Run `make test`; return (wall seconds, its output)."""
    env = dict(os.environ, PYTEST_ADDOPTS=f"--durations={slowest} --durations-min=1")
    start = time.perf_counter()
    done = subprocess.run(["make", "--no-print-directory", "test"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"make test failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slowest", type=int, default=12)
    args = parser.parse_args()
    idle, output = make_test(args.slowest)
    with busy_loops():
        busy, _ = make_test(args.slowest)
    summary = [line.strip("= ") for line in output.splitlines() if " passed" in line][-1]
    print(f"make test ({os.cpu_count()} cores): {summary}")
    print(f"  idle: {idle:6.1f} s   (limit 120 s)")
    print(f"  busy: {busy:6.1f} s   (limit 180 s; one busy loop per core)")
    print(f"  the {args.slowest} slowest tests, idle (s, phase, test):")
    durations = re.findall(r"^(\d+\.\d+)s (setup|call|teardown)\s+(.+)$", output, re.M)
    for seconds, phase, test in durations[:args.slowest]:
        print(f"    {float(seconds):6.2f}  {phase:<8} {test[:110]}")


if __name__ == "__main__":
    main()

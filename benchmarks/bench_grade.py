"""How long `make grade` takes on one submission, and nbgrader's autograde on the same file.

Usage:  python benchmarks/bench_grade.py [--repeat N]

The submissions are planted ones (tests/planted): the solution, the textbook answer (scipy's
densities, slower) and the untouched student edition, filled into nbgrader's release of
nb07_em.ipynb.  Each is graded N times (default 3) by `python scripts/grade.py FILE`, timed
from the command line as a user runs it (fresh process, fresh kernel, every cell), and once
by `nbgrader autograde` in a course folder of its own.  It prints the median and the slowest
run; the target is at most 60 s per submission.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "planted"))
import course  # noqa: E402
from submissions import build  # noqa: E402

NAMES = ["solution", "textbook", "stub"]


def timed(command, **kwargs):
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        tmp = Path(tmp)
        release = course.build_course(tmp / "release-course")
        released = nbformat.read(release, as_version=4)
        solution = nbformat.read(ROOT / "nb07_em.ipynb", as_version=4)
        paths = {}
        for name in NAMES:
            paths[name] = tmp / f"{name}.ipynb"
            nbformat.write(build(name, released, solution), paths[name])

        print(f"{'submission':<12}{'make grade: median':>20}{'slowest':>10}{'nbgrader autograde':>20}")
        for name in NAMES:
            grade = [timed([sys.executable, str(ROOT / "scripts" / "grade.py"), str(paths[name])])
                     for _ in range(args.repeat)]
            folder = tmp / f"course-{name}"
            course.build_course(folder)
            course.submit(folder, name, paths[name])
            autograde = timed([Path(sys.executable).parent / "nbgrader", "autograde", "nb07"],
                              cwd=folder, env=course.environment())
            print(f"{name:<12}{statistics.median(grade):>19.1f}s{max(grade):>9.1f}s{autograde:>19.1f}s")


if __name__ == "__main__":
    main()

"""How long real nbgrader takes to grade a class, per submission, against the floor.

Usage:  python benchmarks/bench_grade.py [--students 40]

A class of submissions made as students make them (instructor/submissions.py: the notebook's
answers, the textbook answers, every planted slip of the check modules, the untouched edition, in
turn) is autograded by `nbgrader autograde` in one course folder, as instructor/course.py sets it
up.
Printed: seconds per submission, and the floor: a fresh kernel that imports numpy, scipy.stats
and pyplot and shows one figure (what running any notebook costs at least); then the same class
graded again without the wall (GRADE_TRUSTED=1), for what the isolation costs.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
from bench_runall import floor, run_all      # benchmarks/, beside this file
from instructor import course
from instructor.submissions import bodies, notebook, slips


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    args = parser.parse_args()
    answers = [bodies(), bodies("textbook"), {}] + [s[1] for s in slips()]
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as folder:
        where = Path(folder) / "course"
        released = nbformat.read(course.build_course(where), as_version=4)
        for i in range(args.students):
            path = Path(folder) / f"student{i:03d}.ipynb"
            nbformat.write(notebook(released, answers[i % len(answers)]), path)
            course.submit(where, path.stem, path)
        per = {}
        # GRADE_TRUSTED=1: the same, without the wall
        for wall in (True, False):
            os.environ["GRADE_TRUSTED"] = "" if wall else "1"
            start = time.monotonic()
            course.nbgrader(where, "autograde", course.ASSIGNMENT, "--force", check=False)
            per[wall] = (time.monotonic() - start) / args.students
        del os.environ["GRADE_TRUSTED"]
    base = min(run_all(floor()) for _ in range(3))
    print(f"nbgrader autograde: {per[True]:.2f} s per submission ({args.students} submissions); "
          f"floor {base:.2f} s; ratio {per[True] / base:.2f}")
    print(f"the wall (bubblewrap, seccomp) costs {per[True] - per[False]:.2f} s per submission "
          f"({per[False]:.2f} s without it)")


if __name__ == "__main__":
    main()

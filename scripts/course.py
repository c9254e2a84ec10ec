"""Build an nbgrader course folder for nb07, release the assignment, autograde and give feedback.

Usage:  python scripts/course.py [--course build/course] [SUBMISSION.ipynb ...]
        (or: make course)

Steps, each one nbgrader command with its default settings, run inside the course folder:

1. A fresh course folder: `nbgrader_config.py` (the course id), and `source/nb07/` holding the
   solution notebook `nb07_em.ipynb` with the `data/` and `helpers/` folders it opens.
2. `nbgrader generate_assignment nb07` writes the student edition to `release/nb07/`, with
   the data and helpers beside it, and records the graded cells in `gradebook.db`.
3. Each submission is copied to `submitted/<student>/nb07/nb07_em.ipynb`, the student being
   the file's name without `.ipynb`.  Without submissions, the solution itself is submitted
   as student `solution`.
4. `nbgrader autograde nb07` runs every submission and `nbgrader generate_feedback nb07`
   writes `feedback/<student>/nb07/nb07_em.html`.
5. The points per function, read from the gradebook, are printed for each student.

nbgrader's commands come from this Python's environment (its `bin/` first on PATH, which its
database migrations need), and they run the kernel "python3" of that environment.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grade import ASSIGNMENT_FILES, PARTS, ROOT, SOURCE, report

COURSE = ROOT / "build" / "course"
COURSE_ID = "nb07-em"
ASSIGNMENT = "nb07"
NOTEBOOK = "nb07_em"


def environment():
    """The environment for nbgrader: this venv's bin/ first, and its Jupyter kernels found first."""
    bin_dir = Path(sys.executable).parent                    # not resolved: the venv's own bin/
    jupyter = Path(sys.prefix) / "share" / "jupyter"
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "JUPYTER_PATH": f"{jupyter}{os.pathsep}{os.environ.get('JUPYTER_PATH', '')}".rstrip(os.pathsep)}


def nbgrader(course, *args):
    """Run `nbgrader ARGS` in the course folder; its log goes to logs/<command>.log."""
    log = Path(course) / "logs" / f"{args[0]}.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as out:
        done = subprocess.run([Path(sys.executable).parent / "nbgrader", *args], cwd=course,
                              env=environment(), stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = "".join(log.read_text().splitlines(True)[-15:])
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {done.returncode}); "
                           f"end of {log}:\n{tail}")


def build_course(course=COURSE, solution=SOURCE):
    """Steps 1 and 2: a fresh course folder with the assignment released.  Returns the release."""
    course = Path(course)
    if course.exists():
        shutil.rmtree(course)
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f'c = get_config()\nc.CourseDirectory.course_id = "{COURSE_ID}"\n')
    shutil.copy(solution, source / f"{NOTEBOOK}.ipynb")
    for name in ASSIGNMENT_FILES:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    return course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def submit(course, student, notebook):
    """Step 3: place `notebook` as the submission of `student`."""
    folder = Path(course) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, folder / f"{NOTEBOOK}.ipynb")


def autograde(course):
    """Step 4: autograde every submission, then write the feedback."""
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")


def points(course):
    """Step 5: student -> list of rows as scripts/grade.py gives them (grade_id, function, part,
    score, points), read from the gradebook."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in gb.students:
            rows = []
            for grade in gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student.id).grades:
                name, _, part = grade.name.rpartition("_")
                if part in PARTS:                            # the autograded checks; not q1..q6
                    rows.append({"grade_id": grade.name, "function": name, "part": part,
                                 "score": grade.score, "points": grade.max_score,
                                 "message": None, "root_cause": None})
            result[student.id] = rows
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="*", help="notebooks to grade (default: the solution)")
    parser.add_argument("--course", default=str(COURSE), help="the course folder (default: %(default)s)")
    parser.add_argument("--solution", default=str(SOURCE), help="the solution notebook (default: %(default)s)")
    args = parser.parse_args(argv)
    submissions = {Path(path).stem: path for path in args.submissions} or {"solution": args.solution}
    if len(submissions) != len(args.submissions or [None]):
        sys.exit("course: two submissions have the same file name; student ids must differ")
    release = build_course(args.course, args.solution)
    print(f"released: {release}")
    for student, path in submissions.items():
        submit(args.course, student, path)
    autograde(args.course)
    for student, rows in points(args.course).items():
        print(f"\n{student}: {Path(args.course) / 'feedback' / student / ASSIGNMENT / NOTEBOOK}.html")
        print(report(rows, []))


if __name__ == "__main__":
    main()

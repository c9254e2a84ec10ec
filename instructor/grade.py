"""Grade one submission with nbgrader and print the points per function, with the reason for each
loss.

Usage:  python -m instructor.grade SUBMISSION.ipynb      (or: make grade NOTEBOOK=SUBMISSION.ipynb)
        python -m instructor.grade --points              the points of each check, from the notebook

A throwaway nbgrader course (instructor/course.py) grades the submission; the table comes from
nbgrader's gradebook, each reason from the check cell's output.  Answers that use names an honest
answer never needs (files, other programs, the checker's internals) are listed for reading by hand.
"""

import sys
import tempfile
from pathlib import Path

import nbformat

from instructor import course
from instructor.report import reading, report


def readable(notebook):
    """Raise FileNotFoundError, or ValueError saying why, unless `notebook` is a valid notebook."""
    try:
        nbformat.validate(nbformat.read(notebook, as_version=4))
    except FileNotFoundError:
        raise
    # nbformat raises many kinds for many bad files
    except Exception as err:
        detail = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValueError(f"{notebook} is not a valid Jupyter notebook: {detail}") from None


def grade(notebook):
    """(rows, notes) for one submission, graded by nbgrader in a throwaway course folder."""
    readable(notebook)
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        where = Path(folder) / "course"
        release = course.grading_course(where)
        notes = course.submit(where, "submission", notebook)
        course.autograde(where, ["submission"], feedback=False)
        missing = course.ungraded(where, ["submission"])
        if missing:
            raise ValueError(f"nbgrader could not grade {notebook}: {missing['submission']}")
        return course.points(where)["submission"], [*notes, *reading(notebook, release)]


def main(argv=None):
    args = argv if argv is not None else sys.argv[1:]
    if args == ["--points"]:
        from helpers.checks import graded_parts
        return print(report([{"function": n, "part": p, "points": points, "score": None}
                             for n, p, points in graded_parts()]))
    if len(args) != 1:
        sys.exit("usage: python -m instructor.grade SUBMISSION.ipynb")
    from instructor import sandbox
    try:
        readable(args[0])                    # a wrong file is said first, wall or no wall
        sandbox.check_wall()
        print(report(*grade(args[0])))
    except sandbox.NoWall as err:
        sys.exit(f"grade: {err}")
    except FileNotFoundError as err:
        sys.exit(f"grade: no such file: {err.filename}")
    except ValueError as err:
        sys.exit(f"grade: {err}")


if __name__ == "__main__":
    main()

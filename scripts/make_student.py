"""Write the student edition of the solution notebook: exactly what nbgrader releases.

Usage:  python scripts/make_student.py SOLUTION.ipynb STUDENT.ipynb   (or: make student)

The release of a throwaway course (scripts/course.py, `nbgrader generate_assignment` with its
default settings) is copied: the notebook to STUDENT.ipynb, its `data/` and `helpers/` beside it.
"""

import shutil
import sys
import tempfile
from pathlib import Path

from course import build_course


def make_student(solution, student):
    student = Path(student)
    with tempfile.TemporaryDirectory(prefix="student-") as folder:
        release = build_course(Path(folder) / "course", solution)
        shutil.copytree(release.parent, student.parent, ignore=shutil.ignore_patterns(release.name), dirs_exist_ok=True)
        shutil.copyfile(release, student)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    make_student(sys.argv[1], sys.argv[2])
    print(f"wrote {sys.argv[2]}, with data/ and helpers/ beside it")

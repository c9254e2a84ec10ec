"""Write the student edition of the solution notebook: exactly what nbgrader releases.

Usage:  python scripts/make_student.py SOLUTION.ipynb STUDENT.ipynb
        (or: make student, which writes build/student/nb07_em.ipynb)

Runs `nbgrader generate_assignment` with its default settings in a temporary course folder
(see scripts/course.py) and copies the released assignment: the notebook to STUDENT.ipynb,
and the `data/` and `helpers/` folders it opens beside it.  In the released notebook each
region between `### BEGIN SOLUTION` and `### END SOLUTION` is `# YOUR CODE HERE` /
`raise NotImplementedError()`, each model answer is `YOUR ANSWER HERE`, the hidden tests
are gone, outputs are cleared and the check cells are locked.
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
        student.parent.mkdir(parents=True, exist_ok=True)
        for item in release.parent.iterdir():
            target = student if item == release else student.parent / item.name
            if item.is_dir():
                shutil.copytree(item, target, dirs_exist_ok=True)
            else:
                shutil.copyfile(item, target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    make_student(sys.argv[1], sys.argv[2])
    print(f"wrote {sys.argv[2]}, with data/ and helpers/ beside it")

"""An nbgrader course for nb07: release the assignment, autograde, give feedback; print the points.

Usage:  python scripts/course.py [--course build/course] [SUBMISSION.ipynb ...]
        (or: make course SUBMISSIONS="a.ipynb b.ipynb"; without submissions the solution is graded)

Each step is an nbgrader command, run in the course folder:

1. A fresh course folder: `nbgrader_config.py` and `source/nb07/` with the solution notebook
   and the `data/` and `helpers/` folders it opens.
2. `nbgrader generate_assignment nb07`: the student edition in `release/nb07/`, the graded cells
   and their points (from the notebook's metadata) in `gradebook.db`; its helpers/checks/ then
   made public (scripts/public_checks.py: no hidden case, no reference version).
3. Each submission goes to `submitted/<student>/nb07/nb07_em.ipynb` (the student id is the file
   name without `.ipynb`).
4. `nbgrader autograde nb07`, then `nbgrader generate_feedback nb07`.

The config replaces nbgrader's Execute step by `GradeChecks`: a submission is not run; its check
cells get the verdicts of scripts/sandbox.py, which checks its functions in a separate process
(see docs/grading.md).  Everything else is nbgrader's own: it restores the locked cells, scores
each check cell by its output, writes the gradebook and the feedback.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

import sandbox

sys.path.insert(0, str(sandbox.ROOT))                        # the project's helpers
from public_checks import publish

ROOT = sandbox.ROOT
COURSE = ROOT / "build" / "course"
COURSE_ID = "nb07-em"
ASSIGNMENT = "nb07"
NOTEBOOK = "nb07_em"
RELEASED = ["data", "helpers"]                               # what the notebook opens beside itself
CONFIG = f'''import sys
sys.path.insert(0, {str(ROOT / "scripts")!r})
from course import GradeChecks
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, LimitOutput, SaveAutoGrades

c = get_config()
c.CourseDirectory.course_id = "{COURSE_ID}"
# nbgrader's autograde steps, with its Execute step replaced: the check cells get their verdicts
# from scripts/sandbox.py, which never runs the submission's notebook.
c.Autograde.autograde_preprocessors = [GradeChecks, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata]
# The feedback page: formulas in MathML, as in the handout (no MathJax from the web)
from export_html import markdown_to_html
c.HTMLExporter.filters = {{"markdown2html": markdown_to_html}}
'''


class GradeChecks(Preprocessor):
    """nbgrader's Execute step replaced: each check cell gets its verdict from sandbox.grade."""

    enabled = Bool(True)                                     # nbconvert's preprocessors start disabled

    def preprocess(self, nb, resources):
        return sandbox.write_verdicts(nb, sandbox.grade(nb)), resources


def environment():
    """This venv's bin/ first on PATH (nbgrader's migrations call alembic), its kernels found first."""
    bin_dir = Path(sys.executable).parent
    jupyter = Path(sys.prefix) / "share" / "jupyter"
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "JUPYTER_PATH": f"{jupyter}{os.pathsep}{os.environ.get('JUPYTER_PATH', '')}".rstrip(os.pathsep)}


def nbgrader(course, *args, check=True):
    """Run `nbgrader ARGS` in the course folder; its log goes to logs/<command>.log.  -> exit code."""
    log = Path(course) / "logs" / f"{args[0]}.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as out:
        code = subprocess.run([Path(sys.executable).parent / "nbgrader", *args], cwd=course, env=environment(),
                              stdout=out, stderr=subprocess.STDOUT).returncode
    if code and check:
        tail = "".join(log.read_text().splitlines(True)[-15:])
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {code}); end of {log}:\n{tail}")
    return code


def build_course(course=COURSE, solution=ROOT / "nb07_em.ipynb"):
    """Steps 1 and 2: a fresh course folder with the assignment released.  Returns the release."""
    course = Path(course)
    if course.exists():
        shutil.rmtree(course)
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG)
    shutil.copy(solution, source / f"{NOTEBOOK}.ipynb")
    for name in RELEASED:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    publish(course / "release" / ASSIGNMENT)                # no hidden case, no reference version
    return course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def submit(course, student, notebook):
    """Step 3: place `notebook` as the submission of `student`."""
    folder = Path(course) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, folder / f"{NOTEBOOK}.ipynb")


WRAP = "<style>.output_error pre, .output_stream pre { white-space: pre-wrap; }</style>"


def autograde(course):
    """Step 4.  A submission nbgrader cannot read is logged and scored 0; the others are graded.
    Each feedback page wraps the checks' long lines."""
    nbgrader(course, "autograde", ASSIGNMENT, "--force", check=False)
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force", check=False)
    for page in Path(course, "feedback").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}.html"):
        page.write_text(page.read_text(encoding="utf-8").replace("</head>", WRAP + "</head>", 1), encoding="utf-8")


def points(course):
    """student -> [row] read from the gradebook and the autograded notebook: grade_id, function, part,
    score, points, and the check's message."""
    import nbformat
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in gb.students:
            path = Path(course) / "autograded" / student.id / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
            messages = {}
            if path.exists():
                graded = nbformat.read(path, as_version=4)
                marks = [o.get("metadata", {}).get("graded_by") for c in graded.cells for o in c.get("outputs", [])
                         if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
                if not marks or set(marks) != {"scripts/sandbox.py"}:
                    raise RuntimeError(f"{path} was not graded by scripts/sandbox.py: nbgrader did not load "
                                       f"{Path(course) / 'nbgrader_config.py'} (see logs/autograde.log)")
                for cell in graded.cells:
                    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                    for output in cell.get("outputs", []):
                        messages[grade_id] = output.get("evalue") or output.get("text", "").strip()
            rows = []
            for grade in gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student.id).grades:
                name, _, part = grade.name.rpartition("_")
                if part in ("correctness", "robustness"):    # the autograded checks; not q1..q6
                    rows.append({"grade_id": grade.name, "function": name, "part": part, "score": grade.score,
                                 "points": grade.max_score,
                                 "message": messages.get(grade.name, "not graded: nbgrader could not read it")})
            result[student.id] = rows
    return result


def main(argv=None):
    from grade import report
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="*", help="notebooks to grade (default: the solution)")
    parser.add_argument("--course", default=str(COURSE), help="the course folder (default: %(default)s)")
    args = parser.parse_args(argv)
    submissions = {Path(p).stem: p for p in args.submissions} or {"solution": ROOT / "nb07_em.ipynb"}
    if len(submissions) != len(args.submissions or [None]):
        sys.exit("course: two submissions have the same file name; student ids must differ")
    print(f"released: {build_course(args.course)}")
    for student, path in submissions.items():
        submit(args.course, student, path)
    autograde(args.course)
    for student, rows in points(args.course).items():
        print(f"\n{student}: {Path(args.course) / 'feedback' / student / ASSIGNMENT / NOTEBOOK}.html")
        print(report(rows))


if __name__ == "__main__":
    main()

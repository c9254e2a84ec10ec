"""An nbgrader course for nb07: release the assignment, autograde, give feedback; print the points.

Usage:  python scripts/course.py [--course build/course] [SUBMISSION.ipynb ...]
        (or: make course SUBMISSIONS="a.ipynb b.ipynb"; without submissions the solution is graded)
        python scripts/course.py --student STUDENT.ipynb    (or: make student)
        writes only the student edition: nbgrader's release, data/ and helpers/ beside the notebook

Each step is an nbgrader command in the course folder; the config replaces autograde's Execute step
by `GradeChecks` (scripts/sandbox.py: the submission never runs).  The rest is nbgrader's own.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

import sandbox

ROOT = sandbox.ROOT
sys.path.insert(0, str(ROOT))                                # the project's helpers
from public_checks import publish  # noqa: E402

COURSE = ROOT / "build" / "course"
COURSE_ID = "nb07-em"
ASSIGNMENT = "nb07"
NOTEBOOK = "nb07_em"
RELEASED = ["data", "helpers"]                               # what the notebook opens beside itself
CONFIG = '''import sys
sys.path.insert(0, {scripts!r})
from course import GradeChecks
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, LimitOutput, SaveAutoGrades

c = get_config()
c.CourseDirectory.course_id = "{course_id}"
c.GradeChecks.release = {release!r}          # what the grading worker sees: the student edition
# nbgrader's autograde steps, with its Execute step replaced: the check cells get their verdicts
# from scripts/sandbox.py, which never runs the submission's notebook.
c.Autograde.autograde_preprocessors = [GradeChecks, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata]
# The feedback page: formulas in MathML, as in the handout (no MathJax from the web)
from export_html import markdown_to_html
c.HTMLExporter.filters = {{"markdown2html": markdown_to_html}}
'''
# Each feedback page wraps the checks' long lines.
WRAP = "<style>.output_error pre, .output_stream pre { white-space: pre-wrap; }</style>"


class GradeChecks(Preprocessor):
    """nbgrader's Execute step replaced: each check cell gets its verdict from sandbox.grade."""

    enabled = Bool(True)                                     # nbconvert's preprocessors start disabled
    release = Unicode(help="the released assignment's folder: its helpers/ and data/").tag(config=True)

    def preprocess(self, nb, resources):
        return sandbox.write_verdicts(nb, sandbox.grade(nb, self.release)), resources


def nbgrader(course, *args, check=True):
    """Run `nbgrader ARGS` in the course folder, its log in logs/<command>.log -> exit code.

    This venv's bin/ comes first on PATH: nbgrader's migrations call alembic.  No step starts a kernel."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = Path(course) / "logs" / f"{args[0]}.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as out:
        code = subprocess.run([bin_dir / "nbgrader", *args], cwd=course, env=env, stdout=out,
                              stderr=subprocess.STDOUT).returncode
    if code and check:
        tail = "".join(log.read_text().splitlines(True)[-15:])
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {code}); end of {log}:\n{tail}")
    return code


def build_course(course=COURSE, solution=ROOT / "nb07_em.ipynb", record=True):
    """A fresh course folder with the assignment released and its checks made public -> the release.
    Without `record`, the released checks cannot run (grading, which never runs them, is faster)."""
    course = Path(course).resolve()
    shutil.rmtree(course, ignore_errors=True)
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(
        scripts=str(ROOT / "scripts"), course_id=COURSE_ID, release=str(course / "release" / ASSIGNMENT)))
    shutil.copy(solution, source / f"{NOTEBOOK}.ipynb")
    for name in RELEASED:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    publish(course / "release" / ASSIGNMENT, record)        # no hidden case, no reference version
    return course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def make_student(student, solution=ROOT / "nb07_em.ipynb"):
    """Copy a throwaway course's release: the notebook to `student`, its data/ and helpers/ beside it."""
    with tempfile.TemporaryDirectory(prefix="student-") as folder:
        release = build_course(Path(folder) / "course", solution)
        shutil.copytree(release.parent, Path(student).parent, ignore=shutil.ignore_patterns(release.name),
                        dirs_exist_ok=True)
        shutil.copyfile(release, student)


def submit(course, student, notebook):
    folder = Path(course) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, folder / f"{NOTEBOOK}.ipynb")


def autograde(course):
    """Autograde and write the feedback.  A submission nbgrader cannot read is logged and scored 0."""
    nbgrader(course, "autograde", ASSIGNMENT, "--force", check=False)
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force", check=False)
    for page in Path(course, "feedback").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}.html"):
        page.write_text(page.read_text(encoding="utf-8").replace("</head>", WRAP + "</head>", 1), encoding="utf-8")


def points(course):
    """student -> [{grade_id, function, part, score, points, message}]: the gradebook's scores, each
    message from the check cell's output in the autograded notebook."""
    import nbformat
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in gb.students:
            path = Path(course) / "autograded" / student.id / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
            cells = nbformat.read(path, as_version=4).cells if path.exists() else []
            outputs = [(cell.metadata.nbgrader.grade_id, output) for cell in cells for output in cell.get("outputs", [])
                       if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")]
            if path.exists() and {o.get("metadata", {}).get("graded_by") for _, o in outputs} != {"scripts/sandbox.py"}:
                raise RuntimeError(f"{path} was not graded by scripts/sandbox.py: nbgrader did not load "
                                   f"{Path(course) / 'nbgrader_config.py'} (see logs/autograde.log)")
            messages = {grade_id: o.get("evalue") or o.get("text", "").strip() for grade_id, o in outputs}
            result[student.id] = [
                {"grade_id": g.name, "function": g.name.rpartition("_")[0], "part": g.name.rpartition("_")[2],
                 "score": g.score, "points": g.max_score,
                 "message": messages.get(g.name, "not graded: nbgrader could not read it")}
                for g in gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student.id).grades
                if g.name.endswith(("_correctness", "_robustness"))]     # the autograded checks; not q1..q6
    return result


def main(argv=None):
    from grade import report
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="*", help="notebooks to grade (default: the solution)")
    parser.add_argument("--course", default=str(COURSE), help="the course folder (default: %(default)s)")
    parser.add_argument("--student", metavar="NOTEBOOK", help="only write the student edition there")
    args = parser.parse_args(argv)
    if args.student:
        make_student(args.student)
        return print(f"wrote {args.student}, with data/ and helpers/ beside it")
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

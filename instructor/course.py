"""An nbgrader course for nb07: release the assignment, autograde, give feedback; print the points.

Usage:  python -m instructor.course [--course build/course] [SUBMISSION.ipynb ...]
        (or: make course SUBMISSIONS="a.ipynb b.ipynb"; without submissions the solution is graded)
        python -m instructor.course --student STUDENT.ipynb    (or: make student)
        writes only the student edition: nbgrader's release, data/ and helpers/ beside the notebook

Each step is an nbgrader command in the course folder; the config replaces autograde's Execute step
by `GradeChecks` (instructor/sandbox.py: the submission runs behind a wall).  The rest is nbgrader's
own.
"""

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from instructor import sandbox

ROOT = sandbox.ROOT
from instructor.public_checks import publish
from instructor.report import reading, report

COURSE = ROOT / "build" / "course"
COURSE_ID = "nb07-em"
ASSIGNMENT = "nb07"
NOTEBOOK = "nb07_em"
# what the notebook opens beside itself
RELEASED = ["data", "helpers"]
CONFIG = '''from instructor.course import GradeChecks
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, LimitOutput,
                                    SaveAutoGrades)

c = get_config()
c.CourseDirectory.course_id = "{course_id}"
c.GradeChecks.release = {release!r}          # what the grading worker sees: the student edition
# nbgrader's autograde steps, with its Execute step replaced: the check cells get their verdicts
# from instructor/sandbox.py, which runs the submission's cells behind a wall.
c.Autograde.autograde_preprocessors = [GradeChecks, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
# The feedback page: formulas in MathML, as in the handout (no MathJax from the web)
from instructor.export_html import markdown_to_html
c.HTMLExporter.filters = {{"markdown2html": markdown_to_html}}
'''
# Each feedback page wraps the checks' long lines.
WRAP = "<style>.output_error pre, .output_stream pre { white-space: pre-wrap; }</style>"


class GradeChecks(Preprocessor):
    """nbgrader's Execute step replaced: each check cell gets its verdict from sandbox.grade."""

    # nbconvert's preprocessors start disabled
    enabled = Bool(True)
    release = Unicode(
        help="the released assignment's folder: its helpers/ and data/").tag(config=True)

    def preprocess(self, nb, resources):
        return sandbox.write_verdicts(nb, sandbox.grade(nb, self.release)), resources


def nbgrader(course, *args, check=True, log=None):
    """Run `nbgrader ARGS` in the course folder, its log in logs/<log or command>.log -> exit code.

    This venv's bin/ comes first on PATH: nbgrader's migrations call alembic.  No step starts a
    kernel."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = Path(course) / "logs" / f"{log or args[0]}.log"
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
    configure(course)
    shutil.copy(solution, source / f"{NOTEBOOK}.ipynb")
    for name in RELEASED:
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    publish(course / "release" / ASSIGNMENT, record)        # no hidden case, no reference version
    return course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def configure(course):
    (Path(course) / "nbgrader_config.py").write_text(CONFIG.format(
        course_id=COURSE_ID, release=str(Path(course) / "release" / ASSIGNMENT)))


def grading_course(course):
    """A course folder like build_course(course, record=False)'s, copied from build/grading/ when
    the notebook, helpers/, data/ and the scripts that build it have not changed since it was
    built."""
    import hashlib
    files = sorted(p for folder in ("helpers", "data") for p in (ROOT / folder).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    files += [ROOT / "nb07_em.ipynb",
              *(ROOT / "instructor" / f for f in ("course.py", "public_checks.py"))]
    key = hashlib.sha256(b"".join(p.relative_to(ROOT).as_posix().encode() + p.read_bytes()
                                  for p in files))
    cached = ROOT / "build" / "grading" / key.hexdigest()[:16]
    if not cached.exists():
        for old in cached.parent.glob("*"):                          # built from older files
            shutil.rmtree(old, ignore_errors=True)
        cached.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=cached.parent))
        build_course(building / "course", record=False)
        # another grader built it meanwhile
        with contextlib.suppress(OSError):
            os.replace(building / "course", cached)
        shutil.rmtree(building, ignore_errors=True)
    course = Path(course).resolve()
    shutil.copytree(cached, course)
    configure(course)
    return course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def make_student(student, solution=ROOT / "nb07_em.ipynb"):
    """Copy a throwaway course's release: the notebook to `student`, its data/ and helpers/ beside
    it."""
    with tempfile.TemporaryDirectory(prefix="student-") as folder:
        release = build_course(Path(folder) / "course", solution)
        shutil.copytree(release.parent, Path(student).parent,
                        ignore=shutil.ignore_patterns(release.name), dirs_exist_ok=True)
        shutil.copyfile(release, student)


def submit(course, student, notebook):
    """Put a submission in the course -> notes for its feedback.  A cell copied with its nbgrader
    metadata (JupyterLab's copy and paste: a grade id seen before) stays as ordinary code, and the
    note says so; nbgrader would refuse the whole notebook."""
    import nbformat
    folder = Path(course) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:                                         # nbgrader says what is wrong with it
        shutil.copy(notebook, folder / f"{NOTEBOOK}.ipynb")
        return []
    seen, notes = set(), []
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id is not None and grade_id in seen:
            del cell.metadata["nbgrader"]
            notes.append(f"cell {index} is a copy of cell {grade_id!r} "
                         "(the same nbgrader grade id): it was run "
                         "as ordinary code, in its place (a later definition wins), "
                         "and it earns no points")
        seen.add(grade_id)
    if notes:
        note = nbformat.v4.new_markdown_cell("**Grading note.** " + " ".join(notes))
        if nb.nbformat_minor < 5:
            del note["id"]
        nb.cells.insert(0, note)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    return notes


def autograde(course, students=(), feedback=True):
    """Autograde and write the feedback.  Students nbgrader did not grade with the others (a
    notebook it cannot read stops its run) are graded again one by one; `ungraded` says who is
    left."""
    nbgrader(course, "autograde", ASSIGNMENT, "--force", check=False)
    for student in ungraded(course, students):
        nbgrader(course, "autograde", ASSIGNMENT, "--force", "--student", student, check=False,
                 log=f"autograde-{student}")
    if not feedback:
        return
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force", check=False)
    for page in Path(course, "feedback").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}.html"):
        page.write_text(page.read_text(encoding="utf-8").replace("</head>", WRAP + "</head>", 1),
                        encoding="utf-8")


def ungraded(course, students):
    """{student: why} of the students whose notebook was not graded by instructor/sandbox.py."""
    import nbformat
    missing = {}
    for student in students:
        path = Path(course) / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        outputs = [o.get("metadata", {}).get("graded_by") for cell in
                   (nbformat.read(path, as_version=4).cells if path.exists() else [])
                   for o in cell.get("outputs", [])
                   if cell.get("metadata", {}).get("nbgrader", {}).get("grade")]
        if not outputs or set(outputs) != {"instructor/sandbox.py"}:
            log = Path(course) / "logs" / f"autograde-{student}.log"
            errors = [line.strip()
                      for line in (log.read_text().splitlines() if log.exists() else [])
                      if "[ERROR]" in line or "Error" in line]
            missing[student] = errors[-1][:300] if errors else \
                ("nbgrader did not grade it with instructor/sandbox.py "
                 f"(see {Path(course) / 'logs'})")
    return missing


def points(course):
    """student -> [{grade_id, function, part, score, points, message}]: the gradebook's scores, each
    message from the check cell's output in the autograded notebook."""
    import nbformat
    from nbgrader.api import Gradebook

    from helpers.checks import exercise_part
    result = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in gb.students:
            path = Path(course) / "autograded" / student.id / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
            if ungraded(course, [student.id]):
                continue
            cells = nbformat.read(path, as_version=4).cells
            messages = {cell.metadata.nbgrader.grade_id:
                        o.get("evalue") or o.get("text", "").strip()
                        for cell in cells for o in cell.get("outputs", [])
                        if cell.cell_type == "code"
                        and cell.metadata.get("nbgrader", {}).get("grade")}
            result[student.id] = [
                {"grade_id": g.name, "function": exercise_part(g.name)[0],
                 "part": exercise_part(g.name)[1],
                 "score": g.score, "points": g.max_score,
                 "message": messages.get(g.name, "not graded: nbgrader could not read it")}
                for g in gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student.id).grades
                # the autograded checks; not q1..q6
                if exercise_part(g.name)]
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="*", help="notebooks to grade (default: the solution)")
    parser.add_argument("--course", default=str(COURSE),
                        help="the course folder (default: %(default)s)")
    parser.add_argument("--student", metavar="NOTEBOOK",
                        help="only write the student edition there")
    args = parser.parse_args(argv)
    if args.student:
        make_student(args.student)
        return print(f"wrote {args.student}, with data/ and helpers/ beside it")
    submissions = ({Path(p).stem: p for p in args.submissions}
                   or {"solution": ROOT / "nb07_em.ipynb"})
    if len(submissions) != len(args.submissions or [None]):
        sys.exit("course: two submissions have the same file name; student ids must differ")
    try:
        sandbox.check_wall()
    except sandbox.NoWall as err:
        sys.exit(f"course: {err}")
    release = build_course(args.course)
    print(f"released: {release}")
    notes = {student: submit(args.course, student, path) for student, path in submissions.items()}
    autograde(args.course, submissions)
    table = points(args.course)
    for student in submissions:
        print(f"\n{student}: "
              f"{Path(args.course) / 'feedback' / student / ASSIGNMENT / NOTEBOOK}.html")
        if student in table:
            print(report(table[student],
                         [*notes[student], *reading(submissions[student], release)]))
    missing = ungraded(args.course, submissions)
    if missing:
        print(f"\nnot graded ({len(missing)} of {len(submissions)}):")
        print("\n".join(f"  {student}: {why}" for student, why in missing.items()))
        sys.exit(1)


if __name__ == "__main__":
    main()

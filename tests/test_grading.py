"""Grading for real: nbgrader end to end on planted submissions, and `make grade` agreeing with it.

One course folder serves the module, built as the README tells an instructor: release the
solution (`nbgrader generate_assignment`, default settings), submit every planted submission
of tests/planted, `nbgrader autograde`, `nbgrader generate_feedback`.  While nbgrader
autogrades, scripts/grade.py grades the same files (two processes at a time, two cores).
"""

import copy
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "nb07_em.ipynb"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "planted"))
import course  # noqa: E402
import grade  # noqa: E402
from make_student import make_student  # noqa: E402
from submissions import SUBMISSIONS, build  # noqa: E402

from helpers import checks, load_notebook  # noqa: E402

# The textbook answer is right on ordinary data and loses exactly these robustness points:
# far from every component a density underflows to 0, so log_gaussian and ll give log 0 = -inf
# and e_step 0/0 = NaN; exp overflows in logsumexp_rows; an empty component divides 0 by 0.
TEXTBOOK_LOSES = {"log_gaussian_robustness", "ll_robustness", "e_step_robustness",
                  "logsumexp_rows_robustness", "m_step_robustness"}
# Each planted bug breaks one function; a submission that cannot run loses all of one function.
BROKEN = {"cov_over_n": "m_step", "wrong_axis": "e_step", "weights_fixed": "m_step",
          "cov_before_mean": "m_step", "sigma_not_inverse": "log_gaussian",
          "simulate_no_weights": "simulate", "syntax_error": "e_step", "raises": "logsumexp_rows"}
CANNOT_RUN = {"syntax_error": "SyntaxError at line", "raises": "ImportError"}


def tampered(solution_path):
    """The solution with one check cell deleted, one stripped of its nbgrader metadata (as when
    pasted from another notebook) and one weakened.  (A renamed grade_id makes nbgrader refuse
    the whole submission, "the nbgrader metadata may be corrupted"; see the test further down.)"""
    nb = nbformat.read(solution_path, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "e_step_robustness"]
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "m_step_correctness":
            del cell.metadata["nbgrader"]
        if meta.get("grade_id") == "ll_correctness":
            cell.source = "pass"
    return nb


def grade_cli(path):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "grade.py"), str(path)],
                          capture_output=True, text=True, timeout=300)


def parse_table(output):
    """grade_id -> points from the table that scripts/grade.py prints."""
    scores = {}
    for name, *columns in re.findall(r"^(\w+) +(\S+) +(\S+)", output, re.M):
        for part, column in zip(("correctness", "robustness"), columns):
            if "/" in column:
                scores[f"{name}_{part}"] = float(column.split("/")[0])
    return scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading")
    folder = tmp / "course"
    release = course.build_course(folder, SOLUTION)
    released, solution = nbformat.read(release, as_version=4), nbformat.read(SOLUTION, as_version=4)
    paths = {}
    for name in SUBMISSIONS:
        paths[name] = tmp / "planted" / f"{name}.ipynb"
        paths[name].parent.mkdir(exist_ok=True)
        nbformat.write(build(name, released, solution), paths[name])
    paths["tampered"] = tmp / "planted" / "tampered.ipynb"
    nbformat.write(tampered(paths["solution"]), paths["tampered"])
    for name, path in paths.items():
        course.submit(folder, name, path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        nbgrader_done = pool.submit(course.autograde, folder)
        outputs = {name: grade_cli(path) for name, path in paths.items()}
        nbgrader_done.result()
    return {"folder": folder, "release": release, "paths": paths, "outputs": outputs,
            "nbgrader": {student: {row["grade_id"]: row["score"] for row in rows}
                         for student, rows in course.points(folder).items()}}


@pytest.fixture(scope="module")
def full(graded):
    """grade_id -> the points each autograded cell is worth, from nbgrader's gradebook."""
    rows = course.points(graded["folder"])["solution"]
    return {row["grade_id"]: row["points"] for row in rows}


def expected(name, full):
    if name == "solution":
        return dict(full)
    if name == "stub":
        return {grade_id: 0.0 for grade_id in full}
    if name == "tampered":                                   # deleted and stripped: 0; weakened: restored
        return {**full, "e_step_robustness": 0.0, "m_step_correctness": 0.0}
    textbook = {g: 0.0 if g in TEXTBOOK_LOSES else p for g, p in full.items()}
    if name == "textbook":
        return textbook
    broken = BROKEN[name]
    lost = [f"{broken}_correctness"] + ([f"{broken}_robustness"] if name in CANNOT_RUN else [])
    result = {g: 0.0 if g in lost else p for g, p in textbook.items()}
    if name == "sigma_not_inverse":        # the by-hand density is in log space: its robustness is not at stake
        del result["log_gaussian_robustness"]
    return result

SUBMITTED = [*SUBMISSIONS, "tampered"]


def test_the_gradebook_has_every_check_with_its_points(full):
    assert {g.rpartition("_")[0] for g in full} == {name for name, _, _ in checks.GRADED}
    assert full == {f"{name}_{part}": float(points) for name, part, points in checks.GRADED}


@pytest.mark.parametrize("name", SUBMITTED)
def test_nbgrader_points(graded, full, name):
    points = graded["nbgrader"][name]
    want = expected(name, full)
    assert {g: points[g] for g in want} == want


@pytest.mark.parametrize("name", SUBMITTED)
def test_make_grade_agrees_with_nbgrader(graded, name):
    done = graded["outputs"][name]
    assert done.returncode == 0, done.stderr[-2000:]
    assert parse_table(done.stdout) == graded["nbgrader"][name], done.stdout
    total = sum(graded["nbgrader"][name].values())
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"total: \S+/\S+ points \(correctness \S+/\S+, robustness \S+/\S+\)", last), last
    assert done.stdout.count("total:") == 1 and last.startswith(f"total: {total:g}/")


@pytest.mark.parametrize("name", SUBMITTED)
def test_feedback_shows_the_gradebook_points(graded, full, name):
    html = (graded["folder"] / "feedback" / name / "nb07" / "nb07_em.html").read_text(encoding="utf-8")
    shown = {g: float(s) for g, s in re.findall(r'<a href="#(\w+)">Test cell</a> \(Score: ([\d.]+) /', html)}
    gradebook = graded["nbgrader"][name]
    assert shown == {g: s for g, s in gradebook.items() if g in shown}
    missing = {"e_step_robustness", "m_step_correctness"} if name == "tampered" else set()
    assert set(gradebook) - set(shown) == missing                # a missing cell has no place in the page
    assert f"nb07_em (Score: {sum(gradebook.values()):.1f} / {sum(full.values()):.1f})" in html


@pytest.mark.parametrize("name", [n for n in SUBMITTED if n not in ("solution", "textbook", "tampered")])
def test_make_grade_says_why_beside_each_function_that_lost_points(graded, full, name):
    lines = {line.split()[0]: line for line in graded["outputs"][name].stdout.splitlines() if line.strip()}
    broken = [BROKEN[name]] if name in BROKEN else sorted({g.rpartition("_")[0] for g in full})
    for function in broken:
        message = lines[function].split(maxsplit=3)[3]             # what follows the two columns
        if name in CANNOT_RUN:
            assert message.startswith("its cell fails: " + CANNOT_RUN[name]), message
        else:
            assert function in message, message


def test_make_grade_names_a_missing_check_cell(graded):
    out = graded["outputs"]["tampered"].stdout
    assert "'e_step_robustness' is missing" in out and "'m_step_correctness' is missing" in out, out


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_pytest_markers_give_the_same_verdicts(graded, full, name):
    """checks.run_all on the functions the loader finds: a check passes where nbgrader gave full points."""
    verdicts = {f"{n}_{part}": passed for n, part, passed, _ in checks.run_all(vars(load_notebook(graded["paths"][name])))}
    assert verdicts == {g: graded["nbgrader"][name][g] == full[g] for g in full}


def test_make_student_is_the_nbgrader_release(graded, tmp_path):
    make_student(SOLUTION, tmp_path / "nb07_em.ipynb")
    assert (tmp_path / "nb07_em.ipynb").read_bytes() == graded["release"].read_bytes()
    assert {p.name for p in tmp_path.iterdir()} == {"nb07_em.ipynb", "data", "helpers"}


# ---- fast checks of the grader and the loader, no nbgrader needed ----------------------

@pytest.mark.parametrize("content, says", [("hello\n", "is not a valid Jupyter notebook"),
                                           ('{"cells": 3}', "is not a valid Jupyter notebook")])
def test_make_grade_rejects_a_file_that_is_not_a_notebook(tmp_path, content, says):
    path = tmp_path / "answer.ipynb"
    path.write_text(content)
    done = grade_cli(path)
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_make_grade_reports_a_missing_file(tmp_path):
    done = grade_cli(tmp_path / "nowhere.ipynb")
    assert done.returncode == 1 and "no such file" in done.stderr and "Traceback" not in done.stderr


def test_instructor_cells_are_restored_by_grade_id():
    """What autograde does before running: checks restored, duplicates and unknown ids dropped."""
    source = nbformat.read(SOLUTION, as_version=4)
    nb = tampered(SOLUTION)
    index = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)}
    nb.cells[index["log_gaussian_robustness"]].metadata.nbgrader["grade_id"] = "renamed"
    nb.cells[index["e_step"]].source = "def e_step(x, pi, mu, sigma):\n    return 1"
    nb.cells[index["simulate_correctness"]].cell_type = "markdown"
    nb.cells.append(nbformat.v4.new_code_cell("def e_step(*args):\n    return 2",
                                              metadata=copy.deepcopy(nb.cells[index["e_step"]].metadata)))
    restored = grade.restore_instructor_cells(nb, source)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in restored.cells}
    original = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in source.cells}
    assert cells["ll_correctness"].source == original["ll_correctness"].source          # weakened: restored
    assert cells["simulate_correctness"].cell_type == "code"
    assert cells["simulate_correctness"].source == original["simulate_correctness"].source
    assert "renamed" not in cells and "log_gaussian_robustness" not in cells            # unknown id: not graded
    assert cells["e_step"].source == "def e_step(*args):\n    return 2"                  # the last copy counts
    assert "HIDDEN TESTS" in cells["e_step_correctness"].source


def test_loader_finds_definitions_in_every_cell_and_records_cells_that_fail(tmp_path):
    cells = [("import math", ["em"]),
             ("HALF = 0.5\nx = load_data('missing.csv')   # not a definition: does not run", []),
             ("%matplotlib inline\ndef helper(v):\n    return math.sqrt(v) * HALF", []),
             ("def f(v):\n    return helper(v)", ["em"]),
             ("def g(v):\n    return (v", ["em"]),
             ("import not_a_module\n\ndef h(v):\n    return v", ["em"])]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": tags}) for source, tags in cells]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    module = load_notebook(path)
    assert module.f(4) == 1.0 and "x" not in vars(module)
    assert "g" not in vars(module) and "h" not in vars(module)
    assert module.__cell_errors__ == {
        "g": "its cell (cell 4) has a SyntaxError at line 2: '(' was never closed",
        "h": "its cell (cell 5) raised ModuleNotFoundError: No module named 'not_a_module'"}


def test_loader_rejects_a_file_that_is_not_a_notebook(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": "none"}))
    with pytest.raises(ValueError, match="not a Jupyter notebook"):
        load_notebook(path)

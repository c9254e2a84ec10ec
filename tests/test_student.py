"""The student edition: nbgrader's release of the solution, shaped like the course skeleton."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
from instructor.course import make_student

from helpers.checks import exercises

# The exercises, by nbgrader grade_id, in the notebook's order; those with a check module are
# functions.
EXERCISES = [cell["metadata"]["nbgrader"]["grade_id"]
             for cell in json.loads((ROOT / "nb07_em.ipynb").read_text(encoding="utf-8"))["cells"]
             if cell["cell_type"] == "code"
             and cell["metadata"].get("nbgrader", {}).get("solution")]
FUNCTIONS = [name for name in EXERCISES if name in exercises()]

pytestmark = pytest.mark.slow  # `make test-all`


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    path = tmp_path_factory.mktemp("student") / "nb07_em.ipynb"
    make_student(path)
    return path


def cells(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def grade_id(cell):
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def test_student_edition_has_no_solutions_hidden_tests_or_outputs(student):
    code = [cell for cell in cells(student) if cell["cell_type"] == "code"]
    text = "".join("".join(cell["source"]) for cell in cells(student))
    assert "SOLUTION" not in text and "HIDDEN TESTS" not in text and "hidden=True" not in text
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)
    # every function the students write is a stub, and only those
    stubbed = {node.name for cell in code for node in ast.walk(ast.parse("".join(cell["source"])))
               if isinstance(node, ast.FunctionDef) and any(
                   isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.unparse(stmt)
                   for stmt in node.body)}
    assert stubbed == set(FUNCTIONS)


def test_student_edition_keeps_every_explanation_and_blanks_the_answers(student):
    solution = cells(ROOT / "nb07_em.ipynb")
    edition = cells(student)
    assert [grade_id(c) for c in edition] == [grade_id(c) for c in solution]
    for mine, theirs in zip(edition, solution):
        if mine["cell_type"] != "markdown":
            continue
        if mine["metadata"].get("nbgrader", {}).get("solution"):   # a question's model answer
            assert "".join(mine["source"]) == "YOUR ANSWER HERE"
        else:
            assert mine["source"] == theirs["source"]


def test_student_edition_has_a_locked_check_after_every_function(student):
    ids = [grade_id(cell) for cell in cells(student)]
    assert [i for i in ids if i in EXERCISES] == EXERCISES       # the solution's order
    assert set(FUNCTIONS) == set(exercises())                   # a check module for each, no other
    for name in FUNCTIONS:
        after = ids[ids.index(name) + 1]
        assert after == f"{name}_correctness", (name, after)
    checks = [cell for cell in cells(student) if cell["metadata"].get("nbgrader", {}).get("grade")
              and cell["cell_type"] == "code"]
    assert checks and all(cell["metadata"]["nbgrader"]["locked"] for cell in checks)
    load = next(i for i, cell in enumerate(cells(student))
                if "".join(cell["source"]).startswith("# Load data"))
    assert load < ids.index("log_gaussian")

def test_graded_tests_fail_on_the_student_edition_naming_each_function(student):
    """`pytest -m "correctness or robustness"` on the fresh edition: every graded test fails, by
    name."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "correctness or robustness", f"--notebook={student}",
         "tests/test_graded.py", "-q", "-rf"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "COLUMNS": "400"}, timeout=600)
    out = result.stdout
    # tests failed; not a usage or collection error
    assert result.returncode == 1, out[-3000:]
    failed = re.findall(r"^FAILED tests/test_graded.py::test_graded\[(\w+)-(\w+)-\S+\] - (.*)$",
                        out, re.M)
    assert {name for name, _, _ in failed} == set(FUNCTIONS), out[-3000:]
    assert all(name in message and "not" in message for name, _, message in failed), failed
    assert "passed" not in out.splitlines()[-1], out[-500:]


CHILD = """
import json, sys
from helpers.checks import run
out = []
for name, part, code in json.load(open(sys.argv[1])):
    namespace = {"__name__": "submission"}
    exec(compile(code, "<answers>", "exec"), namespace)
    out.append(run(name, part, namespace).message)
print(json.dumps(out))
"""


def test_the_student_editions_checks_hide_the_hidden_and_give_the_same_messages(student, tmp_path):
    """The public checks (no reference version, no hidden case: tests/test_leaks.py) say what the
    instructor's say, on the notebook's answers and on every planted slip (no slip's function calls
    another that fails: test_checks covers the student edition naming that one)."""
    from instructor.submissions import bodies, slips, source
    from helpers.checks import graded_parts, run

    cases = [(name, part, source(bodies())) for name, part, _ in graded_parts()]
    cases += [(name, part, source(answers)) for name, answers, part, _ in slips()]
    namespaces = []
    for name, part, code in cases:
        namespaces.append({"__name__": "submission"})
        exec(compile(code, "<answers>", "exec"), namespaces[-1])
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "child.py").write_text(CHILD)
    done = subprocess.run([sys.executable, str(tmp_path / "child.py"),
                           str(tmp_path / "cases.json")],
                          cwd=student.parent, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(student.parent)})
    assert done.returncode == 0, done.stderr[-2000:]
    for (name, part, _), namespace, public in zip(cases, namespaces, json.loads(done.stdout)):
        assert public == run(name, part, namespace).message

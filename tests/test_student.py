"""The student edition: built from the solution, shaped like the course skeleton, graded by these tests."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from make_student import make_student, strip_solutions  # noqa: E402

# The first line of each code cell of the course skeleton (nb07-em-skeleton), in order.
SKELETON_CELLS = [
    "# Load data",
    "# Log-likelihood p(x | pi, mu, sigma)",
    "# E-step",
    "# M-step",
    "# Initialization",
    "# Initial assignments",
    "# Iterate manually until convergence",
    "# Simulate new data",
]
EM_FUNCTIONS = {"log_gaussian", "logsumexp_rows", "log_joint", "ll", "e_step", "m_step",
                "init_params", "run_em", "simulate"}


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    path = tmp_path_factory.mktemp("student") / "nb07_em.ipynb"
    make_student(ROOT / "nb07_em.ipynb", path)
    return path


def code_sources(path):
    nb = json.loads(Path(path).read_text())
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def test_strip_solutions_keeps_indentation_and_the_rest():
    source = "def f(x):\n    \"\"\"Doc.\"\"\"\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\ny = 1\n"
    assert strip_solutions(source) == ('def f(x):\n    """Doc."""\n    # YOUR CODE HERE\n'
                                       '    raise NotImplementedError()\ny = 1')


@pytest.mark.parametrize("source", ["### BEGIN SOLUTION\nx = 1\n", "x = 1\n### END SOLUTION\n",
                                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n"])
def test_strip_solutions_rejects_unbalanced_markers(source):
    with pytest.raises(ValueError):
        strip_solutions(source)


def test_student_edition_has_no_solutions_and_no_outputs(student):
    cells = code_sources(student)
    text = "".join("".join(cell["source"]) for cell in cells)
    assert "SOLUTION" not in text
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in cells)
    # every function the students write is a stub, and only those
    stubbed = {node.name for cell in cells for node in ast.walk(ast.parse("".join(cell["source"])))
               if isinstance(node, ast.FunctionDef) and any(
                   isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.unparse(stmt)
                   for stmt in node.body)}
    assert stubbed == EM_FUNCTIONS


def test_student_edition_keeps_every_explanation(student):
    solution = json.loads((ROOT / "nb07_em.ipynb").read_text())
    edition = json.loads(student.read_text())
    assert [c["source"] for c in edition["cells"] if c["cell_type"] == "markdown"] == \
           [c["source"] for c in solution["cells"] if c["cell_type"] == "markdown"]


def test_student_edition_follows_the_skeleton(student):
    firsts = ["".join(cell["source"]).splitlines()[0] for cell in code_sources(student)]
    positions = [firsts.index(heading) for heading in SKELETON_CELLS]
    assert positions == sorted(positions)


def test_student_edition_fails_each_em_test_by_name(student):
    """Grading the fresh student edition: every EM test fails, naming the function to write."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_em_oracles.py", "tests/test_robustness.py",
         "--notebook", str(student), "-q", "-rf"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "COLUMNS": "400"}, timeout=600)
    out = result.stdout
    assert result.returncode == 1, out[-3000:]  # tests failed; not a usage, collection or internal error
    assert "error" not in out.splitlines()[-1], out[-3000:]
    failed = re.findall(r"^FAILED (\S+) - Failed: (\w+)\(\) is not implemented yet", out, re.M)
    other = [line for line in out.splitlines() if line.startswith("FAILED") and "not implemented yet" not in line]
    assert not other, other
    names = {test.split("::")[0] for test, _ in failed}
    assert "tests/test_em_oracles.py" in names
    oracle_tests = re.findall(r"^def (test_\w+)", (ROOT / "tests" / "test_em_oracles.py").read_text(), re.M)
    assert {t.split("::")[1].split("[")[0] for t, _ in failed if "oracles" in t} == set(oracle_tests)
    assert {"ll", "e_step", "m_step", "init_params", "simulate"} <= {name for _, name in failed}

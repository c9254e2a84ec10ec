"""docs/exercises.md, run as written: in a copy of the project, an exercise is added, one renamed
and one removed with the doc's `python -m instructor.exercise` commands and the edits it asks of a
person (the answer, the module's checks); then the changed exercises are checked, in the notebook
as it is and in the student edition that `make student` builds from the copy.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".git", ".venv", ".nox", "build", "__pycache__", "*.pyc")

# What a person writes after `add "n_params(K, D)"`: the model answer and the check module.
ANSWER = "return (K - 1) + K * D + K * D * (D + 1) // 2"
MODULE = '''"""Exercise n_params: the free parameters of a K-component mixture of full Gaussians
in D dimensions."""

import numpy as np

from helpers.checks import call, fail, reference as reference_of, scalar, two

USES = ()
PRIVATE = ("reference", "TEXTBOOK", "SLIPS")


def reference(K, D):
    """Counted from the arrays: pi has one entry fixed by the rest; a covariance is symmetric."""
    pi, mu = np.ones(K), np.ones((K, D))
    return (pi.size - 1) + mu.size + K * len(np.triu_indices(D)[0])


def correctness(f, hidden):
    """the count for K = 1..4, D = 1..5"""
    for K, D in [(1, 1), (4, 2), (3, 5)] if not hidden else [(2, 3), (6, 4)]:
        case = f"K = {K}, D = {D}"
        got, expected = (scalar("n_params", call("n_params", f, K, D, case=case), case),
                         reference_of("n_params")(K, D))
        if got != expected:
            hint = ("the weights sum to 1: only K - 1 of them are free" if got == expected + 1
                    else None)
            a, b = two(got, expected)
            fail("n_params", f"gives {a}, expected {b}", hint, case)


TEXTBOOK = "return K - 1 + K * D + K * D * (D + 1) / 2"

SLIPS = [
    ("solution", "(K - 1)", "K", "correctness",
     "n_params (K = 1, D = 1): gives 3, expected 2 - the weights sum to 1: only K - 1 of them "
     "are free"),
]
'''


def run(copy, *args, check=True):
    done = subprocess.run([sys.executable, *args], cwd=copy, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(copy)})
    if check:
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def changed(copy, step):
    return set(run(copy, "-m", "instructor.exercise", *step).stdout.split())


def documented():
    """The three commands of docs/exercises.md, as written there: {"add": [...], ...}."""
    text = (ROOT / "docs" / "exercises.md").read_text(encoding="utf-8")
    commands = [shlex.split(c)
                for c in re.findall(r"`python -m instructor\.exercise ([^`]+)`", text)]
    return {c[0]: c[1:] for c in commands}


CHILD = r'''
import json, sys
from pathlib import Path
from helpers import load_notebook
from helpers.checks import graded_parts, run
notebook, slip, names = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
if not slip.exists():                   # the instructor's side writes the planted slip
    from instructor.submissions import bodies, planted, source
    slip.write_text(source(planted(bodies(), "n_params", "(K - 1)", "K")))
nb = load_notebook(notebook)
out = {"parts": graded_parts(), "messages": {}}
for name, part, _ in graded_parts():
    if name in names:
        out["messages"][f"{name}_{part}"] = run(name, part, vars(nb)).message
namespace = {"__name__": "submission"}
exec(compile(slip.read_text(), "<answers>", "exec"), namespace)
out["slip"] = run("n_params", "correctness", namespace).message
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The copy after the three changes, and {step: the files it changed}."""
    copy = tmp_path_factory.mktemp("recipe") / "project"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    touched = {}
    steps = documented()
    assert steps == {"add": ["n_params(K, D)", "--after", "simulate", "--points", "1"],
                     "rename": ["logsumexp_rows", "logsumexp_by_row"], "remove": ["simulate"]}
    touched["add"] = changed(copy, ["add", *steps["add"]])
    notebook = (copy / "nb07_em.ipynb").read_text(encoding="utf-8")
    (copy / "nb07_em.ipynb").write_text(notebook.replace(
        'raise NotImplementedError(\\"the model answer goes here\\")', ANSWER.replace('"', '\\"')),
        encoding="utf-8")
    (copy / "helpers" / "checks" / "n_params.py").write_text(MODULE, encoding="utf-8")
    touched["rename"] = changed(copy, ["rename", *steps["rename"]])
    touched["remove"] = changed(copy, ["remove", *steps["remove"]])
    (copy / "child.py").write_text(CHILD, encoding="utf-8")
    return copy, touched


def test_each_step_touches_the_notebook_and_one_module(project):
    copy, touched = project
    assert touched["add"] == {"nb07_em.ipynb", "helpers/checks/n_params.py"}
    assert touched["remove"] == {"nb07_em.ipynb", "helpers/checks/simulate.py"}
    assert {"nb07_em.ipynb", "helpers/checks/logsumexp_by_row.py"} <= touched["rename"]
    others = touched["rename"] - {"nb07_em.ipynb", "helpers/checks/logsumexp_by_row.py"}
    # the modules that call it, the tests that test its maths or plant slips in it, the docs
    assert all(re.fullmatch(r"(helpers/checks|tests)/\w+\.py|docs/[\w-]+\.md|README\.md", path)
               for path in others), others
    text = "".join(p.read_text(encoding="utf-8") for p in (copy / "helpers").rglob("*.py"))
    cells = json.loads((copy / "nb07_em.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = "".join("".join(cell["source"]) + cell.get("id", "") + json.dumps(cell["metadata"])
                      for cell in cells)
    # outputs: `make execute`
    assert "logsumexp_rows" not in text and "logsumexp_rows" not in sources


def test_the_changed_exercises_pass_their_checks_in_both_editions(project):
    copy, _ = project
    changed_exercises = ["n_params", "logsumexp_by_row", "ll", "e_step"]
    slip = copy / "slip.py"
    mine = json.loads(run(copy, "child.py", "nb07_em.ipynb", str(slip),
                          *changed_exercises).stdout.splitlines()[-1])
    names = [name for name, _, _ in mine["parts"]]
    assert "simulate" not in names and "logsumexp_rows" not in names
    assert ["n_params", "correctness", 1] in mine["parts"] and "logsumexp_by_row" in names
    assert set(mine["messages"]) >= {"n_params_correctness", "logsumexp_by_row_correctness",
                                     "logsumexp_by_row_robustness"}
    failed = {gid: m for gid, m in mine["messages"].items() if not m.startswith("✓")}
    assert failed == {}
    assert mine["slip"] == re.sub(r'"\n\s*"', "",
                                  MODULE.split('"correctness",\n     "')[1].split('"),')[0])

    student = copy / "build" / "student" / "nb07_em.ipynb"
    run(copy, "-m", "instructor.course", "--student", str(student))
    shutil.copy(copy / "child.py", student.parent / "child.py")
    theirs = json.loads(run(student.parent, "child.py", str(copy / "nb07_em.ipynb"), str(slip),
                            *changed_exercises).stdout.splitlines()[-1])
    assert theirs == mine
    shipped = (student.parent / "helpers" / "checks" / "n_params.py").read_text(encoding="utf-8")
    assert "def reference" not in shipped and "(6, 4)" not in shipped and "SLIPS" not in shipped


@pytest.mark.slow
def test_after_the_recipe_and_make_execute_every_fast_test_passes(project):
    """Only the places the recipe names had to change: after `make execute` (its nbconvert run,
    here), the copy's own `make test` tier passes, nbval and every test that names an exercise
    included."""
    copy, _ = project
    run(copy, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
        "--ExecutePreprocessor.record_timing=False",
        "--NotebookExporter.preprocessors=nbconvert.preprocessors.CoalesceStreamsPreprocessor",
        "nb07_em.ipynb")
    done = run(copy, "-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider",
               "--deselect", "tests/test_recipe.py", check=False)
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0 and " passed" in summary and "failed" not in summary, \
        done.stdout[-4000:]

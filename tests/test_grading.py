"""Grading: the verdicts come from checks that a submission cannot reach, with nbgrader itself.

Submissions are made as students make them (instructor/submissions.py fills nbgrader's release),
some honest, some with a classic slip, some that try to cheat.  `sandbox.grade` is tested directly
(quick); the class graded by real `nbgrader autograde` is the slow tier (`make test-all`).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from instructor.submissions import ROOT, bodies, notebook, planted
from helpers.checks import graded_parts

from instructor import course, grade, report, sandbox

FULL = sum(points for *_, points in graded_parts())
PATCH = ("import helpers.checks as _c\nfor _n in dir(_c):\n"
         "    setattr(_c, _n, lambda *a, **k: None)\n")
ATTACKS = {
    # code outside the functions: it runs, in the worker, as in the student's kernel
    "shadow_check": {"log_gaussian": 'def check(*args, **kwargs):\n    print("✓ correct")\n\n'},
    "patch_checks": {"log_gaussian": PATCH + "\n"},
    "hang": {"log_gaussian": "while True:\n    try:\n        pass\n"
                             "    except KeyboardInterrupt:\n        pass\n\n"},
    "exit": {"log_gaussian": "import os\nos._exit(0)\n\n"},
    "write_over": {"log_gaussian": "import os\n"
                                   "open(os.path.join('helpers', 'checks', '__init__.py'), 'a')"
                                   ".write('\\ndef check(*a, **k): pass\\n')\n\n"},
}
# code inside an answer: runs, in the worker, and gains nothing
CHEATS = {
    "calls_reference": ("e_step", "from helpers.checks import reference\n"
                                  "return reference('e_step')(x, pi, mu, sigma)"),
    "imports_reference": ("m_step", "from helpers.checks.m_step import reference\n"
                                    "return reference(x, r, reg_covar)"),
    "patches_in_answer": ("log_gaussian", PATCH + "raise NotImplementedError()"),
    "exits_in_answer": ("ll", "import sys\nsys.exit(0)"),
    "kills_in_answer": ("logsumexp_rows", "import os\nos._exit(0)"),
    "writes_in_answer": ("init_params", "open('/tmp/written-by-a-submission', 'w').write('x')\n"
                                        "raise NotImplementedError()"),
}


def points(results):
    parts = {(name, part): p for name, part, p in graded_parts()}
    return sum(parts[tuple(gid.rsplit("_", 1))] for gid, r in results.items() if r.passed)


def test_the_solution_gets_every_point(released, release):
    assert points(sandbox.grade(notebook(released, bodies()), release)) == FULL


def test_the_untouched_student_edition_gets_nothing(released, release):
    results = sandbox.grade(notebook(released, {}), release)
    assert points(results) == 0
    assert all("not implemented yet" in r.message
               for gid, r in results.items() if gid.endswith("_correctness"))
    assert all("counts only once correctness passes" in r.message
               for gid, r in results.items() if gid.endswith("_robustness"))


@pytest.mark.parametrize("attack", ATTACKS)
def test_code_outside_the_functions_changes_nothing_but_its_own_cell(released, attack, release,
                                                                     monkeypatch):
    """The cell runs, as in the notebook: patching or shadowing the checks there changes nothing; a
    cell that never ends or ends the process defines nothing after that point (as Run All)."""
    monkeypatch.setattr(sandbox, "CELL_SECONDS", 2)
    assert points(sandbox.grade(notebook(released, {}, ATTACKS[attack]), release)) == 0
    results = sandbox.grade(notebook(released, bodies(), ATTACKS[attack]), release)
    lost = {gid: r.message for gid, r in results.items() if not r.passed}
    if attack in ("hang", "exit"):
        assert set(lost) == {"log_gaussian_correctness", "log_gaussian_robustness"}, lost
        assert ("did not return within 2 s" if attack == "hang"
                else "ended the grading process") in lost["log_gaussian_correctness"] \
            and "its cell (cell 7)" in lost["log_gaussian_correctness"]
    else:
        assert not lost


@pytest.mark.parametrize("cheat", CHEATS)
def test_code_inside_an_answer_earns_nothing_it_did_not_compute(released, cheat, release):
    name, body = CHEATS[cheat]
    results = sandbox.grade(notebook(released, {**bodies(), name: body}), release)
    lost = {gid.rsplit("_", 1)[0] for gid, r in results.items() if not r.passed}
    assert lost == {name}, {gid: r.message for gid, r in results.items() if not r.passed}
    assert not Path("/tmp/written-by-a-submission").exists()


def test_a_hanging_answer_costs_only_its_own_points(released, monkeypatch, release):
    monkeypatch.setattr(sandbox, "CALL_SECONDS", 2)
    results = sandbox.grade(notebook(released, {**bodies(), "m_step": "while True:\n    pass"}),
                            release)
    failed = {gid: r.message for gid, r in results.items() if not r.passed}
    assert set(failed) == {"m_step_correctness", "m_step_robustness"}
    assert "did not return within 2 s" in failed["m_step_correctness"]


def test_grading_and_the_notebook_say_the_same_of_an_answer_that_changes_its_argument(
        released, release):
    """x -= mu_k corrupts the caller's data in the notebook; grading sees it, though its worker gets
    copies."""
    from instructor.submissions import planted, source
    from helpers.checks import run_all
    answers = planted(bodies(), "log_gaussian", "(x - mu_k).T", "x.T")
    answers = planted(answers, "log_gaussian", "z = L_inv", "x -= mu_k\nz = L_inv")
    graded = sandbox.grade(notebook(released, answers), release)
    local = {f"{r.name}_{r.part}": r for r in run_all(submission_namespace(source(answers)))}
    assert {gid for gid, r in graded.items() if not r.passed} == {"log_gaussian_correctness",
                                                                  "log_gaussian_robustness"}
    assert graded["log_gaussian_correctness"].message == local["log_gaussian_correctness"].message
    assert "changed x in place" in graded["log_gaussian_correctness"].message


def test_a_syntax_error_costs_only_its_function_and_says_where(released, release):
    results = sandbox.grade(notebook(released, {**bodies(), "e_step": "return (x"}), release)
    failed = {gid: r.message for gid, r in results.items() if not r.passed}
    assert set(failed) == {"e_step_correctness", "e_step_robustness"}
    assert "SyntaxError" in failed["e_step_correctness"]


def test_suspicious_answers_are_listed_for_reading_by_hand(released, release, tmp_path):
    path = tmp_path / "cheat.ipynb"
    nbformat.write(notebook(released, {**bodies(), "e_step": CHEATS["calls_reference"][1]}), path)
    assert report.flags(path, release / "nb07_em.ipynb") == {"e_step": ["helpers"]}
    clean = tmp_path / "clean.ipynb"
    nbformat.write(notebook(released, bodies("textbook")), clean)
    assert report.flags(clean, release / "nb07_em.ipynb") == {}
    old = notebook(released, bodies("textbook"))                # nbformat 4.4: cells without ids
    old.nbformat_minor = 4
    for cell in old.cells:
        del cell["id"]
    nbformat.write(old, clean)
    assert report.flags(clean, release / "nb07_em.ipynb") == {}
    new = notebook(released, bodies())
    # a cell of its own
    new.cells.insert(3, nbformat.v4.new_code_cell("import os\nos.listdir('/')"))
    nbformat.write(new, path)
    assert report.flags(path, release / "nb07_em.ipynb") == {"cell 3": ["os"]}


# ---- the slow tier: a class through real nbgrader -------------------------------------------

CLASS = {
    "solution": (bodies(), None),
    "textbook": (bodies("textbook"), None),
    "cov_over_n": (planted(bodies("textbook"), "m_step", "@ diff / N_k +", "@ diff / N +"), None),
    "stub": ({}, None),
    "shadow_check": ({}, ATTACKS["shadow_check"]),
    "patch_checks": ({}, ATTACKS["patch_checks"]),
    "exit": ({}, ATTACKS["exit"]),
    "hang_then_solution": (bodies(), ATTACKS["hang"]),
    "calls_reference": ({**bodies(), "e_step": CHEATS["calls_reference"][1]}, None),
}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, released):
    folder = tmp_path_factory.mktemp("class")
    where = folder / "course"
    course.build_course(where)
    for student, (answers, extra) in CLASS.items():
        path = folder / f"{student}.ipynb"
        nbformat.write(notebook(released, answers, extra), path)
        course.submit(where, student, path)
    course.autograde(where)
    return where, course.points(where)


@pytest.mark.slow
def test_nbgrader_gives_each_submission_what_its_functions_deserve(graded_class):
    _, table = graded_class
    total = {student: sum(row["score"] for row in rows) for student, rows in table.items()}
    assert total["solution"] == FULL
    hung = {row["function"] for row in table["hang_then_solution"] if row["score"] < row["points"]}
    # the cell that never ends: its function only
    assert hung == {"log_gaussian"}
    assert total["stub"] == total["shadow_check"] == total["patch_checks"] == total["exit"] == 0
    assert total["textbook"] < FULL and total["cov_over_n"] < total["textbook"]
    lost = {row["function"] for row in table["calls_reference"] if row["score"] < row["points"]}
    assert lost == {"e_step"}


@pytest.mark.slow
def test_the_feedback_and_the_gradebook_agree(graded_class):
    where, table = graded_class
    for student, rows in table.items():
        page = (where / "feedback" / student / "nb07" / "nb07_em.html").read_text(encoding="utf-8")
        score = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", page)
        assert score, student
        assert float(score.group(2)) >= FULL
        # formulas offline, long hints wrapped
        assert "<math" in page and "white-space: pre-wrap" in page
        # each check cell names its function
        assert "# Check e_step, correctness" in page


@pytest.mark.slow
def test_make_grade_prints_the_table_with_reasons(tmp_path, released):
    path = tmp_path / "cov_over_n.ipynb"
    nbformat.write(notebook(released, *CLASS["cov_over_n"]), path)
    out = subprocess.run([sys.executable, "-m", "instructor.grade", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600).stdout
    assert re.search(r"^m_step\s+0/3\s+0/2\s+correctness: "
                     r"m_step \(course data, reg_covar = 0\): sigma\[0\]", out, re.M), out
    assert re.search(rf"^total: \d+/{FULL} points", out, re.M), out


@pytest.mark.parametrize("content, says", [("not json", "is not a valid Jupyter notebook"),
                                           ('{"cells": 3}', "is not a valid Jupyter notebook")])
def test_make_grade_rejects_a_file_that_is_not_a_notebook(tmp_path, content, says):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    done = subprocess.run([sys.executable, "-m", "instructor.grade", str(path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1 and says in done.stderr


def test_a_textbook_answer_is_graded_as_the_checks_grade_it(released, release):
    """scipy's densities, imported in a cell of its own or inside a function, work in the worker."""
    from helpers.checks import run_all
    from instructor.submissions import source
    expected = {f"{r.name}_{r.part}": r.passed
                for r in run_all(submission_namespace(source(bodies("textbook"))))}
    got = {gid: r.passed
           for gid, r in sandbox.grade(notebook(released, bodies("textbook")), release).items()}
    assert got == expected and 0 < points_of(got) < FULL
    inside = {**bodies(), "log_gaussian": "from scipy.stats import multivariate_normal\n"
                                          "return multivariate_normal(mu_k, sigma_k).logpdf(x)"}
    assert points(sandbox.grade(notebook(released, inside), release)) == FULL


def submission_namespace(code):
    namespace = {"__name__": "submission"}
    exec(compile(code, "<answers>", "exec"), namespace)
    return namespace


def points_of(passed):
    parts = {f"{name}_{part}": p for name, part, p in graded_parts()}
    return sum(parts[gid] for gid, ok in passed.items() if ok)


@pytest.mark.slow
def test_a_notebook_nbgrader_cannot_read_stops_no_one_and_is_named(released, tmp_path):
    """The second of three students hands in a file that is not a notebook: the other two are graded
    and get their feedback; the run names who was not graded and exits non-zero."""
    paths = [tmp_path / f"{name}.ipynb" for name in ("a_first", "b_broken", "c_third")]
    for path in paths[::2]:
        nbformat.write(notebook(released, bodies()), path)
    paths[1].write_text('{"cells": [')
    done = subprocess.run([sys.executable, "-m", "instructor.course", "--course",
                           str(tmp_path / "course"), *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(re.findall(rf"^total: {FULL}/{FULL} points", done.stdout, re.M)) == 2, \
        done.stdout[-2000:]
    assert re.search(r"^not graded \(1 of 3\):\n  b_broken: ", done.stdout, re.M), \
        done.stdout[-2000:]
    for student in ("a_first", "c_third"):
        assert (tmp_path / "course" / "feedback" / student / "nb07" / "nb07_em.html").exists()


def container_engine():
    for engine in ("docker", "podman"):
        if shutil.which(engine) and subprocess.run([engine, "info"],
                                                   capture_output=True).returncode == 0:
            return engine
    return None


@pytest.mark.slow
@pytest.mark.skipif(container_engine() is None,
                    reason="no container engine (docker or podman) runs here")
def test_the_container_recipe_of_docs_grading_grades_a_class(tmp_path):
    """docs/grading.md's recipe for a machine without bubblewrap, run as written (it needs the
    network)."""
    recipe = re.search(r"^    (docker run .*?)\n\n", (ROOT / "docs" / "grading.md").read_text(),
                       re.M | re.S)[1]
    command = recipe.replace("\\\n", " ").replace("docker", container_engine(), 1)
    done = subprocess.run(command.replace('SUBMISSIONS="/src/a.ipynb /src/b.ipynb"', "").replace(
        '"$PWD/graded"', str(tmp_path)), shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0 and f"total: {FULL}/{FULL} points" in done.stdout, \
        done.stdout[-2000:]


def test_without_a_wall_grading_says_so_in_one_line_and_how_to_get_one(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.NoWall) as refused:
        sandbox.check_wall()
    text = str(refused.value)
    assert ("\n" not in text and "bwrap is not installed" in text
            and "apt install bubblewrap" in text)
    assert "GRADE_TRUSTED=1" in text

"""helpers/checks, tested like a library.

Each check passes on the notebook's own answers and on the textbook answers of its module, and
fails with the message its module promises on every slip planted there; a slip costs only the
parts of the function that has it (the others run with reference versions standing in).
"""

import linecache
import re

import numpy as np
import pytest

from instructor.submissions import bodies, planted, slips, source
from helpers.checks import (CheckFailed, check, exercise, exercises, first_correct, graded_parts,
                            run_all)

GRADED = graded_parts()


def submission(code, filename="<submission>"):
    """Run `code` in one namespace, as a notebook does; its lines go to linecache for the
    messages."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = {"__name__": "submission"}
    exec(compile(code, filename, "exec"), namespace)
    return namespace


def message(namespace, name, part="correctness", hidden=False):
    """The one-line message of a failing check (the test fails if the check passes)."""
    with pytest.raises(CheckFailed) as info:
        check(name, part, hidden=hidden, namespace=namespace)
    text = str(info.value)
    assert "\n" not in text
    return text


@pytest.fixture(scope="module")
def solution():
    return submission(source(bodies("solution")))


@pytest.fixture(scope="module")
def textbook():
    return submission(source(bodies("textbook")))


def test_every_check_cell_has_a_check_and_every_exercise_a_check_cell():
    assert {(name, part) for name, part, _ in GRADED} == \
        {(name, part) for name in exercises() for part in ("correctness", "robustness")
         if hasattr(exercise(name), part)}
    assert all(points > 0 for *_, points in GRADED)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name, part", [(name, part) for name, part, _ in GRADED])
def test_the_notebooks_answers_pass_everything(solution, name, part, hidden):
    check(name, part, hidden=hidden, namespace=solution)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name", [name for name, part, _ in GRADED if part == "correctness"])
def test_a_textbook_answer_is_correct(textbook, name, hidden, capsys):
    check(name, hidden=hidden, namespace=textbook)
    line = capsys.readouterr().out
    assert line.startswith(f"✓ {name}: correct") and line.count("\n") == 1


def test_pass_lines_are_one_short_line(solution, capsys):
    for name, part, _ in GRADED:
        for hidden in (False, True):
            check(name, part, hidden=hidden, namespace=solution)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * len(GRADED)
    assert all(line.startswith("✓ ") and len(line) <= 110 for line in lines), lines
    assert lines[1] == f"✓ {GRADED[0][0]}: correct on the hidden cases too"


SLIPS = slips()


@pytest.mark.parametrize("name, answers, part, expected", SLIPS,
                         ids=[f"{s[0]}-{s[2]}-{i}" for i, s in enumerate(SLIPS)])
def test_a_planted_slip_gets_its_message_and_costs_only_its_function(name, answers, part, expected):
    failed = {(r.name, r.part): r.message
              for r in run_all(submission(source(answers)), hidden=False) if not r.passed}
    assert (name, part) in failed, f"{name} {part} passed"
    got = failed[(name, part)]
    assert (expected in got) if expected.startswith("- ") else got.startswith(expected), got
    textbook_robustness = {n for n, p in failed if p == "robustness"} - {name}
    assert {n for n, _ in failed} - textbook_robustness == {name}, failed   # no knock-on loss


@pytest.mark.parametrize("name", [n for n in exercises() if hasattr(exercise(n), "SEED_CONTRACT")])
def test_an_answer_to_the_seeds_contract_gets_every_correctness_point(name):
    """An answer with the signature of ../shared/seed's skeleton (simulate: no rng, no labels)."""
    namespace = submission(source(bodies("solution")) + exercise(name).SEED_CONTRACT)
    check(name, namespace=namespace)
    check(name, hidden=True, namespace=namespace)


def test_a_stub_is_not_implemented_yet():
    namespace = submission(source({}))
    for result in run_all(namespace):
        stub = (f"{result.name} is not implemented yet: "
                "replace `raise NotImplementedError()` with your code")
        assert not result.passed
        assert result.message == (stub if result.part == "correctness" else
                                  first_correct(result.name, result.part))


def test_a_missing_or_overwritten_name(solution):
    namespace = dict(solution)
    del namespace["e_step"]
    assert message(namespace, "e_step") == \
        "e_step is not defined: run its cell first; if that cell shows an error, fix it first"
    namespace["e_step"] = np.zeros(3)
    assert message(namespace, "e_step").startswith("e_step is a ndarray, not a function")


def test_an_error_in_the_students_code_names_the_line():
    bad = "total = w.sum(axis=1, keepdims=True) / 0.0 + 1 // 0"
    code = source(planted(bodies(), "e_step", "return w / np.sum(w, axis=1, keepdims=True)",
                          f"{bad}\nreturn w / total"))
    line = code.splitlines().index(f"    {bad}") + 1
    try:
        1 // 0
    except ZeroDivisionError as exc:                          # this Python's own words for it
        words = str(exc)
    assert message(submission(code), "e_step") == (
        f"e_step (course data) raised ZeroDivisionError: {words} "
        f"(in your code, line {line}: total = w.sum(axis=1, keepdims=True) ...)")


def test_a_wrong_shape_or_return_value_is_named():
    answers = bodies()
    namespace = submission(source(planted(answers, "e_step",
                                          "return w / np.sum(w, axis=1, keepdims=True)",
                                          "return (w / np.sum(w, axis=1, keepdims=True)).T")))
    assert message(namespace, "e_step") == \
        "e_step (course data): r has shape (4, 300); expected (N, K) = (300, 4) - it looks " \
        "transposed"
    namespace = submission(source(planted(answers, "ll", "return float(", "value = float(")))
    assert message(namespace, "ll") == \
        "ll (course data): returned None - end the function with a return statement"
    namespace = submission(source(planted(answers, "m_step", "return pi, mu, sigma",
                                          "return mu, sigma")))
    assert message(namespace, "m_step") == \
        "m_step (course data, reg_covar = 0): must return pi, mu, sigma (3 values); got 2 values"


def test_a_buggy_e_step_costs_only_e_step():
    namespace = submission(source(planted(bodies("textbook"), "e_step", "axis=1, keepdims",
                                          "axis=0, keepdims")))
    results = {(r.name, r.part): r for r in run_all(namespace)}
    assert not results[("e_step", "correctness")].passed
    for name in {name for name, part, _ in GRADED} - {"e_step"}:
        assert results[(name, "correctness")].passed, results[(name, "correctness")].message


def test_the_students_functions_are_put_back(solution):
    namespace = dict(solution)
    before = dict(namespace)
    run_all(namespace)
    for name in ("e_step", "m_step", "ll", "log_joint", "log_gaussian", "logsumexp_rows"):
        assert namespace[name] is before[name]


def test_run_em_is_checked_with_reference_steps_even_when_the_students_are_wrong():
    answers = planted(bodies(), "m_step", "pi = N_k / N", "pi = N_k")
    answers = planted(answers, "ll", "float(np.mean(", "float(np.sum(")
    answers = planted(answers, "e_step", "return w / np.sum(w, axis=1, keepdims=True)", "return w")
    namespace = submission(source(answers))
    check("run_em", namespace=namespace)
    check("run_em", hidden=True, namespace=namespace)


def test_only_the_functions_an_exercise_uses_stand_in():
    """A check never puts the reference of the exercise itself, or of one it does not call, within
    reach."""
    for name in exercises():
        uses = exercise(name).USES
        assert name not in uses
        assert set(uses) <= set(exercises()) | {"log_joint"}
    answers = planted(bodies(), "log_gaussian", "D = x.shape[1]",
                      "return log_joint(x, np.ones(1), mu_k[None], sigma_k[None])[:, 0]")
    # its own log_joint: no reference
    assert message(submission(source(answers)), "log_gaussian").startswith(
        "log_gaussian (course data): its call of log_joint failed")


def test_check_finds_the_function_in_the_callers_globals(solution, capsys):
    namespace = dict(solution, check=check)
    exec("check('e_step')\ncheck('e_step', 'robustness', hidden=True)", namespace)
    assert capsys.readouterr().out.splitlines() == [
        "✓ e_step: correct (Bayes' rule with scipy densities, course data and random mixtures, "
        "D = 1..4)",
        "✓ e_step: robust on the hidden cases too"]


def test_unknown_exercises_and_parts_are_a_programming_error(solution):
    with pytest.raises(ValueError, match="no robustness check for 'run_em'"):
        check("run_em", "robustness", namespace=solution)
    with pytest.raises(ValueError, match="no check for 'fit'"):
        check("fit", namespace=solution)


def test_the_student_edition_names_the_failing_function_a_check_depends_on(monkeypatch):
    """With no stand-ins (the student edition), a check first runs the same part of the functions it
    calls: ll is not blamed for a logsumexp_rows that overflows, nor e_step for a log_gaussian stub.
    Only functions it reaches count: an ll that never calls logsumexp_rows gets its own hint."""
    import helpers.checks
    monkeypatch.setattr(helpers.checks._references, "public", lambda: True)
    naive = submission(source({**bodies(), "logsumexp_rows": bodies("textbook")["logsumexp_rows"]}))
    assert message(naive, "ll", "robustness") == ('ll calls logsumexp_rows, whose robustness check '
                                                  'fails: make check("logsumexp_rows", '
                                                  '"robustness") pass first')
    # correctness: logsumexp_rows is correct
    check("ll", namespace=naive)
    plain = submission(source({**bodies(), "logsumexp_rows": bodies("textbook")["logsumexp_rows"],
                               "ll": "return np.mean(np.log(np.exp(log_joint(x, pi, mu, sigma))"
                                     ".sum(axis=1)))"}))
    assert message(plain, "ll", "robustness") == ("ll: a point 1e4 sigma away from every component "
                                                  "gives -inf (log of 0) - add the densities in "
                                                  "log space with logsumexp_rows")
    stub = submission(source({name: body for name, body in bodies().items()
                              if name != "log_gaussian"}))
    assert message(stub, "e_step") == 'e_step calls log_gaussian, whose check fails: ' \
                                      'make check("log_gaussian") pass first'


def test_ipython_shows_only_the_cell_line_and_the_message(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from helpers.checks import check\n"
                       "def e_step(x, pi, mu, sigma):\n    raise NotImplementedError()\n")
        capsys.readouterr()
        result = shell.run_cell("n = 1\ncheck('e_step')")
        shown = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    finally:
        InteractiveShell.clear_instance()
    assert isinstance(result.error_in_exec, CheckFailed)
    assert "----> 2 check('e_step')" in shown
    assert shown.rstrip().endswith("CheckFailed: e_step is not implemented yet: replace "
                                   "`raise NotImplementedError()` with your code")
    assert "checks" not in shown.replace("helpers.checks import", "") and "hidden" not in shown


def test_run_all_never_raises_and_lists_every_graded_part():
    namespace = submission("import numpy as np\ndef e_step(x, pi, mu, sigma):\n    return 'r'\n"
                           "def m_step(x, r, reg_covar=1e-6):\n    return {}\n"
                           "def run_em(*args, **kwargs):\n    return 1, 2, 3, [{'ll': 'high'}]\n"
                           "simulate = None\n")
    results = run_all(namespace)
    assert [(r.name, r.part) for r in results] == [(name, part) for name, part, _ in GRADED]
    assert not any(r.passed for r in results)
    messages = {(r.name, r.part): r.message for r in results}
    assert messages[("e_step", "correctness")] == \
        "e_step (course data): r must be an array of numbers; got str"
    assert messages[("m_step", "correctness")].startswith(
        "m_step (course data, reg_covar = 0): must return pi, mu")
    assert messages[("run_em", "correctness")] == ("run_em (course data): history[0] must be a "
                                                   "dict with keys 'll', 'pi', 'mu', 'sigma'; "
                                                   "it lacks 'pi', 'mu', 'sigma'")
    if ("simulate", "correctness") in messages:                 # while simulate is an exercise
        assert messages[("simulate", "correctness")].startswith("simulate is not defined")

"""Slips generated, not listed, and judged alike (instructor/mutants.py).

Hundreds of mutants of the notebook's answers (operators, axes, keepdims, transposes, constants,
in-place updates of an argument, off-by-one, dropped terms, swapped numpy functions, negation).
Each one that changes the function's results on the checks' cases must fail the student
edition's check and the grader, with the same message.  `python -m instructor.mutants` prints the
table, the survivors and the equivalent mutants.
"""

import ast

import pytest

from instructor import mutants

pytestmark = pytest.mark.slow     # about 2.5 minutes on the 2-core machine (`make test-all`)


@pytest.fixture(scope="module")
def verdicts(release, tmp_path_factory):
    """Every mutant judged (`release`: grading needs its wall; without one the tests are
    skipped)."""
    return mutants.evaluate(mutants.student_edition(tmp_path_factory.mktemp("student")))


def test_at_least_200_mutants_a_fair_share_for_each_exercise_in_a_fixed_order():
    made = mutants.mutants()
    assert len(made) >= 200
    per_exercise = {name: sum(m.exercise == name for m in made) for name in mutants.graded()}
    assert set(per_exercise) == {"log_gaussian", "logsumexp_rows", "ll", "e_step", "m_step",
                                 "init_params", "run_em", "simulate"}
    assert min(per_exercise.values()) >= 8, per_exercise
    # made again: the same, in order
    assert mutants._mutants.__wrapped__() == tuple(made)
    assert len({m.description for m in made}) == len(made)


def test_every_mutant_compiles_and_differs_from_the_answer_in_its_own_function_only():
    answers = mutants.bodies()
    seen = set()
    for m in mutants.mutants():
        assert m.description.startswith(f"{m.exercise}: line ")
        assert {k: v for k, v in m.answers.items() if k != m.exercise} == \
            {k: v for k, v in answers.items() if k != m.exercise}
        tree = ast.dump(ast.parse(m.answers[m.exercise]))
        assert tree != ast.dump(ast.parse(answers[m.exercise])) and tree not in seen, m.description
        seen.add(tree)


def test_each_exercise_has_at_least_95_percent_of_its_changing_mutants_killed(verdicts):
    rates = {name: row["rate"] for name, row in mutants.table(verdicts).items()}
    low = {name: f"{rate:.0%}" for name, rate in rates.items() if rate < mutants.KILL_RATE}
    survivors = [f"{v.mutant.description}: notebook {v.caught_by_student}, "
                 f"grader {v.caught_by_grader}"
                 for v in verdicts if v.changed and not v.killed]
    assert not low, f"{low}; survivors:\n" + "\n".join(survivors)


def test_a_killed_mutant_gets_the_same_message_from_the_notebook_and_the_grader(verdicts):
    differ = [f"{v.mutant.description} [{part}]\n  notebook: {s}\n  grader:   {g}"
              for v in verdicts if v.killed for part, s, g in v.mismatches()]
    assert not differ, f"{len(differ)} message(s) differ:\n" + "\n".join(differ)


def test_an_equivalent_mutant_is_not_judged(verdicts):
    """Equivalent: not one result changed on the checks' cases (hidden ones too); the others are
    judged by both sides, for every part of their exercise."""
    parts = mutants.graded()
    for v in verdicts:
        if v.changed:
            assert set(v.student) == set(v.grader) == set(parts[v.mutant.exercise]), \
                v.mutant.description
        else:
            assert v.student is None and v.grader is None
    assert sum(v.changed for v in verdicts) >= 0.8 * len(verdicts)

"""The graded checks as pytest tests, one per check cell of the notebook, marked by its part.

    pytest -m correctness --notebook SUBMISSION.ipynb     the correctness checks only
    pytest -m robustness --notebook SUBMISSION.ipynb      the robustness checks only

Each test runs the check behind the notebook's check cell, hidden tests included, on the
functions the submission defines (loaded as Run All would define them: helpers.load_notebook).
Its name says the points its check cell's metadata gives it.
"""

import pytest

from helpers import checks

CASES = [pytest.param(name, part, marks=getattr(pytest.mark, part),
                      id=f"{name}-{part}-{points:g}pt")
         for name, part, points in checks.graded_parts()]


@pytest.mark.parametrize("name, part", CASES)
def test_graded(nb, name, part):
    namespace = vars(nb)
    if name not in namespace and name in nb.__cell_errors__:
        pytest.fail(f"{name} is not defined: {nb.__cell_errors__[name]}", pytrace=False)
    try:
        checks.check(name, part, hidden=True, namespace=namespace)
        return
    except checks.CheckFailed as err:
        message = str(err)
    # outside `except`: one line, no chained traceback
    pytest.fail(message, pytrace=False)

"""The exercise checks: `check("e_step")` after each exercise, and what grading runs.

In the notebook, right after each exercise::

    check("e_step")                  # correctness: agrees with independent oracles
    check("e_step", "robustness")    # far points, extreme scales, empty components ...

A check prints one line when the function passes.  When it does not, it raises `CheckFailed`
(an AssertionError) whose message is one line in the student's terms: the function, what is
wrong (shape or value, which row or component, the number) and a hint.

Where things are:

- This file is the core: finding the function, calling it safely, reading what it returns,
  the messages, the shared test data, and the reference versions standing in for the other
  functions.
- `helpers/checks/<exercise>.py` holds everything about one exercise: its reference version
  (`reference`, written with scipy and numpy, never the notebook's code), its cases (visible and
  hidden), one function per graded part (`correctness`, `robustness`) with its hints, the other
  functions it calls (`USES`), and the answers the tests plant (`TEXTBOOK`, `SLIPS`).
- The points and the list of graded parts live once, in the notebook's nbgrader metadata:
  a check cell with grade_id "<exercise>_<part>" (`graded_parts` reads them).

Stand-ins: while function f is checked, the functions it calls (its module's `USES`) are the
reference versions, put back afterwards.  So run_em is checked with a correct e_step, m_step and
ll: a bug costs the points of the function that has it, never those of the functions that call it.
"""


import importlib
import json
import sys
import types
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from helpers.checks import _references
from helpers.checks._calls import call
from helpers.checks._cases import VISIBLE_SHAPES, course, far_problems, mixture, problems
from helpers.checks._messages import (CheckFailed, array, close, fail, fmt, index, mismatch, params,
                                      scalar, two, unpack)
from helpers.checks._references import NotRecorded, reached, reference, stand_ins
from helpers.words import first_line

# What the exercise modules, the notebook, grading and the tests import from here.
__all__ = ["CheckFailed", "NotRecorded", "PARTS", "Result", "VISIBLE_SHAPES", "array",
           "call", "check", "close", "course", "exercise", "exercise_part", "exercises", "fail",
           "far_problems",
           "first_correct", "first_line", "fmt", "graded_parts", "index", "mismatch", "mixture",
           "params", "problems", "reference", "run", "run_all", "scalar", "stand_ins", "two",
           "unpack"]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "nb07_em.ipynb"
PARTS = ("correctness", "robustness")
PRIVATE = ()                                                 # nothing here is instructor-only


class Result(NamedTuple):
    name: str
    part: str
    passed: bool
    message: str



# ---- the exercises and their points, discovered ------------------------------------------

def exercise(name):
    """The module that checks exercise `name` (helpers/checks/<name>.py)."""
    if name not in exercises():
        raise ValueError(f"no check for {name!r}; exercises: {', '.join(exercises())}")
    return importlib.import_module(f"{__name__}.{name}")


@lru_cache(maxsize=None)
def exercises():
    """The names of the exercises that have a check module (read once: modules are not added while
    the checks run)."""
    return tuple(sorted(p.stem for p in Path(__file__).parent.glob("*.py")
                        if not p.stem.startswith("_")))


@lru_cache(maxsize=None)
def given():
    """{name of given code: the exercise whose module declares it in GIVEN}, e.g. log_joint: ll."""
    return {g: name for name in exercises() for g in getattr(exercise(name), "GIVEN", ())}


def exercise_part(grade_id):
    """(exercise, part) of an autograded check's grade_id "<exercise>_<part>", else None."""
    name, _, part = grade_id.rpartition("_")
    return (name, part) if name and part in PARTS else None


def graded_parts(notebook=NOTEBOOK):
    """[(exercise, part, points)] of the notebook's autograded check cells, in notebook order.

    Read from nbgrader's metadata: a cell with "grade": true, no "solution", and a grade_id
    "<exercise>_<part>".  This is the only place the points are written.
    """
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            if exercise_part(meta["grade_id"]) is None:
                raise ValueError(f"check cell {meta['grade_id']!r}: a grade_id is "
                                 f"'<exercise>_<part>', part one of {PARTS}")
            parts.append((*exercise_part(meta["grade_id"]), meta["points"]))
    return parts


# ---- running a check ------------------------------------------------------------------------

def check(name, part="correctness", *, hidden=False, namespace=None):
    """Check exercise `name`; print one line if it passes, raise CheckFailed if not.

    part: "correctness" or "robustness".  hidden: run the hidden cases instead of the visible
    ones.  namespace: where to find the function (default: the caller's global variables,
    i.e. the notebook's).
    """
    __tracebackhide__ = True
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    result = run(name, part, namespace, hidden)
    if not result.passed:
        raise CheckFailed(result.message)
    print(result.message)


def run_all(namespace, hidden=True, parts=None):
    """Every graded part (the visible cases, then if `hidden` the hidden ones) -> [Result]."""
    results = []
    for name, part, _ in parts or graded_parts():
        result = run(name, part, namespace, False)
        if result.passed and hidden:
            hidden_result = run(name, part, namespace, True)
            result = result if hidden_result.passed else hidden_result
        results.append(result)
    return results


def run(name, part, namespace, hidden=False):
    """Check one part of one exercise -> Result; never raises for anything the student wrote."""
    if isinstance(namespace, types.ModuleType):
        namespace = vars(namespace)
    module = exercise(name)
    body = getattr(module, part, None)
    if part not in PARTS or body is None:
        raise ValueError(f"no {part} check for {name!r}")
    func = namespace.get(name)
    if func is None:
        return Result(name, part, False,
                      f"{name} is not defined: run its cell first; if that cell shows an error, "
                      f"fix it first")
    if not callable(func):
        return Result(name, part, False, f"{name} is a {type(func).__name__}, not a function: "
                                         f"was the name reused after its cell? Run its cell again")
    if part != "correctness" and hasattr(module, "correctness"):
        correct = run(name, "correctness", namespace, hidden)
        if not correct.passed:
            return Result(name, part, False, first_correct(name, part))
    # no stand-ins: the student's own, if they pass the same checks
    if _references.public():
        calls = reached(func, namespace)
        for other in (u for u in module.USES if u in exercises() and u in calls):
            for its_part in dict.fromkeys(("correctness", part)):
                if (hasattr(exercise(other), its_part)
                        and not run(other, its_part, namespace).passed):
                    which = "" if its_part == "correctness" else f" {its_part}"
                    again = f'"{other}"' + (f', "{its_part}"' if which else "")
                    return Result(name, part, False,
                                  f"{name} calls {other}, whose{which} check fails: "
                                  f"make check({again}) pass first")
    try:
        with stand_ins(func, () if _references.public() else module.USES):
            body(func, hidden)
    except CheckFailed as failure:
        return Result(name, part, False, str(failure))
    except NotRecorded:
        return Result(name, part, False,
                      f"{name} does not give what the reference gives on the visible "
                      f"cases; compare it with the formulas above the exercise")
    except Exception as exc:
        # something no case foresaw: still one line
        return Result(name, part, False, f"{name}: the check could not use what it returned "
                                         f"({type(exc).__name__}: {first_line(exc)})")
    word = "correct" if part == "correctness" else "robust"
    text = "on the hidden cases too" if hidden else f"({body.__doc__.strip()})"
    return Result(name, part, True, f"✓ {name}: {word} {text}")


def first_correct(name, part):
    """The message of a part other than correctness when the correctness check fails (which says
    why)."""
    return (f"{name}: {part} counts only once correctness passes, and it does not yet: "
            f"make check(\"{name}\") pass first")


"""Calling the student's function: on copies of the arrays, its errors and its in-place changes
become one-line failures that name its line, or the graded function it called that failed."""

import inspect
import re
import warnings

import numpy as np

from helpers.checks._messages import CheckFailed
from helpers.words import first_line, not_implemented, your_line

PRIVATE = ()                                                 # nothing here is instructor-only


def call(name, func, *args, case=None, **kwargs):
    """func(*args, **kwargs) on copies of the arrays; an exception, or an array argument changed in
    place, becomes a CheckFailed."""
    given = {**dict(enumerate(args)), **kwargs}
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    kwargs = {k: a.copy() if isinstance(a, np.ndarray) else a for k, a in kwargs.items()}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # numpy's RuntimeWarnings: the values tell
            warnings.simplefilter("ignore")
            value = func(*args, **kwargs)
        changed(name, func, given, {**dict(enumerate(args)), **kwargs}, case)
        return value
    except NotImplementedError as exc:
        raise CheckFailed(getattr(exc, "stub", None)
                          or not_implemented(name, func, exc)) from None
    except CheckFailed:
        raise
    except Exception as exc:                                 # also one raised in a grading worker
        where = f" ({case})" if case else ""
        kind = getattr(exc, "kind", type(exc).__name__)
        if kind == "a stop":
            raise CheckFailed(f"{exc}{where}") from None
        line = getattr(exc, "where", None)
        line = your_line(exc, func) if line is None else line
        callee = called(exc, func)
        # the callee's own error differs with who stands in for it
        if callee:
            raise CheckFailed(f"{name}{where}: its call of {callee} failed{line} - check what it "
                              f"passes to {callee}: the order, shapes and values of the "
                              f"arguments") from None
        raise CheckFailed(f"{name}{where} raised {kind}: {first_line(exc)}{line}") from None


def called(exc, func):
    """The graded function (or given code such as log_joint) that func called and in which exc was
    raised: the student's own, a reference standing in for it here, or one in a grading worker; else
    None."""
    standing_in = re.match(r"(\w+) \(the reference, standing in\) raised", str(exc))
    if standing_in:
        return standing_in.group(1)
    tb, code = exc.__traceback__, getattr(func, "__code__", None)
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is None or tb.tb_next is None:
        return None
    from helpers.checks import exercises, given
    frame = tb.tb_next.tb_frame
    module, function = frame.f_globals.get("__name__", ""), frame.f_code.co_name
    if module.startswith("helpers.checks."):                 # a reference version standing in
        return function.removeprefix("reference_") if function.startswith("reference_") \
            else module.rpartition(".")[2]
    return function if function in {*exercises(), *given()} else None


def changed(name, func, given, after, case=None):
    """CheckFailed if the call changed one of the arrays it was given (x -= mu_k, r[r < eps] = eps):
    in the notebook, every later cell would run on the changed data."""
    for key, value in given.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, after[key], equal_nan=True):
            try:
                names = list(inspect.signature(func).parameters)
                arg = names[key] if isinstance(key, int) else key
            except (TypeError, ValueError, IndexError):
                arg = f"argument {key + 1}" if isinstance(key, int) else key
            where = f" ({case})" if case else ""
            raise CheckFailed(f"{name}{where} changed {arg} in place ({arg} -= ..., "
                              f"{arg}[...] = ... or an out= argument): the caller's {arg} is "
                              f"changed too; work on a copy ({arg} - mu, not {arg} -= mu)")


"""Exercise logsumexp_rows: log(sum_k exp(a[i, k])) for every row, without overflow or underflow."""

import numpy as np
from scipy.special import logsumexp

from helpers.checks import (array, call, close, course, fail, fmt, mismatch,
                            reference as reference_of, two)

USES = ()
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "PLANTED_NO_KEEPDIMS", "SLIPS")


def reference(a):
    return logsumexp(a, axis=1)


def cases(hidden):
    rng = np.random.default_rng(11 if not hidden else 111)
    shapes = [(50, 1), (40, 3), (30, 5)] if not hidden else [(1, 4), (25, 2), (35, 6), (20, 7)]
    for N, K in shapes:
        yield (f"random rows, K = {K}",
               rng.normal(scale=3.0, size=(N, K)) - rng.uniform(0, 30, size=(N, 1)))
    if not hidden:
        yield "log_joint of the course data", reference_of("log_joint")(*course())


def correctness(f, hidden):
    """scipy's logsumexp, K = 1..5"""
    for case, a in cases(hidden):
        N, K = a.shape
        got = call("logsumexp_rows", f, a, case=case)
        hints = {(N, 1): "return shape (N,): drop keepdims, or take [:, 0]",
                 (K,): "that is one value per column; sum over each row (axis=1)"}
        got = array("logsumexp_rows", got, "the result", (N,), "(N,)", case, hints)
        expected = reference_of("logsumexp_rows")(a)
        i = mismatch(got, expected, rtol=1e-10)
        if i is not None:
            m = a.max(axis=1)
            hint = ("log(sum_k exp(a[i, k])) = m + log(sum_k exp(a[i, k] - m)) with m the row "
                    "maximum")
            if close(got, expected - m, 1e-8):
                hint = "add the row maximum back after the log"
            elif close(got, m, 1e-8):
                hint = "that is the row maximum; add log(sum_k exp(a[i, k] - m)) to it"
            elif K == 1 and close(got, m + np.log(np.sum(np.exp(a - m), axis=1)), 1e-8):
                hint = ("a - m with m of shape (N,) broadcasts to (N, N), not row by row: keep the "
                        "row maximum as (N, 1) with np.max(a, axis=1, keepdims=True)")
            a_, b_ = two(got[i], expected[i])
            fail("logsumexp_rows", f"row {i[0]} gives {a_}, expected {b_}", hint, case)


def robustness(f, hidden):
    """exact on rows near -1000 and near 1000, and on [710.5, 0, -710.5]"""
    rows = ([[-1000.0, -1001.0, -1002.0], [1000.0, 999.0, 998.0], [710.5, 0.0, -710.5]]
            if not hidden else
            [[-1e5, -1e5 - 2.0, -1e5 + 3.0], [-800.0, -1200.0, -745.5], [3.0, 800.0, -2.0]])
    a = np.array(rows)
    got = call("logsumexp_rows", f, a, case=f"rows like {fmt(rows[0])}")
    got = array("logsumexp_rows", got, "the result", (len(a),), "(N,)")
    expected = reference_of("logsumexp_rows")(a)
    i = mismatch(got, expected, rtol=1e-12)
    if i is not None:
        a_, b_ = two(got[i], expected[i])
        fail("logsumexp_rows", f"the row {fmt(a[i[0]])} gives {a_}, expected {b_}",
             "subtract the row maximum before exp, add it back after the log")


TEXTBOOK = """
return np.log(np.sum(np.exp(a), axis=1))
"""

PLANTED_NO_KEEPDIMS = """
m = np.max(a, axis=1)
return m + np.log(np.sum(np.exp(a - m), axis=1))
"""

SLIPS = [
    ("textbook", "", "", "robustness",
     "logsumexp_rows: the row [-1000, -1001, -1002] gives -inf, expected -999.6 - subtract the row "
     "maximum before exp, add it back after the log"),
    ("solution", "keepdims=True)))[:, 0]", "keepdims=True)))", "correctness",
     "logsumexp_rows (random rows, K = 1): the result has shape (50, 1); expected (N,) = (50,) - "
     "return shape (N,): drop keepdims, or take [:, 0]"),
    ("solution", "return (m + np.log(", "return (np.log(", "correctness",
     "- add the row maximum back after the log"),
    (PLANTED_NO_KEEPDIMS, "", "", "correctness",
     "logsumexp_rows (random rows, K = 1): row 0 gives 3.891, expected -13.69 - a - m with m of "
     "shape (N,) broadcasts to (N, N), not row by row: keep the row maximum as (N, 1) with "
     "np.max(a, axis=1, keepdims=True)"),
]

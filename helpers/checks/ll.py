"""Exercise ll: the mean log-likelihood per sample, (1/N) sum_i log sum_k pi_k N(x_i | mu_k,
sigma_k)."""

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from helpers.checks import (NotRecorded, reference as reference_of, call, fail, far_problems,
                            problems, scalar, two)

USES = ("log_gaussian", "logsumexp_rows", "log_joint")
GIVEN = ("log_joint",)   # given code in ll's cell; reference_log_joint is its reference version
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "reference_log_joint", "_RECENT", "TEXTBOOK", "PLANTED_LOG_JOINT_BY_HAND",
           "SLIPS")

_RECENT = {}


def reference_log_joint(x, pi, mu, sigma):
    """log pi_k + scipy's log N(x_i | mu_k, sigma_k) -> (N, K): the given log_joint, independently.

    Recent results are kept, keyed by the bytes of the arguments: checking run_em asks for the
    same parameters three times per iteration (its e_step, its ll, and the check itself).
    """
    key = tuple((np.shape(a), np.asarray(a, dtype=float).tobytes()) for a in (x, pi, mu, sigma))
    if key not in _RECENT:
        if len(_RECENT) >= 32:
            _RECENT.clear()
        with np.errstate(divide="ignore"):                   # log(0) = -inf for an empty component
            log_pi = np.log(pi)
        _RECENT[key] = np.column_stack(
            [log_pi[k] + multivariate_normal.logpdf(x, mu[k], sigma[k]).reshape(len(x))
             for k in range(len(pi))])
    return _RECENT[key].copy()


def reference(x, pi, mu, sigma):
    return float(np.mean(logsumexp(reference_log_joint(x, pi, mu, sigma), axis=1)))


def correctness(f, hidden):
    """mean log-likelihood as scipy computes it, D = 1..4"""
    for case, x, pi, mu, sigma in problems(hidden):
        got = scalar("ll", call("ll", f, x, pi, mu, sigma, case=case), case,
                     "the mean over samples")
        expected = reference_of("ll")(x, pi, mu, sigma)
        if not np.isclose(got, expected, rtol=1e-8, atol=1e-10):
            hint = "(1/N) sum_i log sum_k pi_k N(x_i | mu_k, sigma_k)"
            if np.isclose(got, len(x) * expected, rtol=1e-8):
                hint = "that is the sum over samples; ll is the mean (divide by N)"
            else:
                hint = slip(got, x, pi, mu, sigma) or hint
            a, b = two(got, expected)
            fail("ll", f"gives {a}, expected {b}", hint, case)


def slip(got, x, pi, mu, sigma):
    """The hint for a classic slip that gives `got`, or None."""
    try:
        joint = reference_of("log_joint")(x, pi, mu, sigma)
    except NotRecorded:
        # the student edition recorded no such call
        return None
    if np.isclose(got, np.mean(joint.max(axis=1)), rtol=1e-8):
        return ("that is the mean of each row's largest log_joint: add the components with "
                "logsumexp_rows, not np.max")
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.isclose(got, np.mean(logsumexp(joint - np.log(pi), axis=1)), rtol=1e-8):
            return ("ll ignores the weights: add log pi_k to each component's log density "
                    "(log_joint does)")
    return None


def robustness(f, hidden):
    """finite with a point 1e4 sigma from every component"""
    for case, x, pi, mu, sigma in far_problems(hidden):
        got = scalar("ll", call("ll", f, x, pi, mu, sigma, case=case), case,
                     "the mean over samples")
        expected = reference_of("ll")(x, pi, mu, sigma)
        if not np.isfinite(got):
            what = " (log of 0)" if got == -np.inf else ""
            fail("ll", f"{case} gives {got}{what}",
                 "add the densities in log space with logsumexp_rows")
        if not np.isclose(got, expected, rtol=1e-8):
            a, b = two(got, expected)
            fail("ll", f"{case} gives {a}, expected {b}")


TEXTBOOK = """
total = np.zeros(len(x))
for k in range(len(pi)):
    total += pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x)
return np.mean(np.log(total))
"""

PLANTED_LOG_JOINT_BY_HAND = """
log_p = np.column_stack([np.log(pi[k]) + log_gaussian(x, mu[k], sigma[k]) for k in range(len(pi))])
return float(np.mean(logsumexp_rows(log_p)))
"""

SLIPS = [
    ("textbook", "", "", "robustness",
     "ll: a point 1e4 sigma away from every component gives -inf (log of 0) - add the densities in "
     "log space with logsumexp_rows"),
    ("solution", "float(np.mean(logsumexp_rows", "float(np.sum(logsumexp_rows", "correctness",
     "ll (course data): gives -1226, expected -4.087 - that is the sum over samples; ll is the "
     "mean (divide by N)"),
    ("solution", "logsumexp_rows(log_joint(x, pi, mu, sigma))",
     "np.max(log_joint(x, pi, mu, sigma), axis=1)",
     "correctness",
     "ll (course data): gives -4.101, expected -4.087 - that is the mean of each row's largest "
     "log_joint: add the components with logsumexp_rows, not np.max"),
    (PLANTED_LOG_JOINT_BY_HAND, "np.log(pi[k]) + log_gaussian", "log_gaussian", "correctness",
     "ll (course data): gives -2.722, expected -4.087 - ll ignores the weights: add log pi_k to "
     "each component's log density (log_joint does)"),
]

"""Exercise e_step: the responsibilities r[i, k] = p(z_i = k | x_i), by Bayes' rule."""

import numpy as np
from scipy.special import logsumexp, softmax

from helpers.checks import (NotRecorded, array, call, close, course, fail, far_problems, fmt, index,
                            mismatch, mixture, problems, reference as reference_of, two)

USES = ("log_gaussian", "logsumexp_rows", "log_joint")
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "SLIPS")


def reference(x, pi, mu, sigma):
    return softmax(reference_of("log_joint")(x, pi, mu, sigma), axis=1)


def responsibilities(f, x, pi, mu, sigma, case):
    got = call("e_step", f, x, pi, mu, sigma, case=case)
    return array("e_step", got, "r", (len(x), len(pi)), "(N, K)", case)


def correctness(f, hidden):
    """Bayes' rule with scipy densities, course data and random mixtures, D = 1..4"""
    for case, x, pi, mu, sigma in problems(hidden):
        r = responsibilities(f, x, pi, mu, sigma, case)
        sums = r.sum(axis=1)
        i = mismatch(sums, np.ones(len(x)), rtol=0, atol=1e-8)
        if i is not None:
            hint = "divide by the sum over components (axis=1)"
            if len(pi) > 1 and close(r.sum(axis=0), np.ones(len(pi)), 0, 1e-8):
                hint = "r is normalised over samples; divide by the sum over components (axis=1)"
            elif close(logsumexp(r, axis=1), np.zeros(len(x)), 0, 1e-8):
                hint = ("the rows look like logarithms (log r, normalised in log space): "
                        "exponentiate them")
            fail("e_step",
                 f"each row of r must sum to 1; row {i[0]} sums to {two(sums[i], 1.0)[0]}",
                 hint, case)
        expected = reference_of("e_step")(x, pi, mu, sigma)
        i = mismatch(r, expected, rtol=0, atol=1e-9)
        if i is not None:
            hint = "r[i, k] = pi_k N(x_i | mu_k, sigma_k) / sum_j pi_j N(x_i | mu_j, sigma_j)"
            twice = expected * pi / np.sum(expected * pi, axis=1, keepdims=True)
            if np.all((r == 0) | (r == 1)):
                hint = "r is one-hot (each row a single 1): responsibilities are soft " \
                       "probabilities, p(z_i = k | x_i), not the most likely component"
            elif close(r, twice, 0, 1e-9):
                hint = "pi is applied twice (r goes with pi_k^2): multiply by pi_k once; " \
                       "log_joint already adds log pi_k"
            elif ignores_weights(r, x, pi, mu, sigma):
                hint = "r ignores the weights: multiply each density by pi_k"
            a, b = two(r[i], expected[i])
            fail("e_step", f"r[{index(i)}] is {a}, expected {b}", hint, case)


def ignores_weights(r, x, pi, mu, sigma):
    try:
        return close(r, reference_of("e_step")(x, np.full(len(pi), 1 / len(pi)), mu, sigma),
                     0, 1e-9)
    except NotRecorded:
        # the student edition recorded no such call
        return False


def robustness(f, hidden):
    """far points give rows that sum to 1; same r at 1e-6 and 1e6"""
    for case, x, pi, mu, sigma in far_problems(hidden):
        r = responsibilities(f, x, pi, mu, sigma, case)
        hint = "compute in log space and subtract the row maximum before exponentiating"
        if not np.all(np.isfinite(r[-1])):
            what = "NaN in r (0/0)" if np.any(np.isnan(r[-1])) else "inf in r"
            fail("e_step", f"{case} gives {what}", hint)
        if not np.isclose(r[-1].sum(), 1.0, rtol=0, atol=1e-8):
            fail("e_step", f"for {case}, the row of r sums to {fmt(r[-1].sum())}, not 1", hint)
        expected = reference_of("e_step")(x, pi, mu, sigma)
        i = mismatch(r, expected, rtol=0, atol=1e-8)
        if i is not None:
            a, b = two(r[i[0]], expected[i[0]])
            fail("e_step", f"for {case}, row {i[0]} of r is {a}, expected {b}")
    if not hidden:
        x, pi, mu, sigma = course()
        scales = (1e-6, 1e6)
    else:
        x, pi, mu, sigma = mixture(301, 4, 3)
        scales = (1e-8, 1e8)
    expected = reference_of("e_step")(x, pi, mu, sigma)
    for s in scales:
        case = f"data and parameters scaled by {s:g}"
        r = responsibilities(f, s * x, pi, s * mu, s**2 * sigma, case)
        i = mismatch(r, expected, rtol=0, atol=1e-8)
        if i is not None:
            a, b = two(r[i], expected[i])
            fail("e_step",
                 f"with {case}, r[{index(i)}] is {a}, expected {b} (the same r as at scale 1)",
                 "r must not depend on the units: no fixed constants such as + 1e-10")


TEXTBOOK = """
dens = np.zeros((len(x), len(pi)))
for k in range(len(pi)):
    dens[:, k] = pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x)
return dens / dens.sum(axis=1, keepdims=True)
"""

SLIPS = [
    ("textbook", "", "", "robustness",
     "e_step: a point 1e4 sigma away from every component gives NaN in r (0/0) - compute in log "
     "space and subtract the row maximum before exponentiating"),
    ("textbook", "dens.sum(axis=1, keepdims=True)", "dens.sum(axis=0, keepdims=True)",
     "correctness",
     "e_step (course data): each row of r must sum to 1; row 0 sums to 0.006244 - r is normalised "
     "over samples; divide by the sum over components (axis=1)"),
    ("textbook", "pi[k] * multivariate_normal", "multivariate_normal", "correctness",
     "- r ignores the weights: multiply each density by pi_k"),
    ("solution", "return w / np.sum(w, axis=1, keepdims=True)",
     "return np.eye(len(pi))[np.argmax(log_p, axis=1)]",
     "correctness",
     "e_step (course data): r[1, 0] is 0, expected 7.995e-06 - r is one-hot (each row a single 1): "
     "responsibilities are soft probabilities, p(z_i = k | x_i), not the most likely component"),
    ("solution", "return w /", "w = w * pi\nreturn w /", "correctness",
     "e_step (course data): r[1, 0] is 1.836e-05, expected 7.995e-06 - pi is applied twice (r goes "
     "with pi_k^2): multiply by pi_k once; log_joint already adds log pi_k"),
    ("solution", "w = np.exp(log_p - np.max(log_p, axis=1, keepdims=True))",
     "return log_p - logsumexp_rows(log_p)[:, None]", "correctness",
     "e_step (course data): each row of r must sum to 1; row 0 sums to -145.2 - the rows look like "
     "logarithms (log r, normalised in log space): exponentiate them"),
]

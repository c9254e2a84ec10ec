"""Exercise log_gaussian: log N(x_i | mu_k, sigma_k) for every row of x."""

import numpy as np
from scipy.stats import multivariate_normal

from helpers.checks import (reference as reference_of, array, call, close, fail, far_problems,
                            mismatch, problems, two)

USES = ()
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "PLANTED_BY_HAND", "SLIPS")


def reference(x, mu_k, sigma_k):
    """scipy's log density of N(mu_k, sigma_k) at every row of x -> (N,)."""
    return np.reshape(multivariate_normal.logpdf(x, mu_k, sigma_k), len(x))


def correctness(f, hidden):
    """scipy's logpdf, course data and random Gaussians, D = 1..4"""
    for case, x, pi, mu, sigma in problems(hidden):
        for k in range(len(pi)):
            got = call("log_gaussian", f, x, mu[k], sigma[k], case=case)
            got = array("log_gaussian", got, "the result", (len(x),), "(N,)", case,
                        {(len(x), 1): "return one value per sample, shape (N,)"})
            expected = reference_of("log_gaussian")(x, mu[k], sigma[k])
            i = mismatch(got, expected)
            if i is not None:
                a, b = two(got[i], expected[i])
                fail("log_gaussian", f"row {i[0]} gives {a}, expected {b}",
                     hint(got, expected, x, mu[k], sigma[k]), f"{case}, component {k}")


def hint(got, expected, x, mu_k, sigma_k):
    D = len(mu_k)
    diff = x - mu_k
    swapped = np.einsum("ni,ij,nj->n", diff, sigma_k, diff)  # sigma where its inverse belongs
    log_det = np.linalg.slogdet(sigma_k)[1]
    for log_det_used in (log_det, -log_det):
        if close(got, -0.5 * (D * np.log(2 * np.pi) + log_det_used + swapped), 1e-6, 1e-8):
            return "use the inverse of sigma_k in (x - mu)^T sigma^-1 (x - mu)"
    if close(got, np.exp(expected), 1e-6, 1e-12):
        return "that is the density; return its logarithm"
    var, L = np.diag(sigma_k), np.linalg.cholesky(sigma_k)
    constant = D * np.log(2 * np.pi)
    candidates = [
        (2 * expected, "the factor -1/2 is missing: "
                       "log N = -1/2 (D log(2 pi) + log det sigma_k + the Mahalanobis term)"),
        # L^-1 solved with lower=False
        (-0.5 * (constant + log_det + np.sum((diff / np.diag(L)) ** 2, axis=1)),
         "only the diagonal of L was inverted: L is lower-triangular, "
         "solve with solve_triangular(L, ..., lower=True)"),
        (-0.5 * (constant + np.sum(np.log(var)) + np.sum(diff**2 / var, axis=1)),
         "only the diagonal of sigma_k was used: the off-diagonal entries (the correlations) are "
         "ignored"),
    ]
    for value, text in candidates:
        if close(got, value, 1e-6, 1e-8):
            return text
    shift = got - expected
    if np.all(np.isfinite(shift)) and np.ptp(shift) < 1e-6 * (1 + abs(shift[0])):
        return (f"every row is off by {shift[0]:.4g}: check the constant "
                "-0.5 * (D log(2 pi) + log det sigma_k)")
    return "log N = -0.5 * (D log(2 pi) + log det sigma_k + (x - mu_k)^T sigma_k^-1 (x - mu_k))"


def robustness(f, hidden):
    """finite 1e4 sigma from the mean"""
    for case, x, pi, mu, sigma in far_problems(hidden):
        k = int(np.argmax(pi))
        got = call("log_gaussian", f, x, mu[k], sigma[k], case=case)
        got = array("log_gaussian", got, "the result", (len(x),), "(N,)", case)
        expected = reference_of("log_gaussian")(x, mu[k], sigma[k])
        if not np.isfinite(got[-1]):
            what = " (log of 0)" if got[-1] == -np.inf else ""
            fail("log_gaussian", f"a point 1e4 sigma from the mean gives {got[-1]}{what}",
                 "compute the log density directly, not np.log of the density")
        i = mismatch(got, expected)
        if i is not None:
            a, b = two(got[i], expected[i])
            fail("log_gaussian", f"row {i[0]} gives {a}, expected {b} (scipy's logpdf)", case=case)


# ---- for the tests: an answer as students write it, and classic slips
# (base, old, new, part, message)

TEXTBOOK = """
return np.log(multivariate_normal(mu_k, sigma_k).pdf(x))
"""

PLANTED_BY_HAND = """
D = x.shape[1]
diff = x - mu_k
mahalanobis = np.sum(diff @ np.linalg.inv(sigma_k) * diff, axis=1)
return -0.5 * (D * np.log(2 * np.pi) + np.log(np.linalg.det(sigma_k)) + mahalanobis)
"""

SLIPS = [
    ("textbook", "", "", "robustness",
     "log_gaussian: a point 1e4 sigma from the mean gives -inf (log of 0) - compute the log "
     "density directly, not np.log of the density"),
    (PLANTED_BY_HAND, "diff @ np.linalg.inv(sigma_k)", "diff @ sigma_k", "correctness",
     "log_gaussian (course data, component 0): row 0 gives -72.01, expected -47.3 - use the "
     "inverse of sigma_k in (x - mu)^T sigma^-1 (x - mu)"),
    (PLANTED_BY_HAND, "-0.5 * (D * np.log(2 * np.pi)", "-0.5 * (np.log(2 * np.pi)", "correctness",
     "- every row is off by 0.9189: check the constant -0.5 * (D log(2 pi) + log det sigma_k)"),
    ("textbook", "return np.log(", "return (", "correctness",
     "- that is the density; return its logarithm"),
    ("solution", "z = L_inv @ (x - mu_k).T", "x -= mu_k\nz = L_inv @ x.T", "correctness",
     "log_gaussian (course data) changed x in place (x -= ..., x[...] = ... or an out= argument): "
     "the caller's x is changed too"),
    ("solution", "lower=True", "lower=False", "correctness",
     "log_gaussian (course data, component 0): row 0 gives -22.49, expected -47.3 - only the "
     "diagonal of L was inverted: L is lower-triangular, solve with solve_triangular(L, ..., "
     "lower=True)"),
    ("solution", "L = np.linalg.cholesky(sigma_k)", "L = np.diag(np.sqrt(np.diag(sigma_k)))",
     "correctness",
     "log_gaussian (course data, component 0): row 0 gives -22.54, expected -47.3 - only the "
     "diagonal of sigma_k was used: the off-diagonal entries (the correlations) are ignored"),
    (PLANTED_BY_HAND, "return -0.5 * (D", "return -(D", "correctness",
     "log_gaussian (course data, component 0): row 0 gives -94.61, expected -47.3 - the factor "
     "-1/2 is missing: log N = -1/2 (D log(2 pi) + log det sigma_k + the Mahalanobis term)"),
]

"""Exercise init_params: random distinct data points as means, the data covariance for all, equal
weights."""

import numpy as np

from helpers.checks import (VISIBLE_SHAPES, call, close, course, fail, fmt, index, mismatch,
                            mixture, params, reference as reference_of, two)
from helpers.checks._cases import HIDDEN_SHAPES

USES = ()
STATED = "np.unique(x, axis=0)[rng.choice(len(distinct), size=n_clusters, replace=False)]"
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "SLIPS")


def reference(x, n_clusters, rng, reg_covar=1e-6):
    distinct = np.unique(x, axis=0)
    mu = distinct[rng.choice(len(distinct), size=n_clusters, replace=False)]
    D = x.shape[1]
    cov = np.cov(x.T, bias=True).reshape(D, D) + reg_covar * np.eye(D)
    return np.full(n_clusters, 1.0 / n_clusters), mu, np.repeat(cov[None], n_clusters, axis=0)


def cases(hidden):
    x, *_ = course()
    if not hidden:
        yield "course data, K = 4", x, 4, 0, 1e-6
        yield "course data, K = 3, reg_covar = 0.001", x, 3, 1, 1e-3
        for seed, (K, D) in enumerate(VISIBLE_SHAPES, start=1):
            yield f"random data, K = {K}, D = {D}", mixture(seed, K, D)[0], K, seed, 1e-6
        return
    yield "course data with duplicated rows, K = 5", np.repeat(x[:40], 3, axis=0), 5, 7, 1e-6
    for seed, (K, D) in enumerate(HIDDEN_SHAPES, start=501):
        yield f"random data, K = {K}, D = {D}", mixture(seed, K, D)[0], K, seed, 0.01


def result(f, x, K, rng, reg_covar, case):
    out = call("init_params", f, x, K, rng, reg_covar=reg_covar, case=case)
    return params("init_params", out, K, x.shape[1], case)


def correctness(f, hidden):
    """the stated means, covariance / N plus ridge, equal weights"""
    for case, x, K, seed, reg_covar in cases(hidden):
        rng = np.random.default_rng(seed)
        untouched = rng.bit_generator.state
        pi, mu, sigma = result(f, x, K, rng, reg_covar, case)
        expected_rng = np.random.default_rng(seed)
        e_pi, e_mu, e_sigma = reference_of("init_params")(x, K, expected_rng, reg_covar)
        if not close(pi, e_pi, 0, 1e-12):
            fail("init_params", f"pi is {fmt(pi)}; expected equal weights 1/K", case=case)
        if rng.bit_generator.state == untouched:
            fail("init_params", "does not draw from the rng it was given",
                 "use the rng you were given, rng.choice(...), not np.random", case)
        if not close(mu, e_mu, 0, 0):
            is_row = (mu[:, None, :] == x[None, :, :]).all(axis=2).any(axis=1)
            if not np.all(is_row):
                k = int(np.flatnonzero(~is_row)[0])
                fail("init_params", f"mu[{k}] = {fmt(mu[k])} is not a row of x", f"use {STATED}",
                     case)
            if len(np.unique(mu, axis=0)) < K:
                fail("init_params", "two means are the same data point", f"use {STATED}", case)
            fail("init_params",
                 "the means are distinct data points, but not the ones the stated calls pick",
                 STATED, case)
        if rng.bit_generator.state != expected_rng.bit_generator.state:
            fail("init_params", "draws other random numbers from rng than the stated calls",
                 "draw only rng.choice(len(distinct), size=n_clusters, replace=False)", case)
        D = x.shape[1]
        i = mismatch(sigma, e_sigma, atol=1e-10 * (1 + np.abs(x).max()) ** 2)
        if i is not None:
            k = i[0]
            ridge = reg_covar * np.eye(D)
            hint = "sigma_k = (the covariance of x, dividing by N) + reg_covar * I for every k"
            if close(sigma[k], np.cov(x.T).reshape(D, D) + ridge, 1e-8):
                hint = "np.cov divides by N - 1; use bias=True or divide by N"
            elif close(sigma[k], e_sigma[k] - ridge, 1e-8):
                hint = "add reg_covar * I to the covariance"
            a, b = two(sigma[i], e_sigma[i])
            fail("init_params", f"sigma[{k}][{index(i[1:])}] is {a}, expected {b}", hint, case)


def robustness(f, hidden):
    """N = 1, K = 1 gives a positive definite sigma"""
    cases = [("N = 1 and K = 1", np.array([[1.5, -2.0]]), 1)]
    if hidden:
        cases = [("N = 1 and K = 1, D = 1", np.array([[0.7]]), 1),
                 ("N = 1 and K = 1, D = 4", np.array([[1.0, -2.0, 3.0, 0.5]]), 1),
                 ("N = K = 3", np.array([[0.0, 1.0], [2.0, 2.0], [5.0, -1.0]]), 3),
                 ("2 distinct points, each 5 times, K = 2",
                  np.repeat([[1.0, 1.0], [4.0, 0.0]], 5, axis=0), 2)]
    for case, x, K in cases:
        pi, mu, sigma = result(f, x, K, np.random.default_rng(0), 1e-6, case)
        if not np.all(np.isfinite(sigma)):
            hint = ("np.cov divides by N - 1 = 0; use bias=True or divide by N" if len(x) == 1
                    else None)
            fail("init_params",
                 f"with {case}, sigma contains {'NaN' if np.any(np.isnan(sigma)) else 'inf'}", hint)
        smallest = np.linalg.eigvalsh(sigma)[:, 0]
        if np.any(smallest <= 0):
            fail("init_params", f"with {case}, sigma is not positive definite (smallest eigenvalue "
                                f"{fmt(smallest.min())})", "add reg_covar * I to the covariance")
        e_pi, e_mu, e_sigma = reference_of("init_params")(x, K, np.random.default_rng(0), 1e-6)
        for what, got, expected in (("pi", pi, e_pi), ("mu", mu, e_mu), ("sigma", sigma, e_sigma)):
            i = mismatch(got, expected, atol=1e-12)
            if i is not None:
                a, b = two(got[i], expected[i])
                fail("init_params", f"with {case}, {what}[{index(i)}] is {a}, expected {b}")


TEXTBOOK = """
D = x.shape[1]
mu = distinct[rng.choice(len(distinct), size=n_clusters, replace=False)]
cov = np.cov(x.T, bias=True) + reg_covar * np.eye(D)
sigma = np.array([cov] * n_clusters)
pi = np.ones(n_clusters) / n_clusters
return pi, mu, sigma
"""

SLIPS = [
    ("textbook", "np.cov(x.T, bias=True)", "np.cov(x.T)", "correctness",
     "init_params (course data, K = 4): sigma[0][0, 0] is 15.78, expected 15.72 - np.cov divides "
     "by N - 1; use bias=True or divide by N"),
    ("textbook", "np.cov(x.T, bias=True)", "np.cov(x.T)", "robustness",
     'init_params: robustness counts only once correctness passes, and it does not yet: make '
     'check("init_params") pass first'),
    ("textbook", "distinct[rng.choice(len(distinct),", "x[rng.choice(len(x),", "correctness",
     "init_params (course data, K = 4): the means are distinct data points, but not the ones the "
     "stated calls pick - np.unique(x, axis=0)[rng.choice(len(distinct), size=n_clusters, "
     "replace=False)]"),
    ("textbook", "distinct[rng.choice(", "distinct[np.random.choice(", "correctness",
     "init_params (course data, K = 4): does not draw from the rng it was given - use the rng you "
     "were given, rng.choice(...), not np.random"),
    ("textbook", "pi = np.ones(n_clusters) / n_clusters", "pi = np.ones(n_clusters)", "correctness",
     "init_params (course data, K = 4): pi is [1, 1, 1, 1]; expected equal weights 1/K"),
]

"""Exercise m_step: the weights, means and covariances that maximise the expected log-likelihood
under r."""

import numpy as np

from helpers.checks import (call, close, course, fail, fmt, index, mismatch, mixture, params,
                            problems, reference as reference_of, two)

USES = ()
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "SLIPS")


def reference(x, r, reg_covar=1e-6):
    """numpy's weighted mean and biased weighted covariance per column of r (each must have
    weight)."""
    D = x.shape[1]
    pi = r.sum(axis=0) / len(x)
    mu = np.array([np.average(x, axis=0, weights=w) for w in r.T])
    sigma = np.array([np.cov(x.T, aweights=w, bias=True).reshape(D, D) for w in r.T])
    return pi, mu, sigma + reg_covar * np.eye(D)


def result(f, x, r, reg_covar, case):
    return params("m_step", call("m_step", f, x, r, reg_covar=reg_covar, case=case),
                  r.shape[1], x.shape[1], case)


def cases(hidden):
    for case, x, pi, mu, sigma in problems(hidden):
        yield case, x, reference_of("e_step")(x, pi, mu, sigma)
    rng = np.random.default_rng(21 if not hidden else 121)
    x, *_ = course()
    yield "course data, random r", x, rng.dirichlet(np.ones(3 if not hidden else 5), size=len(x))
    share = 0.12 if not hidden else 0.05                     # N_1 below one sample: 0.6 (0.35)
    x = rng.normal(size=(5 if not hidden else 7, 2))
    yield f"{len(x)} samples, N_1 = {share * len(x):g}", x, np.tile([1 - share, share], (len(x), 1))


def correctness(f, hidden):
    """numpy's weighted means and covariances, reg_covar 0 and 0.01, D = 1..4"""
    for case, x, r in cases(hidden):
        for reg_covar in (0.0, 0.01):
            where = f"{case}, reg_covar = {reg_covar:g}"
            compare(x, r, reg_covar, *result(f, x, r, reg_covar, where), where)


SQUARED = "the weights are squared (r_ik^2): weight each sample by r[i, k] once"


def soft(w):
    """Whether weights w are not all 0 or 1 (else w^2 = w, and squaring them changes nothing)."""
    return not close(w**2, w)


def compare(x, r, reg_covar, pi, mu, sigma, case, components=None):
    """pi, mu, sigma agree with reference_of("m_step")(x, r, reg_covar) for these components
    (default: all)."""
    N, D = x.shape
    ks = list(range(r.shape[1])) if components is None else list(components)
    N_k = r.sum(axis=0)
    e_pi, e_mu, e_sigma = (np.zeros_like(pi), np.zeros_like(mu), np.zeros_like(sigma))
    e_pi[ks], e_mu[ks], e_sigma[ks] = reference_of("m_step")(x, r[:, ks], reg_covar)
    i = mismatch(pi[ks], e_pi[ks])
    if i is not None:
        k = ks[i[0]]
        hint = "pi_k = N_k / N, the mean of column k of r"
        if close(pi, N_k):
            hint = "that is N_k; divide by N"
        elif len(pi) > 1 and close(pi, np.full(len(pi), 1 / len(pi))):
            hint = "pi is not updated: pi_k = N_k / N, the mean of column k of r"
        a, b = two(pi[k], e_pi[k])
        fail("m_step", f"pi[{k}] is {a}, expected {b}", hint, case)
    i = mismatch(mu[ks], e_mu[ks], atol=1e-10 * (1 + np.abs(x).max()))
    if i is not None:
        k = ks[i[0]]
        hint = "mu_k is the mean of x weighted by r[:, k]: sum_i r_ik x_i / N_k"
        if close(mu[k], r[:, k] @ x / N):
            hint = "divided by N; divide by N_k = r[:, k].sum()"
        elif 0 < N_k[k] < 1 and close(mu[k], r[:, k] @ x):
            hint = (f"N_k = {N_k[k]:.3g} is below 1 and was raised to 1: guard only an empty "
                    f"component, with a tiny floor such as np.maximum(N_k, 1e-300)")
        elif soft(r[:, k]) and any(close(mu[k], r[:, k] ** 2 @ x / n)
                                   for n in (N_k[k], np.sum(r[:, k] ** 2))):
            hint = SQUARED
        a, b = two(mu[k], e_mu[k])
        fail("m_step", f"mu[{k}] is {a}, expected {b}", hint, case)
    ridge = reg_covar * np.eye(D)
    atol = 1e-10 * (1 + np.abs(x).max()) ** 2
    i = mismatch(sigma[ks], e_sigma[ks], atol=atol)
    if i is not None:
        k = ks[i[0]]
        # the weighted covariance without the ridge
        plain = e_sigma[k] - ridge
        centred = x - x.mean(axis=0)
        unweighted = "np.cov(x.T) gives every sample the same weight; weight sample i by " \
                     "r[i, k]: np.cov(x.T, aweights=r[:, k], bias=True)"
        candidates = [
            (plain, "add reg_covar * I to every covariance"),
            (plain * N_k[k] / N + ridge, "divided by N; divide by N_k = r[:, k].sum()"),
            ((r[:, k] * centred.T) @ centred / N_k[k] + ridge,
             "computed around the mean of all the data; use the new mu[k]"),
            ((r[:, k] * x.T) @ x / N_k[k] + ridge, "computed around 0; subtract mu[k] first"),
            (np.cov(x.T, aweights=r[:, k]).reshape(D, D) + ridge,
             "np.cov with aweights does not divide by N_k unless bias=True"),
            (np.cov(x.T, bias=True).reshape(D, D) + ridge, unweighted),
            (np.cov(x.T).reshape(D, D) + ridge, unweighted),
        ]
        squared = (r[:, k] ** 2 * (x - mu[k]).T) @ (x - mu[k])
        if soft(r[:, k]):
            candidates += [(squared / N_k[k] + ridge, SQUARED),
                           (squared / np.sum(r[:, k] ** 2) + ridge, SQUARED)]
        hint = next((text for value, text in candidates if close(sigma[k], value, 1e-6, atol)),
                    "sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + reg_covar * I")
        a, b = two(sigma[k][i[1:]], e_sigma[k][i[1:]])
        fail("m_step", f"sigma[{k}][{index(i[1:])}] is {a}, expected {b}", hint, case)


def robustness(f, hidden):
    """an empty component gets weight 0; duplicates keep sigma positive definite"""
    x, pi, mu, sigma = course() if not hidden else mixture(401, 3, 3)
    r_alive = reference_of("e_step")(x, pi[:2] / pi[:2].sum(), mu[:2], sigma[:2])
    alive, empty = ([0, 2], [1]) if not hidden else ([1, 3], [0, 2])
    r = np.zeros((len(x), len(alive) + len(empty)))
    r[:, alive] = r_alive
    case = "an empty component (a column of r all 0)"
    pi_, mu_, sigma_ = result(f, x, r, 1e-6, f"an empty component: r[:, {empty[0]}] all 0")
    for what, value in (("pi", pi_), ("mu", mu_), ("sigma", sigma_)):
        bad = ~np.all(np.isfinite(value.reshape(len(value), -1)), axis=1)
        if np.any(bad):
            k = np.flatnonzero(bad)[0]
            nan = "NaN" if np.any(np.isnan(value[k])) else "inf"
            fail("m_step", f"{case} gives {nan} in {what}[{k}] (N_k = 0)",
                 "divide by np.maximum(N_k, tiny)")
    for k in empty:
        if abs(pi_[k]) > 1e-12:
            fail("m_step", f"{case} gets weight pi[{k}] = {fmt(pi_[k])}; it must be 0",
                 "pi_k = N_k / N")
    positive_definite(sigma_, case)
    compare(x, r, 1e-6, pi_, mu_, sigma_, f"{case}, the other components", components=alive)

    points = np.array([[2.0, -1.0], [102.0, 7.0], [2.0, 40.0]]) if not hidden else \
        np.random.default_rng(402).normal(scale=50.0, size=(4, 4))
    counts = [10, 10, 1] if not hidden else [1, 5, 12, 3]
    x = np.repeat(points, counts, axis=0)
    r = np.repeat(np.eye(len(points)), counts, axis=0)
    case = "points collapsed onto duplicates"
    pi_, mu_, sigma_ = result(f, x, r, 1e-6, case)
    if not np.all(np.isfinite(sigma_)):
        fail("m_step", f"with {case}, sigma has NaN or inf")
    positive_definite(sigma_, case)
    compare(x, r, 1e-6, pi_, mu_, sigma_, case)


def positive_definite(sigma, case):
    smallest = np.linalg.eigvalsh(sigma)[:, 0]
    if np.any(smallest <= 0):
        k = int(np.flatnonzero(smallest <= 0)[0])
        fail("m_step", f"with {case}, sigma[{k}] is not positive definite (smallest eigenvalue "
                       f"{fmt(smallest[k])})",
             "add reg_covar * I to every covariance, also this one")


TEXTBOOK = """
N, D = x.shape
K = r.shape[1]
pi = np.zeros(K)
mu = np.zeros((K, D))
sigma = np.zeros((K, D, D))
for k in range(K):
    N_k = np.sum(r[:, k])
    pi[k] = N_k / N
    mu[k] = np.sum(r[:, k, None] * x, axis=0) / N_k
    diff = x - mu[k]
    sigma[k] = (r[:, k, None] * diff).T @ diff / N_k + reg_covar * np.eye(D)
return pi, mu, sigma
"""

SLIPS = [
    ("textbook", "", "", "robustness",
     "m_step: an empty component (a column of r all 0) gives NaN in mu[1] (N_k = 0) - divide by "
     "np.maximum(N_k, tiny)"),
    ("textbook", "@ diff / N_k +", "@ diff / N +", "correctness",
     "m_step (course data, reg_covar = 0): sigma[0][0, 0] is 0.6678, expected 2.003 - divided by "
     "N; divide by N_k = r[:, k].sum()"),
    ("textbook", "    pi[k] = N_k / N\n", "    pi[k] = 1 / K\n", "correctness",
     "m_step (course data, reg_covar = 0): pi[0] is 0.25, expected 0.3334 - pi is not updated: "
     "pi_k = N_k / N, the mean of column k of r"),
    ("textbook", "diff = x - mu[k]", "diff = x - x.mean(axis=0)", "correctness",
     "m_step (course data, reg_covar = 0): sigma[0][0, 0] is 27.87, expected 2.003 - computed "
     "around the mean of all the data; use the new mu[k]"),
    ("textbook", "diff / N_k + reg_covar * np.eye(D)", "diff / N_k", "correctness",
     "m_step (course data, reg_covar = 0.01): sigma[0][0, 0] is 2.003, expected 2.013 - add "
     "reg_covar * I to every covariance"),
    ("textbook", "(r[:, k, None] * diff).T @ diff / N_k", "np.cov(x.T)", "correctness",
     "- np.cov(x.T) gives every sample the same weight; weight sample i by r[i, k]"),
    ("solution", "np.maximum(N_k, 1e-300)", "np.maximum(N_k, 1)", "correctness",
     "- N_k = 0.6 is below 1 and was raised to 1: guard only an empty component"),
    ("solution", "sigma[k] = (r[:, k] * diff.T)", "sigma[k] = (r[:, k] ** 2 * diff.T)",
     "correctness",
     "m_step (course data, reg_covar = 0): sigma[0][0, 0] is 1.992, expected 2.003 - the weights "
     "are squared (r_ik^2): weight each sample by r[i, k] once"),
    ("textbook", "np.sum(r[:, k, None] * x, axis=0)", "np.sum(r[:, k, None] ** 2 * x, axis=0)",
     "correctness",
     "m_step (course data, reg_covar = 0): mu[0] is [-5.1352, -3.1077], expected [-5.135, -3.1075] "
     "- the weights are squared (r_ik^2): weight each sample by r[i, k] once"),
]

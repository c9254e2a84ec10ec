"""The shared test data: a subset of the course data with its true mixture, random mixtures of
several shapes (visible and hidden), and far points."""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from helpers.checks._references import reference

ROOT = Path(__file__).resolve().parents[2]
# Instructor-only, as in each exercise module: the student edition leaves these out.
PRIVATE = ("HIDDEN_SHAPES",)


@lru_cache(maxsize=None)
def course():
    """A fixed 300-row subset of data/gmm.csv and the true mixture behind it: (x, pi, mu, sigma)."""
    x = np.loadtxt(ROOT / "data" / "gmm.csv", delimiter=",")[::16][:300]
    truth = json.loads((ROOT / "data" / "gmm_true.json").read_text())
    return (x, *(np.array(truth[key]) for key in ("pi", "mu", "sigma")))


@lru_cache(maxsize=None)
def mixture(seed, K, D, N=150):
    """A well-conditioned random mixture and N samples from it: (x, pi, mu, sigma)."""
    rng = np.random.default_rng(seed)
    pi = 0.5 / K + 0.5 * rng.dirichlet(np.ones(K))          # every weight at least 1 / (2K)
    mu = rng.normal(scale=3.0, size=(K, D))
    A = rng.normal(size=(K, D, D))
    sigma = A @ np.swapaxes(A, 1, 2) / D + 0.5 * np.eye(D)
    z = rng.choice(K, size=N, p=pi)
    eps = rng.standard_normal((N, D))
    x = mu[z] + np.einsum("nij,nj->ni", np.linalg.cholesky(sigma)[z], eps)
    return x, pi, mu, sigma


VISIBLE_SHAPES = [(2, 1), (3, 3), (2, 4)]                    # (K, D) of the random mixtures
HIDDEN_SHAPES = [(6, 1), (3, 2), (5, 3), (4, 4), (6, 5), (1, 2)]


def problems(hidden):
    """(case, x, pi, mu, sigma): the course data and random mixtures."""
    if not hidden:
        yield ("course data", *course())
        shapes, first_seed = VISIBLE_SHAPES, 1
    else:
        x, *_ = course()
        yield ("course data, random start", x,
               *reference("init_params")(x, 4, np.random.default_rng(3)))
        shapes, first_seed = HIDDEN_SHAPES, 101
    for seed, (K, D) in enumerate(shapes, start=first_seed):
        yield (f"random mixture, K = {K}, D = {D}", *mixture(seed, K, D))


def far_problems(hidden):
    """(case, x, pi, mu, sigma) whose last row is 1e4 standard deviations from every component."""
    if not hidden:
        pi = np.array([0.5, 0.3, 0.2])
        mu = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
        sigma = np.repeat(0.25 * np.eye(2)[None], 3, axis=0)       # standard deviation 0.5
        x = np.vstack([np.random.default_rng(0).normal(size=(20, 2)), [[3.6e3, 3.6e3]]])
        yield "a point 1e4 sigma away from every component", x, pi, mu, sigma
        return
    for seed, (K, D) in enumerate(HIDDEN_SHAPES, start=201):
        x, pi, mu, sigma = mixture(seed, K, D, N=30)
        rng = np.random.default_rng(seed)
        largest_sd = np.sqrt(np.linalg.eigvalsh(sigma).max())
        direction = rng.normal(size=D)
        far = mu.mean(axis=0) + 2e4 * largest_sd * direction / np.linalg.norm(direction)
        yield (f"a point 1e4 sigma away from every component, K = {K}, D = {D}",
               np.vstack([x, far]), pi, mu, sigma)


"""Properties of the EM functions that must hold for every input (hypothesis).

Sizes are bounded so that the whole file runs in seconds; the "ci" profile, used by
default, is derandomized so that every run checks the same examples.  Run
`HYPOTHESIS_PROFILE=thorough pytest tests/test_properties.py` to search harder.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, database=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))

coords = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw, min_n=1, max_n=30, far=False):
    """(x, pi, mu, sigma): data of shape (N, D) and a valid K-component mixture for it."""
    D = draw(st.integers(1, 3))
    K = draw(st.integers(1, 4))
    N = draw(st.integers(max(min_n, K), max_n))
    x = draw(arrays(np.float64, (N, D), elements=coords))
    if far:
        x = x * 1e3  # up to 5e4 from the means, where every density underflows
    weights = draw(arrays(np.float64, K, elements=st.floats(0.01, 1.0)))
    mu = draw(arrays(np.float64, (K, D), elements=coords))
    A = draw(arrays(np.float64, (K, D, D), elements=st.floats(-3, 3)))
    ridge = draw(st.floats(0.05, 5.0))
    sigma = A @ np.swapaxes(A, 1, 2) + ridge * np.eye(D)
    return x, weights / weights.sum(), mu, sigma


def responsibilities(draw, N, K):
    raw = draw(arrays(np.float64, (N, K), elements=st.floats(0.0, 1.0)))
    raw[:, 0] += 1e-3  # keep every row away from all zeros
    return raw / raw.sum(axis=1, keepdims=True)


@given(problems())
def test_responsibilities_are_a_distribution(nb, problem):
    r = nb.e_step(*problem)
    assert r.shape == (problem[0].shape[0], len(problem[1]))
    assert np.all(np.isfinite(r)) and np.all(r >= 0)
    np.testing.assert_allclose(r.sum(axis=1), 1.0, atol=1e-12)


@given(problems(far=True))
def test_responsibilities_far_from_every_component(nb, problem):
    r = nb.e_step(*problem)
    assert np.all(np.isfinite(r)) and np.all(r >= 0)
    np.testing.assert_allclose(r.sum(axis=1), 1.0, atol=1e-12)
    assert np.isfinite(nb.ll(*problem))


@given(problems(), st.randoms(use_true_random=False))
def test_permuting_components_permutes_everything(nb, problem, random):
    x, pi, mu, sigma = problem
    perm = np.array(random.sample(range(len(pi)), len(pi)))
    r = nb.e_step(x, pi, mu, sigma)
    r_perm = nb.e_step(x, pi[perm], mu[perm], sigma[perm])
    np.testing.assert_allclose(r_perm, r[:, perm], atol=1e-12)
    for a, b in zip(nb.m_step(x, r_perm), nb.m_step(x, r)):
        np.testing.assert_allclose(a, b[perm], rtol=1e-9, atol=1e-9)
    assert nb.ll(x, pi[perm], mu[perm], sigma[perm]) == pytest.approx(nb.ll(x, pi, mu, sigma),
                                                                      rel=1e-12)


@given(st.data())
def test_permuting_samples_leaves_m_step_unchanged(nb, data):
    x, pi, _, _ = data.draw(problems())
    r = responsibilities(data.draw, len(x), len(pi))
    perm = np.array(data.draw(st.permutations(range(len(x)))))
    for a, b in zip(nb.m_step(x[perm], r[perm]), nb.m_step(x, r)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-8)


@given(problems(min_n=2), arrays(np.float64, 3, elements=st.floats(-1e3, 1e3)))
def test_translating_the_data_translates_the_fit(nb, problem, shift):
    x, pi, mu, sigma = problem
    t = shift[: x.shape[1]]
    fit = nb.run_em(x, pi, mu, sigma, tol=-np.inf, max_iter=5)
    moved = nb.run_em(x + t, pi, mu + t, sigma, tol=-np.inf, max_iter=5)
    scale = 1 + np.abs(x).max() + np.abs(t).max()
    np.testing.assert_allclose(moved[0], fit[0], atol=1e-6)
    # A component whose responsibilities all underflow to 0 has weight 0 and a mean of 0/0,
    # which m_step leaves at the origin; near that edge (weights in the subnormal range) one
    # of the two runs may underflow and the other not.  The property concerns the others.
    alive = np.minimum(fit[0], moved[0]) > 1e-200
    np.testing.assert_allclose(moved[1][alive], fit[1][alive] + t, atol=1e-6 * scale)
    np.testing.assert_allclose(moved[2], fit[2], rtol=1e-5, atol=1e-6 * scale**2)


@given(problems(), st.floats(0.01, 100.0))
def test_scaling_the_data_scales_the_model(nb, problem, s):
    x, pi, mu, sigma = problem
    D = x.shape[1]
    assert nb.ll(s * x, pi, s * mu, s**2 * sigma) == pytest.approx(
        nb.ll(x, pi, mu, sigma) - D * np.log(s), rel=1e-9, abs=1e-9)
    r = nb.e_step(x, pi, mu, sigma)
    np.testing.assert_allclose(nb.e_step(s * x, pi, s * mu, s**2 * sigma), r, atol=1e-9)
    pi1, mu1, sigma1 = nb.m_step(x, r, reg_covar=0.0)
    pi2, mu2, sigma2 = nb.m_step(s * x, r, reg_covar=0.0)  # exact without the ridge ...
    np.testing.assert_allclose(pi2, pi1, atol=1e-12)
    np.testing.assert_allclose(mu2, s * mu1, rtol=1e-9, atol=1e-9 * s * (1 + np.abs(x).max()))
    np.testing.assert_allclose(sigma2, s**2 * sigma1, rtol=1e-9,
                               atol=1e-9 * (s * (1 + np.abs(x).max())) ** 2)
    # ... and off by exactly the ridge with it
    _, _, sigma3 = nb.m_step(s * x, r)
    np.testing.assert_allclose(sigma3 - sigma2, np.broadcast_to(1e-6 * np.eye(D), sigma2.shape),
                               atol=1e-9 * s**2 * (1 + np.abs(x).max()) ** 2)


@given(st.data())
def test_m_step_on_hard_assignments_gives_group_statistics(nb, data):
    x, pi, _, _ = data.draw(problems(min_n=4))
    K = len(pi)
    labels = np.array(data.draw(st.lists(st.integers(0, K - 1), min_size=len(x), max_size=len(x))))
    assume(len(set(labels)) == K)  # every group non-empty
    pi_hat, mu_hat, sigma_hat = nb.m_step(x, np.eye(K)[labels])
    for k in range(K):
        group = x[labels == k]
        assert pi_hat[k] == pytest.approx(len(group) / len(x), rel=1e-12)
        np.testing.assert_allclose(mu_hat[k], group.mean(axis=0), rtol=1e-9, atol=1e-9)
        biased = (np.atleast_2d(np.cov(group.T, bias=True)) if len(group) > 1
                  else np.zeros((x.shape[1],) * 2))
        np.testing.assert_allclose(sigma_hat[k], biased + 1e-6 * np.eye(x.shape[1]), rtol=1e-7,
                                   atol=1e-7)


@given(problems(min_n=2, max_n=40))
def test_em_never_decreases_ll(nb, problem):
    """Exact EM never lowers ll.  With the ridge on degenerate data (a component collapsed onto
    duplicates, its covariance ~1e-6 I) ll may wobble by rounding and by the ridge's penalty:
    hypothesis found dips of a few 1e-9 there, so a dip of up to 1e-6 is tolerated."""
    *_, history = nb.run_em(*problem, tol=-np.inf, max_iter=15)
    lls = np.array([h["ll"] for h in history])
    assert np.all(np.isfinite(lls))
    assert np.diff(lls).min() >= -1e-6


@given(problems(), st.integers(0, 50), st.integers(0, 2**32 - 1))
def test_simulate_shape_and_seed(nb, problem, n, seed):
    _, pi, mu, sigma = problem
    a, z = nb.simulate(n, pi, mu, sigma, seed, return_labels=True)
    assert a.shape == (n, mu.shape[1]) and np.all(np.isfinite(a))
    assert z.shape == (n,) and np.all((z >= 0) & (z < len(pi)))
    b, z_b = nb.simulate(n, pi, mu, sigma, np.random.default_rng(seed), return_labels=True)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(z, z_b)

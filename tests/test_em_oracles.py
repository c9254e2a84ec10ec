"""The notebook's EM maths against independent oracles: scipy, numpy and scikit-learn."""

import json
import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from conftest import ROOT


def random_mixture(rng, K, D, spread=5.0):
    """Random valid parameters: weights on the simplex, spread means, SPD covariances."""
    pi = rng.dirichlet(np.full(K, 2.0))
    mu = rng.normal(scale=spread, size=(K, D))
    A = rng.normal(size=(K, D, D))
    sigma = A @ np.swapaxes(A, 1, 2) + 0.5 * np.eye(D)
    return pi, mu, sigma


def scipy_densities(x, pi, mu, sigma):
    """(N, K) array of pi_k N(x_i | mu_k, sigma_k), straight from scipy."""
    return np.column_stack([pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x)
                            for k in range(len(pi))])


@pytest.mark.parametrize("K, D", [(1, 1), (2, 3), (4, 2), (5, 4)])
def test_ll_matches_scipy(nb, K, D):
    rng = np.random.default_rng(K * 10 + D)
    pi, mu, sigma = random_mixture(rng, K, D)
    x = rng.normal(scale=4.0, size=(300, D))
    expected = np.mean(np.log(scipy_densities(x, pi, mu, sigma).sum(axis=1)))
    assert nb.ll(x, pi, mu, sigma) == pytest.approx(expected, abs=1e-10)


def test_ll_on_course_data_matches_scipy(nb, x_data):
    pi, mu, sigma = nb.init_params(x_data, 4, np.random.default_rng(0))
    expected = np.mean(np.log(scipy_densities(x_data, pi, mu, sigma).sum(axis=1)))
    assert nb.ll(x_data, pi, mu, sigma) == pytest.approx(expected, abs=1e-10)


def test_log_gaussian_matches_scipy_logpdf(nb):
    rng = np.random.default_rng(1)
    _, mu, sigma = random_mixture(rng, 1, 3)
    x = rng.normal(size=(50, 3))
    expected = multivariate_normal(mu[0], sigma[0]).logpdf(x)
    np.testing.assert_allclose(nb.log_gaussian(x, mu[0], sigma[0]), expected, rtol=0, atol=1e-10)


def test_e_step_is_bayes_rule(nb):
    rng = np.random.default_rng(2)
    pi, mu, sigma = random_mixture(rng, 3, 2, spread=2.0)
    x = rng.normal(scale=2.0, size=(400, 2))
    joint = scipy_densities(x, pi, mu, sigma)
    np.testing.assert_allclose(nb.e_step(x, pi, mu, sigma),
                               joint / joint.sum(axis=1, keepdims=True), rtol=0, atol=1e-12)


def test_responsibilities_stay_finite_far_from_every_component(nb):
    pi = np.array([0.5, 0.3, 0.2])
    mu = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    sigma = np.repeat(0.1 * np.eye(2)[None], 3, axis=0)
    x = np.array([[1e4, 1e4], [-1e4, 0.0], [0.0, 1e4], [1.0, 1.0]])
    # Multiplying densities would give 0 / 0 here: every pdf underflows to 0.
    assert np.all(scipy_densities(x[:3], pi, mu, sigma) == 0)
    r = nb.e_step(x, pi, mu, sigma)
    assert np.all(np.isfinite(r)) and np.all(r >= 0)
    np.testing.assert_allclose(r.sum(axis=1), 1.0, atol=1e-12)
    # the nearest in Mahalanobis terms
    assert r[0].argmax() == 1 and r[1].argmax() == 0 and r[2].argmax() == 2
    assert np.isfinite(nb.ll(x, pi, mu, sigma))


def test_m_step_matches_numpy_weighted_statistics(nb):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3))
    r = rng.dirichlet(np.ones(4), size=200)
    pi, mu, sigma = nb.m_step(x, r, reg_covar=0.0)
    np.testing.assert_allclose(pi, r.mean(axis=0), atol=1e-12)
    for k in range(4):
        np.testing.assert_allclose(mu[k], np.average(x, axis=0, weights=r[:, k]), atol=1e-12)
        np.testing.assert_allclose(sigma[k], np.cov(x.T, aweights=r[:, k], bias=True), atol=1e-12)


def test_m_step_adds_the_ridge(nb):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(100, 2))
    r = rng.dirichlet(np.ones(3), size=100)
    _, _, plain = nb.m_step(x, r, reg_covar=0.0)
    _, _, ridged = nb.m_step(x, r)
    np.testing.assert_allclose(ridged - plain, np.broadcast_to(1e-6 * np.eye(2), (3, 2, 2)),
                               atol=1e-15)


def sklearn_fit(x, pi, mu, sigma, max_iter, tol):
    gm = GaussianMixture(n_components=len(pi), covariance_type="full", weights_init=pi,
                         means_init=mu, precisions_init=np.linalg.inv(sigma), max_iter=max_iter,
                         tol=tol, reg_covar=1e-6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(x)
    return gm


def test_em_iterations_match_sklearn_step_for_step(nb, x_data):
    start = nb.init_params(x_data, 4, np.random.default_rng(0))
    gm = sklearn_fit(x_data, *start, max_iter=25, tol=0.0)
    pi, mu, sigma, history = nb.run_em(x_data, *start, tol=-np.inf, max_iter=25)
    assert len(history) == 26
    np.testing.assert_allclose(pi, gm.weights_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(mu, gm.means_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(sigma, gm.covariances_, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_em_converges_to_the_same_parameters_as_sklearn(nb, x_data, seed):
    start = nb.init_params(x_data, 4, np.random.default_rng(seed))
    gm = sklearn_fit(x_data, *start, max_iter=5000, tol=1e-13)
    assert gm.converged_
    pi, mu, sigma, _ = nb.run_em(x_data, *start, tol=1e-13, max_iter=5000)
    np.testing.assert_allclose(pi, gm.weights_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(mu, gm.means_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(sigma, gm.covariances_, rtol=0, atol=1e-6)
    assert nb.ll(x_data, pi, mu, sigma) == pytest.approx(gm.score(x_data), abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_ll_never_decreases_without_ridge(nb, x_data, seed):
    start = nb.init_params(x_data, 4, np.random.default_rng(seed), reg_covar=0.0)
    *_, history = nb.run_em(x_data, *start, tol=-np.inf, max_iter=60, reg_covar=0.0)
    lls = np.array([h["ll"] for h in history])
    assert np.all(np.diff(lls) >= -1e-12), np.diff(lls).min()
    assert lls[-1] > lls[0] + 1.0  # and it really climbs


def test_run_em_stops_at_tolerance_or_cap(nb, x_data):
    start = nb.init_params(x_data, 4, np.random.default_rng(0))
    *_, capped = nb.run_em(x_data, *start, tol=-np.inf, max_iter=7)
    assert len(capped) == 8
    *_, converged = nb.run_em(x_data, *start, tol=1e-3)
    lls = [h["ll"] for h in converged]
    assert lls[-1] - lls[-2] < 1e-3
    assert all(b - a >= 1e-3 for a, b in zip(lls[:-2], lls[1:-1]))


def test_simulate_reproduces_the_mixture_moments(nb):
    pi = np.array([0.5, 0.3, 0.2])
    mu = np.array([[0.0, 0.0], [4.0, 1.0], [-2.0, 3.0]])
    sigma = np.array([[[1.0, 0.5], [0.5, 2.0]], [[0.5, -0.2], [-0.2, 0.3]],
                      [[2.0, 0.0], [0.0, 0.5]]])
    x, z = nb.simulate(400_000, pi, mu, sigma, np.random.default_rng(5), return_labels=True)
    np.testing.assert_allclose(np.bincount(z, minlength=3) / len(z), pi, atol=0.005)
    mean = pi @ mu
    second = np.einsum("k,kij->ij", pi, sigma + np.einsum("ki,kj->kij", mu, mu))
    np.testing.assert_allclose(x.mean(axis=0), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(x.T, bias=True), second - np.outer(mean, mean), atol=0.05)


def test_simulate_is_reproducible_with_a_seed(nb):
    pi, mu, sigma = random_mixture(np.random.default_rng(6), 3, 2)
    (xa, za), (xb, zb) = (nb.simulate(100, pi, mu, sigma, 42, return_labels=True),
                        nb.simulate(100, pi, mu, sigma, np.random.default_rng(42),
                                    return_labels=True))
    assert xa.shape == (100, 2) and za.shape == (100,)
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(za, zb)


def test_fit_recovers_the_true_parameters(nb, x_data):
    """On the course data, the best of a few starts finds the generating mixture."""
    truth = json.loads((ROOT / "data" / "gmm_true.json").read_text(encoding="utf-8"))
    fits = [nb.run_em(x_data, *nb.init_params(x_data, 4, np.random.default_rng(s)), tol=1e-8)
            for s in range(3)]
    pi, mu, sigma, _ = max(fits, key=lambda f: f[3][-1]["ll"])
    order = [int(np.argmin(np.linalg.norm(mu - m, axis=1))) for m in np.array(truth["mu"])]
    assert sorted(order) == [0, 1, 2, 3]
    np.testing.assert_allclose(pi[order], truth["pi"], atol=0.02)
    np.testing.assert_allclose(mu[order], truth["mu"], atol=0.1)
    np.testing.assert_allclose(sigma[order], truth["sigma"], atol=0.15)

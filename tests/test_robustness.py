"""Awkward data never crashes EM, and bad input gets a clear error that says what to do."""

import numpy as np
import pytest

from conftest import DATA


def fit(nb, x, K, seed=0, max_iter=50):
    start = nb.init_params(x, K, np.random.default_rng(seed))
    pi, mu, sigma, history = nb.run_em(x, *start, max_iter=max_iter)
    r = nb.e_step(x, pi, mu, sigma)
    for a in (pi, mu, sigma, r, [h["ll"] for h in history]):
        assert np.all(np.isfinite(a))
    np.testing.assert_allclose(r.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(np.linalg.eigvalsh(sigma) > 0)
    return pi, mu, sigma, history


def test_duplicated_points(nb):
    rng = np.random.default_rng(0)
    x = np.repeat(rng.normal(size=(6, 2)), 50, axis=0)  # 6 distinct points, 50 copies each
    fit(nb, x, K=4)


def test_the_ridge_is_what_keeps_collapsed_components_valid(nb):
    """As in scikit-learn's test_regularisation: without the ridge, components that collapse
    onto duplicated points stop EM with a clear message; with it, EM fits."""
    x = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 9.0]]), 10, axis=0)
    start = nb.init_params(x, 3, np.random.default_rng(0), reg_covar=0.0)
    with pytest.raises(ValueError, match=r"not positive definite .* keep reg_covar > 0"):
        nb.run_em(x, *start, reg_covar=0.0)
    pi, mu, sigma, _ = fit(nb, x, K=3)
    np.testing.assert_allclose(np.sort(pi), [1 / 3] * 3, atol=1e-9)
    np.testing.assert_allclose(sigma, np.broadcast_to(1e-6 * np.eye(2), (3, 2, 2)), atol=1e-12)


def test_a_component_collapsing_on_one_point(nb):
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(size=(200, 2)), [[50.0, 50.0]]])  # one far outlier
    pi, mu, sigma, _ = fit(nb, x, K=3, seed=2, max_iter=200)
    assert np.any(np.linalg.det(sigma) < 1e-6)  # some component sits on the outlier alone


@pytest.mark.parametrize("N, K", [(4, 4), (5, 4), (2, 1), (1, 1)])
def test_tiny_data(nb, N, K):
    x = np.random.default_rng(N).normal(size=(N, 2))
    fit(nb, x, K)


@pytest.mark.parametrize("D", [1, 3, 5])
def test_any_dimension(nb, D):
    rng = np.random.default_rng(D)
    x = np.vstack([rng.normal(size=(150, D)), rng.normal(loc=6.0, size=(100, D))])
    fits = [fit(nb, x, K=2, seed=seed, max_iter=200) for seed in range(4)]  # EM finds local optima:
    pi, mu, sigma, _ = max(fits, key=lambda f: f[3][-1]["ll"])                # keep the best start
    assert mu.shape == (2, D) and sigma.shape == (2, D, D)
    assert sorted(np.round(pi, 1)) == [0.4, 0.6]
    assert nb.simulate(10, pi, mu, sigma, 0).shape == (10, D)


def test_outliers_far_from_everything(nb, x_data):
    x = np.vstack([x_data, [[1e4, -1e4], [-1e5, 3e4]]])
    fit(nb, x, K=4)


def test_an_empty_component_does_not_divide_by_zero(nb):
    x = np.random.default_rng(3).normal(size=(50, 2))
    r = np.zeros((50, 3))
    r[:, 0] = 1.0  # components 1 and 2 get no responsibility at all
    pi, mu, sigma = nb.m_step(x, r)
    assert np.all(np.isfinite(mu)) and np.all(np.linalg.eigvalsh(sigma) > 0)
    assert np.all(np.isfinite(nb.e_step(x, pi, mu, sigma)))


def test_functions_do_not_modify_their_arguments(nb, x_data):
    x = x_data[:300].copy()
    start = nb.init_params(x, 3, np.random.default_rng(0))
    copies = [x.copy()] + [a.copy() for a in start]
    r = nb.e_step(x, *start)
    r_copy = r.copy()
    nb.m_step(x, r)
    nb.ll(x, *start)
    nb.run_em(x, *start, max_iter=3)
    nb.simulate(10, *start, 0)
    for before, after in zip(copies, [x, *start]):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(r, r_copy)


# ---- bad input: each error names the problem and the fix ----------------------------

GOOD_PI = np.array([0.5, 0.5])
GOOD_MU = np.zeros((2, 2))
GOOD_SIGMA = np.repeat(np.eye(2)[None], 2, axis=0)
X = np.random.default_rng(0).normal(size=(20, 2))


def test_missing_data_file_names_path_and_regeneration(nb, tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(FileNotFoundError, match=r"nowhere\.csv.*python data/make_gmm\.py"):
        nb.load_data(str(missing))


@pytest.mark.parametrize("content, message", [
    ("", "holds no data"),
    ("1.0,2.0\n3.0,abc\n", "other than comma-separated numbers"),
    ("1.0,2.0\n3.0\n", "other than comma-separated numbers: the number of columns changed from 2 "
                       "to 1 at row 2$"),
    ("1.0,2.0\nnan,4.0\n", r"NaN or inf in 1 row\(s\), the first is row 1"),
    ("1.0,2.0\n3.0,inf\n", "NaN or inf"),
])
def test_unreadable_data_files(nb, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        nb.load_data(str(path))


def test_course_data_loads(nb):
    x = nb.load_data(str(DATA))
    assert x.shape == (5000, 2)


@pytest.mark.parametrize("x, message", [
    (np.arange(5.0), r"2-D array .* got 1 dimension"),
    (np.zeros((2, 3, 4)), "got 3 dimension"),
    (np.zeros((0, 2)), "empty"),
    (np.array([[0.0, np.nan], [1.0, 2.0]]), "NaN or inf"),
    (np.array([[0.0, 1.0], [np.inf, 2.0]]), "NaN or inf"),
])
def test_bad_data_is_rejected_everywhere(nb, x, message):
    with pytest.raises(ValueError, match=message):
        nb.check_data(x)
    with pytest.raises(ValueError, match=message):
        nb.init_params(x, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        nb.ll(x, GOOD_PI, GOOD_MU, GOOD_SIGMA)


def test_more_clusters_than_samples(nb):
    with pytest.raises(ValueError, match="3 samples are fewer than the 4 clusters"):
        nb.init_params(X[:3], 4, np.random.default_rng(0))


def test_fewer_distinct_points_than_clusters(nb):
    with pytest.raises(ValueError, match="only 2 distinct point"):
        nb.init_params(np.repeat(X[:2], 5, axis=0), 3, np.random.default_rng(0))


@pytest.mark.parametrize("pi, mu, sigma, message", [
    (np.array([0.5, 0.6]), GOOD_MU, GOOD_SIGMA, "must sum to 1; they sum to 1.1"),
    (np.array([1.5, -0.5]), GOOD_MU, GOOD_SIGMA, r"non-negative; pi\[1\] is -0.5"),
    (GOOD_PI, np.zeros((2, 3)), GOOD_SIGMA, r"expected pi \(K,\), mu \(K, \d\)"),
    (np.array([1.0]), GOOD_MU, GOOD_SIGMA, "expected pi"),
    (GOOD_PI, GOOD_MU, np.array([np.eye(2), [[1.0, 0.5], [0.0, 1.0]]]),
     r"sigma\[1\] is not symmetric"),
    (GOOD_PI, GOOD_MU, np.array([[[1.0, 2.0], [2.0, 1.0]], np.eye(2)]),
     r"sigma\[0\] is not positive definite"),
    (GOOD_PI, GOOD_MU, np.array([np.eye(2), np.zeros((2, 2))]),
     r"sigma\[1\] is not positive definite"),
    (GOOD_PI, np.array([[0.0, np.nan], [0.0, 0.0]]), GOOD_SIGMA, "finite"),
])
def test_bad_parameters_are_rejected(nb, pi, mu, sigma, message):
    for call in (lambda: nb.ll(X, pi, mu, sigma), lambda: nb.e_step(X, pi, mu, sigma),
                 lambda: nb.run_em(X, pi, mu, sigma), lambda: nb.simulate(5, pi, mu, sigma, 0)):
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("r", [np.full((19, 2), 0.5), np.full((20, 2), np.nan),
                               np.full((20, 2), -0.5)])
def test_bad_responsibilities_are_rejected(nb, r):
    """m_step refuses them; the messages themselves are tested in test_validate.py."""
    with pytest.raises(ValueError, match=r"\br\b"):
        nb.m_step(X, r)

"""helpers/validate.py: every bad input gets its own message, and good input passes unchanged."""

import re

import numpy as np
import pytest

from conftest import DATA
from helpers.validate import check_data, check_params, check_responsibilities, load_data

PI = np.array([0.5, 0.5])
MU = np.zeros((2, 2))
SIGMA = np.repeat(np.eye(2)[None], 2, axis=0)
X = np.random.default_rng(0).normal(size=(20, 2))


def raises(exc, message):
    """pytest.raises matching `message` literally, from its start (re.escape: no regex
    surprises)."""
    return pytest.raises(exc, match="^" + re.escape(message))


# ---- load_data -------------------------------------------------------------------------

def test_course_data_loads_column_major():
    x = load_data(str(DATA))
    assert x.shape == (5000, 2) and x.flags.f_contiguous


def test_missing_file(tmp_path):
    path = str(tmp_path / "nowhere.csv")
    with raises(FileNotFoundError, f"data file {path!r} not found; regenerate it with "
                                   f"'python data/make_gmm.py' from the project folder."):
        load_data(path)


@pytest.mark.parametrize("content, message", [
    ("", "{path!r} holds no data; regenerate it with 'python data/make_gmm.py'."),
    ("1.0,2.0\n3.0,abc\n", "{path!r} holds something other than comma-separated numbers: "
                           "could not convert string 'abc' to float64 at row 1, column 2."),
    ("1.0,2.0\n3.0\n", "{path!r} holds something other than comma-separated numbers: "
                       "the number of columns changed from 2 to 1 at row 2"),
    ("1.0,2.0\nnan,4.0\n", "data contains NaN or inf in 1 row(s), the first is row 1; "
                           "remove or impute those rows first."),
])
def test_unreadable_files(tmp_path, content, message):
    path = str(tmp_path / "bad.csv")
    with open(path, "w") as f:
        f.write(content)
    with raises(ValueError, message.format(path=path)):
        load_data(path)


# ---- check_data ------------------------------------------------------------------------

@pytest.mark.parametrize("x, message", [
    (np.arange(5.0), "data must be a 2-D array of shape (N, D), one row per sample; "
                     "got 1 dimension(s). Reshape 1-D data with x.reshape(-1, 1)."),
    (np.zeros((2, 3, 4)), "data must be a 2-D array of shape (N, D), one row per sample; "
                          "got 3 dimension(s)."),
    (np.zeros((0, 2)), "data is empty (shape (0, 2))."),
    (np.array([[0.0, 1.0], [np.inf, 2.0], [np.nan, 0.0]]),
     "data contains NaN or inf in 2 row(s), the first is row 1; remove or impute those rows "
     "first."),
])
def test_bad_data(x, message):
    with raises(ValueError, message):
        check_data(x)


def test_more_clusters_than_samples():
    with raises(ValueError,
                "3 samples are fewer than the 4 clusters asked for; use n_clusters <= 3."):
        check_data(X[:3], n_clusters=4)


def test_good_data_comes_back_as_column_major_floats():
    x = check_data([[1, 2], [3, 4], [5, 6]], n_clusters=3)
    assert x.dtype == float and x.flags.f_contiguous
    np.testing.assert_array_equal(x, [[1, 2], [3, 4], [5, 6]])


# ---- check_params ----------------------------------------------------------------------

@pytest.mark.parametrize("pi, mu, sigma, message", [
    (np.array([0.5, 0.6]), MU, SIGMA,
     "weights pi must sum to 1; they sum to 1.1 (if pi came from m_step, check that each row of r "
     "sums to 1)."),
    (np.array([0.0004, 0.0004]), MU, SIGMA,
     "weights pi must sum to 1; they sum to 0.0008 (if pi came"),
    (np.array([1.5, -0.5]), MU, SIGMA, "weights pi must be non-negative; pi[1] is -0.5."),
    (PI, np.zeros((2, 3)), SIGMA,
     "for data with D = 2, expected pi (K,), mu (K, 2), sigma (K, 2, 2); got (2,), (2, 3), "
     "(2, 2, 2)."),
    (np.array([1.0]), MU, SIGMA,
     "for data with D = 2, expected pi (K,), mu (K, 2), sigma (K, 2, 2); got (1,),"),
    (PI, MU, np.array([np.eye(2), [[1.0, 0.5], [0.0, 1.0]]]),
     "sigma[1] is not symmetric; use (S + S.T) / 2."),
    (PI, MU, np.array([[[1.0, 2.0], [2.0, 1.0]], np.eye(2)]),
     "sigma[0] is not positive definite (smallest eigenvalue -1); add a small multiple of the "
     "identity (in EM: keep reg_covar > 0)."),
    (PI, MU, np.array([np.eye(2), np.zeros((2, 2))]),
     "sigma[1] is not positive definite (smallest eigenvalue 0)"),
    (PI, np.array([[0.0, np.nan], [0.0, 0.0]]), SIGMA,
     "pi, mu and sigma must be finite (no NaN or inf)."),
    (PI, MU, np.array([np.eye(2), np.full((2, 2), np.inf)]),
     "pi, mu and sigma must be finite (no NaN or inf)."),
])
def test_bad_parameters(pi, mu, sigma, message):
    with raises(ValueError, message):
        check_params(X, pi, mu, sigma)


def test_bad_data_is_reported_before_the_parameters():
    with raises(ValueError, "data must be a 2-D array"):
        check_params(np.arange(3.0), PI, MU, SIGMA)


def test_valid_parameters_return_the_data():
    x = check_params(X, PI, MU, SIGMA)
    np.testing.assert_array_equal(x, X)


# ---- check_responsibilities --------------------------------------------------------------

def with_entry(i, k, value, N=20, K=2):
    r = np.full((N, K), 1.0 / K)
    r[i, k] = value
    return r


@pytest.mark.parametrize("r, message", [
    (np.full((19, 2), 0.5), "m_step received r of shape (19, 2); expected (N, K) = (20, K), "
                            "one row per sample of x."),
    (np.full((2, 20), 0.5), "m_step received r of shape (2, 20) (is it transposed?); "
                            "expected (N, K) = (20, K),"),
    (np.full(20, 1.0), "m_step received r of shape (20,); expected (N, K) = (20, K)"),
    (with_entry(3, 1, np.nan), "m_step received r with NaN in row 3: check e_step first."),
    (with_entry(7, 0, np.inf), "m_step received r with inf in row 7: check e_step first."),
    (with_entry(4, 1, -0.5),
     "m_step received r with a negative entry in row 4: check e_step first."),
    (np.full((20, 2), 0.00415), "m_step received r whose row 0 sums to 0.0083, not 1: check e_step "
                                "(normalise each row over the components)."),
    (with_entry(5, 0, 0.5 + 2e-6), "m_step received r whose row 5 sums to 1.000002, not 1:"),
])
def test_bad_responsibilities(r, message):
    with raises(ValueError, message):
        check_responsibilities(X, r)


def test_nan_in_a_single_row_is_not_called_a_shape_problem():
    """N = 1 and K = 1 with NaN: the shape is right, so the message must not be about shape."""
    with raises(ValueError, "m_step received r with NaN in row 0: check e_step first."):
        check_responsibilities(X[:1], np.array([[np.nan]]))


def test_valid_responsibilities_come_back_column_major():
    r = np.random.default_rng(1).dirichlet(np.ones(3), size=20)
    out = check_responsibilities(X, r)
    assert out.flags.f_contiguous
    np.testing.assert_array_equal(out, r)
    hard = np.eye(3)[np.arange(20) % 3]                   # hard assignments, empty columns allowed
    hard[:, 2] = 0.0
    hard[np.arange(20) % 3 == 2, 0] = 1.0
    np.testing.assert_array_equal(check_responsibilities(X, hard), hard)

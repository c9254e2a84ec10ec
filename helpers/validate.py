"""Input checks for the EM functions of nb07_em.ipynb.

EM happily turns bad input into NaN a few steps later, far from the cause.  These checks
stop it at the door with a message that says what is wrong and where to look; every EM
function in the notebook calls them first and changes nothing when they fail.

    check_data(x, n_clusters=None)    the data: a finite (N, D) array
    check_params(x, pi, mu, sigma)    a valid mixture for that data
    check_responsibilities(x, r)      what m_step receives from e_step
    load_data(path)                   read a CSV file of samples, with clear errors

Arrays come back column-major (order="F"): the EM code works column by column, which
numpy does several times faster on such arrays when rows hold only a few numbers.
"""

import warnings

import numpy as np


def check_data(x, n_clusters=None):
    """Return x as a column-major float array of shape (N, D), or raise ValueError saying what is
    wrong.

    x: array-like (N, D) of finite numbers; with n_clusters, N must be at least n_clusters.
    """
    x = np.asarray(x, dtype=float, order="F")
    if x.ndim != 2:
        raise ValueError(f"data must be a 2-D array of shape (N, D), one row per sample; "
                         f"got {x.ndim} dimension(s). Reshape 1-D data with x.reshape(-1, 1).")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"data is empty (shape {x.shape}).")
    # a sum is quick; it overflows rarely
    if not np.isfinite(x.sum()) and not np.all(np.isfinite(x)):
        bad = np.flatnonzero(~np.all(np.isfinite(x), axis=1))
        raise ValueError(f"data contains NaN or inf in {len(bad)} row(s), the first is row "
                         f"{bad[0]}; remove or impute those rows first.")
    if n_clusters is not None and x.shape[0] < n_clusters:
        raise ValueError(f"{x.shape[0]} samples are fewer than the {n_clusters} clusters asked "
                         f"for; use n_clusters <= {x.shape[0]}.")
    return x


def check_params(x, pi, mu, sigma):
    """Return check_data(x), or raise ValueError unless (pi, mu, sigma) is a valid mixture for x.

    x: (N, D), or None to check the mixture alone (D is then mu's).  pi: (K,) non-negative,
    sums to 1.  mu: (K, D).  sigma: (K, D, D) symmetric positive definite.
    """
    x = check_data(x) if x is not None else None
    D = x.shape[1] if x is not None else np.shape(mu)[-1]
    K = len(pi)
    if np.shape(pi) != (K,) or np.shape(mu) != (K, D) or np.shape(sigma) != (K, D, D):
        raise ValueError(f"for data with D = {D}, expected pi (K,), mu (K, {D}), "
                         f"sigma (K, {D}, {D}); got {np.shape(pi)}, {np.shape(mu)}, "
                         f"{np.shape(sigma)}.")
    if not (np.all(np.isfinite(pi)) and np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
        raise ValueError("pi, mu and sigma must be finite (no NaN or inf).")
    if np.any(pi < 0):
        raise ValueError(f"weights pi must be non-negative; pi[{np.flatnonzero(pi < 0)[0]}] is "
                         f"{pi[pi < 0][0]:.6g}.")
    if abs(np.sum(pi) - 1.0) > 1e-6:
        # Said neutrally: pi may come from the user, or from an m_step fed bad responsibilities.
        raise ValueError(f"weights pi must sum to 1; they sum to {np.sum(pi):.6g} "
                         f"(if pi came from m_step, check that each row of r sums to 1).")
    sigma_t = np.swapaxes(sigma, 1, 2)                       # every sigma[k] transposed
    # np.isclose's test, quicker
    asymmetric = np.abs(sigma - sigma_t) > 1e-8 + 1e-5 * np.abs(sigma_t)
    if np.any(asymmetric):
        k = np.flatnonzero(np.any(asymmetric, axis=(1, 2)))[0]
        raise ValueError(f"sigma[{k}] is not symmetric; use (S + S.T) / 2.")
    smallest = np.linalg.eigvalsh(sigma)[:, 0]               # (K,) smallest eigenvalue of each
    if np.any(smallest <= 0):
        k = np.flatnonzero(smallest <= 0)[0]
        raise ValueError(f"sigma[{k}] is not positive definite (smallest eigenvalue "
                         f"{smallest[k]:.3g}); add a small multiple of the identity (in EM: keep "
                         f"reg_covar > 0).")
    return x


def check_responsibilities(x, r):
    """Return r as a column-major float array, or raise ValueError naming e_step as the likely
    cause.

    x: (N, D), already checked.  r: (N, K), finite, non-negative, each row summing to 1.
    """
    r = np.asarray(r, dtype=float, order="F")
    N = np.shape(x)[0]
    if r.ndim != 2 or r.shape[0] != N:
        transposed = " (is it transposed?)" if r.ndim == 2 and r.shape[1] == N else ""
        raise ValueError(f"m_step received r of shape {r.shape}{transposed}; expected (N, K) = "
                         f"({N}, K), one row per sample of x.")
    sums = r.sum(axis=1)
    # the usual case, in two quick passes
    if np.all(np.abs(sums - 1.0) <= 1e-6) and r.min() >= 0:
        return r                                             # (NaN and inf fail both tests)
    for name, bad in (("NaN", np.isnan(r)), ("inf", np.isinf(r)), ("a negative entry", r < 0)):
        if np.any(bad):                                      # say which problem, and where
            i = np.flatnonzero(np.any(bad, axis=1))[0]
            raise ValueError(f"m_step received r with {name} in row {i}: check e_step first.")
    wrong = ~(np.abs(sums - 1.0) <= 1e-6)
    if np.any(wrong):
        i = np.flatnonzero(wrong)[0]
        total = f"{sums[i]:.4g}" if f"{sums[i]:.4g}" != "1" else f"{sums[i]:.10g}"
        raise ValueError(f"m_step received r whose row {i} sums to {total}, not 1: check e_step "
                         f"(normalise each row over the components).")
    return r


def load_data(path):
    """Read comma-separated samples, one row each, into an (N, D) array; clear errors if that
    fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)     # an empty file is reported below
            x = np.loadtxt(path, delimiter=",", ndmin=2)
    except FileNotFoundError:
        raise FileNotFoundError(f"data file {path!r} not found; regenerate it with "
                                f"'python data/make_gmm.py' from the project folder.") from None
    except ValueError as err:
        detail = str(err).split(";")[0]                       # numpy's first clause says where
        raise ValueError(f"{path!r} holds something other than comma-separated numbers: "
                         f"{detail}") from None
    if x.size == 0:
        raise ValueError(f"{path!r} holds no data; regenerate it with 'python data/make_gmm.py'.")
    return check_data(x)

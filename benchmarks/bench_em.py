"""Time one EM iteration (E-step then M-step) three ways, side by side, in one process.

Usage:  python benchmarks/bench_em.py [--repeat R] [--sizes 5000 100000 1000000]

  notebook : e_step and m_step from nb07_em.ipynb, loaded from the notebook itself
  sklearn  : GaussianMixture(covariance_type="full")._e_step then ._m_step, the two calls
             its fit loop makes per iteration, from the same parameters
  textbook : the loop found in most course solutions: scipy's pdf per component,
             responsibilities as normalised products, covariances summed point by point

The data are data/gmm.csv (N = 5000) and rows resampled from it with replacement
(N = 1e5, 1e6); K = 4, D = 2.  Each figure is the median of R repetitions (the textbook
loop gets fewer at large N: it is slow).  Peak memory is the largest amount numpy
allocated above the inputs during one iteration, measured with tracemalloc.
"""

import argparse
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from helpers import load_notebook  # noqa: E402

nb = load_notebook(ROOT / "nb07_em.ipynb")


def textbook_iteration(x, pi, mu, sigma):
    """One EM iteration as typically written in course solutions (for comparison only)."""
    N, K = len(x), len(pi)
    dens = np.zeros((N, K))
    for k in range(K):
        dens[:, k] = pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x)
    r = dens / dens.sum(axis=1, keepdims=True)
    N_k = r.sum(axis=0)
    new_mu = np.zeros_like(mu)
    new_sigma = np.zeros_like(sigma)
    for k in range(K):
        for i in range(N):
            new_mu[k] += r[i, k] * x[i]
        new_mu[k] /= N_k[k]
        for i in range(N):
            d = x[i] - new_mu[k]
            new_sigma[k] += r[i, k] * np.outer(d, d)
        new_sigma[k] = new_sigma[k] / N_k[k] + 1e-6 * np.eye(x.shape[1])
    return N_k / N, new_mu, new_sigma


def notebook_iteration(x, pi, mu, sigma):
    return nb.m_step(x, nb.e_step(x, pi, mu, sigma))


def sklearn_model(pi, mu, sigma):
    gm = GaussianMixture(n_components=len(pi), covariance_type="full", reg_covar=1e-6)
    gm.weights_, gm.means_, gm.covariances_ = pi.copy(), mu.copy(), sigma.copy()
    gm.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(sigma))
    return gm


def sklearn_iteration(gm, x):
    _, log_resp = gm._e_step(x)
    gm._m_step(x, log_resp)
    return gm.weights_, gm.means_, gm.covariances_


def median_times(fns, repeat):
    """Median wall time of each function; the functions take turns, so noise hits all alike."""
    times = [[] for _ in fns]
    for fn in fns:
        fn()  # warm-up
    for _ in range(repeat):
        for fn, bucket in zip(fns, times):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return [statistics.median(bucket) for bucket in times]


def peak_bytes(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 100_000, 1_000_000])
    args = parser.parse_args()

    base = np.loadtxt(ROOT / "data" / "gmm.csv", delimiter=",")
    pi, mu, sigma = nb.init_params(base, 4, np.random.default_rng(0))
    *_, history = nb.run_em(base, pi, mu, sigma, tol=-np.inf, max_iter=3)  # a realistic mid-run state
    pi, mu, sigma = (history[-1][key] for key in ("pi", "mu", "sigma"))
    rng = np.random.default_rng(1)

    rows = []
    for N in args.sizes:
        x = base if N == len(base) else base[rng.integers(0, len(base), N)]
        # the three agree: the same parameters after one iteration from the same start
        expected = notebook_iteration(x, pi, mu, sigma)
        for a, b in zip(expected, sklearn_iteration(sklearn_model(pi, mu, sigma), x)):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
        if N <= 5000:
            for a, b in zip(expected, textbook_iteration(x, pi, mu, sigma)):
                np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
        gm = sklearn_model(pi, mu, sigma)  # built once: each timed call then does one E and one M step
        t_nb, t_sk = median_times([lambda: notebook_iteration(x, pi, mu, sigma),
                                   lambda: sklearn_iteration(gm, x)], args.repeat)
        slow_repeat = max(1, min(args.repeat, int(2e5 // N)))
        (t_tb,) = median_times([lambda: textbook_iteration(x, pi, mu, sigma)], slow_repeat)
        rows.append((N, t_nb, t_sk, t_tb))

    print(f"One EM iteration (E-step + M-step), K = 4, D = 2; median of {args.repeat} runs "
          f"(textbook: fewer at large N)")
    print(f"{'N':>9} {'notebook':>11} {'sklearn':>11} {'textbook':>11} {'sklearn/nb':>11} "
          f"{'textbook/nb':>12} {'nb ns/sample':>13}")
    for N, t_nb, t_sk, t_tb in rows:
        print(f"{N:>9} {t_nb * 1e3:>9.2f}ms {t_sk * 1e3:>9.2f}ms {t_tb * 1e3:>9.1f}ms "
              f"{t_sk / t_nb:>10.1f}x {t_tb / t_nb:>11.0f}x {t_nb / N * 1e9:>13.0f}")
    if len(rows) > 1:
        (n0, t0, *_), (n1, t1, *_) = rows[-2], rows[-1]
        print(f"growth of the notebook's cost from N={n0} to N={n1}: {t1 / t0:.1f}x for {n1 / n0:.0f}x the data")

    N = max(args.sizes)
    x = base[rng.integers(0, len(base), N)] if N != len(base) else base
    unit = N * 4 * 2 * 8  # bytes of one N x K x D float64 array
    nb_peak = peak_bytes(lambda: notebook_iteration(x, pi, mu, sigma))
    gm = sklearn_model(pi, mu, sigma)
    sk_peak = peak_bytes(lambda: sklearn_iteration(gm, x))
    print(f"peak memory of one iteration at N={N} (beyond the data): notebook {nb_peak / 2**20:.0f} MiB "
          f"= {nb_peak / unit:.1f} x (N*K*D*8 bytes), sklearn {sk_peak / 2**20:.0f} MiB = {sk_peak / unit:.1f} x")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()

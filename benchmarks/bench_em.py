"""Time one EM iteration (E-step then M-step): the notebook's against scikit-learn's, on the
machine as it is (run it idle) and beside one busy loop per core.

Usage:  python benchmarks/bench_em.py [--repeat R] [--sizes 5000 100000 1000000]

  notebook : e_step then m_step, loaded from nb07_em.ipynb itself
  sklearn  : GaussianMixture(covariance_type="full")._e_step then ._m_step, the two calls its
             fit loop makes per iteration, from the same parameters

The data are data/gmm.csv (N = 5000) and rows resampled from it with replacement, held as the
notebook holds its data (check_data's column-major array, as load_data returns it), the same
array for both; K = 4, D = 2.  Both must give the same parameters before they are timed.  Each
time is the median of R samples of about 0.2 s each, the two taking turns so that noise on the
machine hits both alike.
Both run with the thread limits `import helpers` sets (one thread per BLAS and OpenMP library);
the target is scikit-learn's time at least 3x the notebook's, idle and busy.
"""

import argparse
import math
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.mixture import GaussianMixture

ROOT = Path(__file__).resolve().parents[1]
from bench_runall import busy_loops          # benchmarks/, beside this file
from helpers import load_notebook
from helpers.validate import check_data

nb = load_notebook(ROOT / "nb07_em.ipynb")


def notebook_iteration(x, pi, mu, sigma):
    return nb.m_step(x, nb.e_step(x, pi, mu, sigma))


def sklearn_model(pi, mu, sigma):
    """A GaussianMixture that looks fitted, at (pi, mu, sigma)."""
    gm = GaussianMixture(n_components=len(pi), covariance_type="full", reg_covar=1e-6)
    gm.weights_, gm.means_, gm.covariances_ = pi.copy(), mu.copy(), sigma.copy()
    gm.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(sigma))
    return gm


def sklearn_iteration(gm, x):
    _, log_resp = gm._e_step(x)
    gm._m_step(x, log_resp)
    return gm.weights_, gm.means_, gm.covariances_


def median_seconds(functions, repeat, least=0.2):
    """Seconds per call of each function: the median of `repeat` samples, the functions taking
    turns.  A sample makes as many calls as fill about `least` seconds (as timeit's autorange
    does), so that beside busy loops each sample spans many of the scheduler's time slices: one
    call of a few ms is either interrupted or not, and a median of those is noise."""
    calls = []
    for f in functions:                          # two calls warm up, untimed; the second sizes
        f()
        start = time.perf_counter()
        f()
        calls.append(max(1, math.ceil(least / (time.perf_counter() - start))))
    times = [[] for _ in functions]
    for _ in range(repeat):
        for f, n, bucket in zip(functions, calls, times):
            start = time.perf_counter()
            for _ in range(n):
                f()
            bucket.append((time.perf_counter() - start) / n)
    return [statistics.median(bucket) for bucket in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 100_000, 1_000_000])
    args = parser.parse_args()

    base = np.loadtxt(ROOT / "data" / "gmm.csv", delimiter=",")
    start = nb.init_params(base, 4, np.random.default_rng(0))
    *_, history = nb.run_em(base, *start, tol=-np.inf, max_iter=3)  # a realistic mid-run state
    params = [history[-1][key] for key in ("pi", "mu", "sigma")]
    rng = np.random.default_rng(1)

    print(f"One EM iteration (E-step + M-step), K = 4, D = 2; median of {args.repeat} samples "
          "of about 0.2 s")
    print(f"{'N':>9} {'':>5} {'notebook':>11} {'sklearn':>11} {'sklearn/notebook':>17}")
    for N in args.sizes:
        x = base if N == len(base) else base[rng.integers(0, len(base), N)]
        x = check_data(x)                  # held as the notebook holds its data (load_data's array)
        expected = sklearn_iteration(sklearn_model(*params), x)
        for a, b in zip(notebook_iteration(x, *params), expected):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
        gm = sklearn_model(*params)                          # built once: the timed calls only step
        steps = [lambda: notebook_iteration(x, *params), lambda: sklearn_iteration(gm, x)]
        idle = median_seconds(steps, args.repeat)
        with busy_loops():
            busy = median_seconds(steps, args.repeat)
        for label, (t_nb, t_sk) in (("idle", idle), ("busy", busy)):
            print(f"{N:>9} {label:>5} {t_nb * 1e3:>9.2f}ms {t_sk * 1e3:>9.2f}ms "
                  f"{t_sk / t_nb:>16.1f}x")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()

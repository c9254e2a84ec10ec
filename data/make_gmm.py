"""Generate data/gmm.csv from the true mixture parameters in data/gmm_true.json.

Usage:  python data/make_gmm.py [OUTPUT]     (default: data/gmm.csv next to this script)

Each component k contributes exactly round(pi_k * n_samples) points, drawn as
mu_k + L_k @ eps with Sigma_k = L_k L_k^T and eps ~ N(0, I); the rows are then
shuffled, so the file's order says nothing about the component.  The seed in
the JSON file makes the output identical on every run.
"""

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TRUE_PARAMS = HERE / "gmm_true.json"


def load_true_params(path=TRUE_PARAMS):
    """Return the true parameters as arrays: (pi (K,), mu (K, D), sigma (K, D, D), meta dict)."""
    spec = json.loads(Path(path).read_text())
    return (np.array(spec["pi"]), np.array(spec["mu"]), np.array(spec["sigma"]), spec)


def generate(pi, mu, sigma, n_samples, seed):
    """Draw n_samples points, round(pi_k * n_samples) from each component; returns
    (n_samples, D)."""
    rng = np.random.default_rng(seed)
    counts = np.round(np.asarray(pi) * n_samples).astype(int)
    counts[-1] = n_samples - counts[:-1].sum()  # absorb rounding so the total is exact
    parts = []
    for k, n_k in enumerate(counts):
        chol = np.linalg.cholesky(sigma[k])
        eps = rng.standard_normal((n_k, mu.shape[1]))
        parts.append(mu[k] + eps @ chol.T)
    x = np.concatenate(parts)
    return x[rng.permutation(n_samples)]


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else HERE / "gmm.csv"
    pi, mu, sigma, spec = load_true_params()
    x = generate(pi, mu, sigma, spec["n_samples"], spec["seed"])
    # binary: "\n" line ends on every system, so the bytes match everywhere
    with open(out, "wb") as f:
        np.savetxt(f, x, fmt="%.6f", delimiter=",")
    print(f"wrote {len(x)} rows to {out}")


if __name__ == "__main__":
    main(sys.argv)

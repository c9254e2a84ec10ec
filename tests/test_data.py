"""data/gmm.csv is exactly what data/make_gmm.py makes from the true parameters."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_regenerating_reproduces_the_committed_file(tmp_path):
    out = tmp_path / "gmm.csv"
    subprocess.run([sys.executable, str(ROOT / "data" / "make_gmm.py"), str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == (ROOT / "data" / "gmm.csv").read_bytes()


def test_true_parameters_are_a_valid_mixture():
    truth = json.loads((ROOT / "data" / "gmm_true.json").read_text(encoding="utf-8"))
    pi, mu, sigma = np.array(truth["pi"]), np.array(truth["mu"]), np.array(truth["sigma"])
    assert pi.shape == (4,) and mu.shape == (4, 2) and sigma.shape == (4, 2, 2)
    assert np.isclose(pi.sum(), 1.0) and len(set(pi)) > 1  # unequal weights
    np.testing.assert_array_equal(sigma, np.swapaxes(sigma, 1, 2))
    assert np.all(np.linalg.eigvalsh(sigma) > 0)


def test_data_file_shape_and_moments():
    x = np.loadtxt(ROOT / "data" / "gmm.csv", delimiter=",")
    truth = json.loads((ROOT / "data" / "gmm_true.json").read_text(encoding="utf-8"))
    pi, mu = np.array(truth["pi"]), np.array(truth["mu"])
    assert x.shape == (truth["n_samples"], 2)
    np.testing.assert_allclose(x.mean(axis=0), pi @ mu, atol=0.1)


def test_the_penguins_file_is_the_data_set_the_notebook_describes():
    """344 birds of three species, two of them without bill measurements (data/README.md)."""
    table = np.loadtxt(ROOT / "data" / "penguins.csv", delimiter=",", skiprows=1, usecols=(0, 2, 3),
                       dtype=str)
    assert table.shape == (344, 3)
    assert sorted(set(table[:, 0])) == ["Adelie", "Chinstrap", "Gentoo"]
    assert np.sum(np.any(table[:, 1:] == "NA", axis=1)) == 2

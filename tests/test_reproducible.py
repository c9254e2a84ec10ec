"""Restart & Run All twice gives the same text outputs, and the same as those stored.

nbval (in `make test`) already compares one fresh run with the stored outputs; this
test adds two more runs in fresh kernels and compares all three, cell by cell, on
everything nbval compares: stdout, stderr, errors and the text/plain and text/html
of rich outputs; the two fresh runs must also produce the same PNG bytes.
"""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nb07_em.ipynb"
COMPARED = ("text/plain", "text/html")


def images(nb):
    """The PNG data of every output, in order."""
    return [out.data["image/png"] for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if "image/png" in out.get("data", {})]


def text_outputs(nb):
    """One list per code cell of the outputs nbval would compare, as plain data."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            if out.output_type == "stream":
                outputs.append((out.name, out.text))
            elif out.output_type == "error":
                outputs.append(("error", out.ename, out.evalue))
            else:
                outputs.append(tuple((key, out.data[key]) for key in COMPARED if key in out.data))
        cells.append(outputs)
    return cells


def coalesce_streams(cells):
    """Join consecutive stream outputs of one name, as a notebook front end shows them."""
    merged = []
    for outputs in cells:
        joined = []
        for out in outputs:
            if joined and out[0] in ("stdout", "stderr") and joined[-1][0] == out[0]:
                joined[-1] = (out[0], joined[-1][1] + out[1])
            else:
                joined.append(out)
        merged.append(joined)
    return merged


def run_all():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def test_two_runs_match_each_other_and_the_stored_outputs():
    stored = coalesce_streams(text_outputs(nbformat.read(NOTEBOOK, as_version=4)))
    first_nb, second_nb = run_all(), run_all()
    # On one machine even the figures are identical, pixel for pixel.  (Stored PNGs are not
    # compared, as nbval does not: another processor may round a pixel differently.)
    assert images(first_nb) == images(second_nb) and len(images(first_nb)) >= 8
    first, second = (coalesce_streams(text_outputs(nb)) for nb in (first_nb, second_nb))
    assert any(outputs for outputs in stored), "the notebook stores no outputs"
    for index, (a, b, s) in enumerate(zip(first, second, stored)):
        assert a == b, f"code cell {index} differs between two runs"
        assert a == s, f"code cell {index} differs from its stored output (re-run `make execute`)"
    assert len(first) == len(second) == len(stored)

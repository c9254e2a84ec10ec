"""Honest answers in styles the notebook did not use get every point, as the completed notebook
does.

Grading runs the cells a submission's functions need, as the student ran them
(instructor/sandbox.py).  Each variant below is the completed notebook with one thing written the
way students write it:
constants computed by expressions, globals from other cells, helper functions, a star import,
a lambda, `if` / `with` / `try` blocks, `%%time`, a decorator, a copied cell, nbformat 4.4
without cell ids, outputs left in, a figure drawn inside an answer.  Quick: `sandbox.grade`;
slow: the whole class through real nbgrader (instructor/course.py, as `make course` runs it).
"""

import copy
import subprocess
import sys
import textwrap

import nbformat
import pytest

from instructor.submissions import NOTEBOOK, ROOT, bodies, grade_id, notebook
from helpers.checks import graded_parts
from test_grading import points

from instructor import sandbox

FULL = sum(points for *_, points in graded_parts())


def cell_of(nb, gid):
    return next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == gid)


def edit(gid, change):
    """A variant that rewrites the source of the answer cell `gid` with change(source)."""
    def variant(nb):
        cell = nb.cells[cell_of(nb, gid)]
        cell.source = change(cell.source)
    return variant


def insert_after(gid, code, answers_change=None):
    """A variant with a new code cell after `gid`'s cell (and the answer edited, if asked)."""
    def variant(nb):
        if answers_change:
            edit(*answers_change)(nb)
        nb.cells.insert(cell_of(nb, gid) + 1, nbformat.v4.new_code_cell(code))
    return variant


def indented(header):
    return lambda source: header + "\n" + textwrap.indent(source, "    ")


def copied_cell(nb):
    """JupyterLab's copy and paste: the e_step cell again below it, same metadata, renamed
    function."""
    index = cell_of(nb, "e_step")
    copy_ = copy.deepcopy(nb.cells[index])
    copy_.source = copy_.source.replace("def e_step(", "def e_step_try(")
    copy_["id"] = "e-step-copy"
    nb.cells.insert(index + 1, copy_)


def old_format(nb):
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)


def outputs_left_in(nb):
    """The outputs of the completed notebook's Run All, left in every code cell."""
    done = nbformat.read(NOTEBOOK, as_version=4)
    for cell, ran in zip(nb.cells, done.cells):
        if cell.cell_type == "code" and ran.cell_type == "code":
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count


VARIANTS = {
    "constant by expression": edit("log_gaussian", lambda s: "LOG2PI = np.log(2 * np.pi)\n\n\n" +
                                   s.replace("D * np.log(2 * np.pi)", "D * LOG2PI")),
    "global from another cell": insert_after(
        "init_params", "TINY = np.finfo(float).tiny",
        ("m_step", lambda s: s.replace("np.maximum(N_k, 1e-300)", "np.maximum(N_k, TINY)"))),
    "helper function": edit("e_step", lambda s: (
        "def normalise(w):\n    return w / np.sum(w, axis=1, keepdims=True)\n\n\n"
        + s.replace("return w / np.sum(w, axis=1, keepdims=True)", "return normalise(w)"))),
    "star import": insert_after("log_gaussian", "from numpy import *",
                                ("logsumexp_rows", lambda s: s.replace("np.max(", "amax(")
                                 .replace("np.log(", "log(")
                                 .replace("np.sum(np.exp(", "sum(exp("))),
    "lambda": edit("logsumexp_rows",
                   lambda s: s + "\n\n\nlogsumexp_rows = lambda a, f=logsumexp_rows: f(a)\n"),
    "with block": edit("logsumexp_rows", indented('with np.errstate(over="ignore"):')),
    "if block": edit("m_step", indented("if True:")),
    "try block": edit("ll", lambda s: indented("try:")(s) + "\nexcept NameError:\n    pass\n"),
    "%%time": edit("m_step", lambda s: "%%time\n" + s),
    "decorator": edit("e_step", lambda s: "def traced(f):\n    return f\n\n\n"
                      + s.replace("def e_step(", "@traced\ndef e_step(")),
    "copied cell": copied_cell,
    "nbformat 4.4": old_format,
    "outputs left in": outputs_left_in,
    "figure inside an answer": edit("run_em", lambda s: s.replace(
        "    return pi, mu, sigma, history",
        "    fig, ax = plt.subplots()\n    ax.plot([h['ll'] for h in history])\n"
        "    plt.close(fig)\n"
        "    return pi, mu, sigma, history")),
}


def submission(released, name):
    nb = notebook(released, bodies())
    VARIANTS[name](nb)
    nbformat.validate(nb)
    return nb


# `make test` grades these four alone (2 s each); the class run below grades them all.
QUICK = ("constant by expression", "star import", "%%time", "copied cell")


@pytest.mark.parametrize("name", [pytest.param(n, marks=[] if n in QUICK else [pytest.mark.slow])
                                  for n in VARIANTS])
def test_an_honest_style_gets_every_point(released, release, name):
    results = sandbox.grade(submission(released, name), release)
    assert points(results) == FULL, {gid: r.message for gid, r in results.items() if not r.passed}


@pytest.mark.slow
def test_a_class_of_honest_styles_gets_every_point_from_nbgrader(released, tmp_path):
    paths = []
    for i, name in enumerate(VARIANTS):
        paths.append(tmp_path / f"s{i:02d}.ipynb")
        nbformat.write(submission(released, name), paths[-1])
    done = subprocess.run([sys.executable, "-m", "instructor.course", "--course",
                           str(tmp_path / "course"), *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    totals = dict(zip(VARIANTS, (line for line in done.stdout.splitlines()
                                 if line.startswith("total: "))))
    assert len(totals) == len(VARIANTS), done.stdout[-3000:]
    for name, line in totals.items():
        assert line.startswith(f"total: {FULL}/{FULL} points"), (name, line)
    assert "is a copy of cell 'e_step'" in done.stdout

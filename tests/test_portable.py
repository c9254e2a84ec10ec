"""What keeps `make test` green on every supported stack, without hiding real changes.

- nbval's sanitize file hides the versions line and nothing else: every other stored
  output is compared exactly, and nbval still fails when a printed number changes.
- The stored notebook shows every figure it draws (a lost figure leaves no text to compare).
- The requirements: a student set without test tooling, a dev set on top of it with the
  same pins, every direct requirement pinned within its bounds.
- The supported Pythons are the same in the Makefile, the README and the running interpreter.
"""

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from notebook_outputs import (NOTEBOOK, ROOT, code_cells, compared, missing_figures,
                              sanitize, sanitize_file, sanitize_patterns)
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

VERSIONS_LINE = re.compile(r"^numpy \S+, scipy \S+, matplotlib \S+$", re.MULTILINE)


def stored_streams():
    """Every stored stream output of a cell whose outputs nbval compares."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [out.text for cell in code_cells(nb) if compared(cell)
            for out in cell.outputs if out.output_type == "stream"]


def test_sanitizing_hides_the_versions_and_nothing_else():
    patterns = sanitize_patterns()
    streams = stored_streams()
    versions = [line for text in streams for line in VERSIONS_LINE.findall(text)]
    assert len(versions) == 1, "the notebook should print one versions line"
    other_stack = "numpy 1.26.4, scipy 1.11.4, matplotlib 3.8.4"
    assert versions[0] != other_stack
    assert sanitize(versions[0], patterns) == sanitize(other_stack, patterns)
    assert sanitize("numpy 2.0.2rc1, scipy 1.16.3, matplotlib 3.10.9.post1", patterns) == \
        sanitize(other_stack, patterns)
    untouched = [text for text in streams if not VERSIONS_LINE.search(text)]
    assert any(re.search(r"\d\.\d", text) for text in untouched)  # printed numbers exist ...
    assert [sanitize(text, patterns) for text in untouched] == untouched  # ... and stay as they are


@pytest.mark.slow
def test_nbval_fails_when_a_printed_number_changes(tmp_path):
    """Two copies of the notebook up to its first printed number; in one, a stored digit changed."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = code_cells(nb)
    target = next(i for i, cell in enumerate(cells) if compared(cell) and any(
        out.output_type == "stream" and re.search(r"\d", out.text) for out in cell.outputs))
    nb.cells = nb.cells[:nb.cells.index(cells[target]) + 1]
    nbformat.write(nb, tmp_path / "same.ipynb")
    out = next(out for out in cells[target].outputs
               if out.output_type == "stream" and re.search(r"\d", out.text))
    out.text = re.sub(r"\d", lambda digit: str((int(digit[0]) + 1) % 10), out.text, count=1)
    nbformat.write(nb, tmp_path / "changed.ipynb")
    for folder in ("helpers", "data"):  # what the notebook reads, relative to its folder
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "pytest.ini", "--nbval", "--nbval-current-env",
         f"--nbval-sanitize-with={sanitize_file()}", "-p", "no:cacheprovider", "-rA",
         "same.ipynb", "changed.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)

    report = result.stdout
    assert result.returncode == 1, report[-3000:]
    assert re.findall(r"^FAILED (\S+::Cell \d+)", report, re.MULTILINE) == [
        f"changed.ipynb::Cell {target}"], report[-3000:]
    passed = re.findall(r"^PASSED (\S+::Cell \d+)", report, re.MULTILINE)
    assert passed == [f"same.ipynb::Cell {i}" for i in range(target + 1)] + \
        [f"changed.ipynb::Cell {i}" for i in range(target)], report[-3000:]
    assert "mismatch 'stdout'" in report, report[-3000:]


def test_the_stored_notebook_shows_every_figure_it_draws():
    assert missing_figures(nbformat.read(NOTEBOOK, as_version=4)) == [], \
        "(code cell, plt.show() calls, images) with a figure missing"


def test_the_stored_notebook_keeps_each_cells_printout_in_one_piece():
    """How the kernel splits a cell's printing into stream outputs depends on timing; `make execute`
    joins them, so that re-running the notebook rewrites only outputs whose text changed."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    split = [index for index, cell in enumerate(code_cells(nb))
             if any(a.output_type == b.output_type == "stream" and a.name == b.name
                    for a, b in zip(cell.outputs, cell.outputs[1:]))]
    assert split == [], f"code cells {split} store their printing in pieces: run `make execute`"


def requirements(name):
    """The requirements listed in a requirements file, by canonical name (no -r lines)."""
    found = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def pinned_version(requirement):
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not pinned"
    return spec.version


def test_every_requirement_is_pinned_within_its_bounds():
    for direct, lock in (("requirements.in", "requirements.txt"),
                         ("requirements-dev.in", "requirements-dev.txt")):
        pins = {name: pinned_version(req) for name, req in requirements(lock).items()}
        if lock == "requirements-dev.txt":
            pins.update({name: pinned_version(req)
                         for name, req in requirements("requirements.txt").items()})
        for name, requirement in requirements(direct).items():
            assert name in pins, f"{name} ({direct}) is not pinned in {lock}: run `make lock`"
            assert requirement.specifier.contains(pins[name], prereleases=True), \
                f"{lock} pins {name}=={pins[name]}, outside {direct}'s {requirement}"


def test_the_student_set_is_lean_and_the_dev_set_builds_on_it():
    student, dev = requirements("requirements.txt"), requirements("requirements-dev.txt")
    tools = set(requirements("requirements-dev.in"))
    assert not tools & set(student), "test and instructor tools belong in requirements-dev.in"
    assert not set(dev) & set(student), "the dev lock repeats (or changes) a student pin"
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")


def test_supported_pythons_agree():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    supported = re.search(r"^SUPPORTED\s*:=(.*)$", makefile, re.MULTILINE)[1].split()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    statement = re.search(r"^## Supported Pythons\n\n(.+)$", readme, re.MULTILINE)[1]
    assert re.findall(r"3\.\d+", statement) == supported, statement
    running = "%d.%d" % sys.version_info[:2]
    assert running in supported, f"Python {running} is not supported: use {', '.join(supported)}"

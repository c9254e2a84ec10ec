"""The tests on every supported Python and on the stacks students have: `make matrix`.

Sessions (`nox --list`), each in a fresh environment:

  lock-3.11 ... lock-3.15   the locks, as `make run` and `make test` install them: the
                            notebook is executed and exported, then the tests run
  hosted                    a hosted notebook: Python 3.12 with numpy 2.0.2, scipy 1.16.3,
                            matplotlib 3.10.9, the other packages as the resolver picks them
  old-lab                   an older lab machine: Python 3.11 with numpy 1.26.4, scipy 1.11.4,
                            matplotlib 3.8.4 and IPython below 9
  known-bad                 old-lab with IPython 9, which mishandles the first inline figure:
                            passes only if the tests fail, by their image checks
  refused-3.10              `make run` with Python 3.10 stops with one line

A Python that is not installed is skipped.  Interpreters come from PATH, and from pyenv's
versions folder when PATH has only pyenv's shims.
"""

import os
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import nox

# The tests every session runs: the command of `make test` (Makefile).  If `make test`
# changes, change this line with it.
TESTS = ("python", "-m", "pytest", "-m", "not slow", "-n", "auto", "--dist", "loadfile")

SUPPORTED = ("3.11", "3.12", "3.13", "3.14", "3.15")
NOTEBOOK = "nb07_em.ipynb"
# (Python, pins) of environments that do not use the locks.
HOSTED = ("3.12", ["numpy==2.0.2", "scipy==1.16.3", "matplotlib==3.10.9"])
OLD_LAB = ("3.11", ["numpy==1.26.4", "scipy==1.11.4", "matplotlib==3.8.4", "ipython<9"])
KNOWN_BAD = ("3.11", ["numpy==1.26.4", "scipy==1.11.4", "matplotlib==3.8.4", "ipython>=9"])
# What tests/test_reproducible.py says when a figure is missing or has another size.
IMAGE_CHECK = re.compile(r"images differ in number or size|with a figure missing")

nox.options.default_venv_backend = "uv"  # installs in seconds; uv is in requirements-tools.txt
nox.options.download_python = "never"
nox.options.sessions = [f"lock-{minor}" for minor in SUPPORTED] + [
    "hosted", "old-lab", "known-bad", "refused-3.10"]

PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
os.environ["PATH"] = os.pathsep.join(
    [str(folder) for folder in sorted(PYENV_VERSIONS.glob("3.*/bin"))] + [os.environ["PATH"]])


def prepare(session):
    """What the Makefile sets up besides the packages: this environment's kernel first, its
    kernel configuration, and matplotlib's font cache built before any notebook cell runs."""
    session.env["JUPYTER_PATH"] = str(Path(session.virtualenv.location) / "share" / "jupyter")
    session.env["JUPYTER_PLATFORM_DIRS"] = "1"
    kernel_config = Path(session.virtualenv.location) / "etc" / "ipython"
    kernel_config.mkdir(parents=True, exist_ok=True)
    shutil.copy("instructor/kernel/ipython_kernel_config.py", kernel_config)
    session.run("python", "-c", "import matplotlib.pyplot", silent=True)
    session.run("python", "-c", "import sys, numpy, scipy, matplotlib, IPython; print("
                "'Python', sys.version.split()[0], 'numpy', numpy.__version__, 'scipy', "
                "scipy.__version__, 'matplotlib', matplotlib.__version__, 'IPython', "
                "IPython.__version__)")


def install_stack(session, pins):
    """A student's own environment: these pins, the rest of the .in files unpinned."""
    pinned = {re.match(r"[\w.-]+", pin)[0].lower() for pin in pins}
    wanted = [line for name in ("requirements.in", "requirements-dev.in")
              for line in requirement_lines(name)
              if re.match(r"[\w.-]+", line)[0].lower() not in pinned]
    session.install(*pins, *wanted)
    session.install("--no-deps", "--editable", ".")
    prepare(session)


def requirement_lines(name):
    lines = (line.split("#")[0].strip() for line in Path(name).read_text().splitlines())
    return [line for line in lines if line]


@nox.session(python=SUPPORTED)
def lock(session):
    """The locks on one Python: `make run`'s export, then `make test`'s tests."""
    session.install("-r", "requirements.txt")
    prepare(session)
    session.run("python", "-m", "instructor.export_html", "--execute", NOTEBOOK,
                session.create_tmp())
    session.install("-r", "requirements-dev.txt")
    session.install("--no-deps", "--editable", ".")
    session.run(*TESTS)


@nox.session(python=HOSTED[0])
def hosted(session):
    install_stack(session, HOSTED[1])
    session.run(*TESTS)


@nox.session(name="old-lab", python=OLD_LAB[0])
def old_lab(session):
    install_stack(session, OLD_LAB[1])
    session.run(*TESTS)


@nox.session(name="known-bad", python=KNOWN_BAD[0])
def known_bad(session):
    """Must fail, and by the image checks: otherwise they no longer notice a lost figure."""
    install_stack(session, KNOWN_BAD[1])
    report = Path(session.create_tmp()) / "report.xml"
    # the reproducibility tests (of `make test-all`): they run the notebook and count its figures
    session.run("python", "-m", "pytest", "tests/test_reproducible.py", f"--junitxml={report}",
                success_codes=[0, 1])
    failures = [(case.get("classname") + "::" + case.get("name"), problem.get("message", ""))
                for case in ElementTree.parse(report).iter("testcase")
                for problem in case if problem.tag in ("failure", "error")]
    if not failures:
        session.error("the tests passed on the known-bad stack: "
                      "the image checks missed the lost figure")
    if not any(IMAGE_CHECK.search(message) for _, message in failures):
        session.error("the tests failed on the known-bad stack, but not by the image checks")
    for test, message in failures:
        session.log(f"{test}: {message.splitlines()[0] if message else ''}")
    session.log(f"failed as it must: {len(failures)} failure(s), the image checks among them")


@nox.session(name="refused-3.10", python=False)
def refused(session):
    """`make run PYTHON=python3.10`: one line saying what to install, nothing built."""
    python = (next(iter(sorted(PYENV_VERSIONS.glob("3.10.*/bin/python3.10"))), None)
              or shutil.which("python3.10"))
    if python is None:
        session.skip("no Python 3.10 here")
    output = session.run("make", "--no-print-directory", "run", f"PYTHON={python}",
                         success_codes=[2], silent=True, external=True)
    lines = output.strip().splitlines()
    print(output.strip())
    if len(lines) != 1 or "is not supported" not in lines[0]:
        session.error("expected one line saying that Python 3.10 is not supported")

"""Run the tests on the stacks students have: each Python pyenv offers, and other package versions.

Usage:  python scripts/matrix.py [--only NAME ...] [--keep]      (or `make matrix`)

Each stack gets a clean copy of the project's tracked files, as they are in the working
tree, under build/matrix/NAME/ (its output goes to build/matrix/NAME.log):

  lock stacks    one per Python 3.10 to 3.13 found under pyenv's versions folder: the
                 README's `make run PYTHON=...` (the student set alone must run the
                 notebook), then `make test PYTHON=...` (the dev set on top), with the
                 pinned requirements.  Python 3.10 must be refused in one line, leaving
                 no .venv behind.
  other stacks   a student's own environment: a venv with the stack's numpy, scipy and
                 matplotlib, the other packages of requirements.in and requirements-dev.in
                 at whatever versions pip picks for them, palmerpenguins without its
                 dependencies; then `python -m pytest` as in the README's "Without make".

It ends with a table: stack, versions, result, passed and failed tests, and the time taken.
Slow (a fresh environment per stack) and not part of `make test`.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "matrix"
LOCK_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
SUPPORTED = ("3.11", "3.12", "3.13")

# Student environments that do not use the lock: (name, python, pins, expected result:
# "pass", or "fail: " and the test that must be among the failures).
OTHER_STACKS = [
    ("hosted", "3.12", ["numpy==2.0.2", "scipy==1.16.3", "matplotlib==3.10.9"], "pass"),
    ("old-lab", "3.11", ["numpy==1.26.4", "scipy==1.11.4", "matplotlib==3.8.4", "ipython<9"], "pass"),
    # The known-bad combination: the notebook's first figure vanishes or loses its size; the
    # image checks of tests/test_reproducible.py must notice.
    ("old-lab-ipython9", "3.11", ["numpy==1.26.4", "scipy==1.11.4", "matplotlib==3.8.4", "ipython>=9"],
     "fail: test_reproducible.py::test_a_run_"),
]
VERSIONS = ("import sys, numpy, scipy, matplotlib, IPython; print('%d.%d.%d' % sys.version_info[:3], "
            "numpy.__version__, scipy.__version__, matplotlib.__version__, IPython.__version__)")


def pyenv_pythons():
    """{"3.12": Path(".../3.12.1/bin/python3"), ...}: the newest pyenv Python of each minor version."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    if shutil.which("pyenv"):
        found = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            root = Path(found.stdout.strip())
    pythons = {}
    folders = (root / "versions").iterdir() if (root / "versions").is_dir() else []
    for folder in sorted(folders, key=lambda f: [int(n) for n in re.findall(r"\d+", f.name)]):
        match = re.fullmatch(r"(3\.\d+)\.\d+", folder.name)
        if match:
            for exe in (folder / "bin" / "python3", folder / "python.exe"):
                if exe.exists():
                    pythons[match[1]] = exe
    return pythons


def clean_copy(dest):
    """Copy the tracked files (as they are in the working tree) to dest, replacing it."""
    shutil.rmtree(dest, ignore_errors=True)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.split("\0")):
            source = ROOT / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:  # not a git checkout: everything but what the project generates
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "__pycache__", ".pytest_cache", ".hypothesis"))


def venv_python(venv):
    return venv / "Scripts" / "python.exe" if os.name == "nt" else venv / "bin" / "python"


def clean_env(venv=None):
    """This process's environment without what would leak into the copy (make's, a venv's)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV", "JUPYTER_PATH",
                          "PYTHONPATH")}
    if venv is not None:  # as the Makefile does: this venv's kernel before any other
        env["JUPYTER_PATH"] = str(venv / "share" / "jupyter")
    return env


def run(command, cwd, log, env):
    """Run a command (no shell), appending its output to log; return (exit code, output)."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(str(part) for part in command)}\n")
        out.flush()
        result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out.write(result.stdout)
    return result.returncode, result.stdout


def pytest_counts(output):
    """(passed, failed + errors) from pytest's closing line."""
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    last = lines[-1] if lines else ""
    count = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?)", last)}
    return count.get("passed", 0), count.get("failed", 0) + count.get("error", 0) + count.get("errors", 0)


def requirement_lines(name, leave_out=()):
    """The requirements in a .in file, without comments and without the names in leave_out."""
    lines = []
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and re.match(r"[A-Za-z0-9_.-]+", line)[0].lower() not in leave_out:
            lines.append(line)
    return lines


def lock_stack(minor, python, copy, log):
    """`make run`, then `make test`, with PYTHON=... in the copy, as the README says."""
    row = {"python": minor}
    code, output = run(["make", "run", f"PYTHON={python}"], copy, log, clean_env())
    if minor not in SUPPORTED:
        lines = output.strip().splitlines()
        refused = code != 0 and len(lines) == 1 and not (copy / ".venv").exists()
        row.update(result="refused" if refused else "NOT REFUSED", note=lines[-1] if lines else "")
        return row
    if code != 0 or not (copy / "build" / "nb07_em.html").exists():
        row.update(result="RUN FAILED", note=output.strip()[-200:])
        return row
    code, output = run(["make", "test", f"PYTHON={python}"], copy, log, clean_env())
    row.update(pytest_summary(code, output))
    row.update(versions(copy / ".venv", copy, log))
    return row


def other_stack(minor, python, pins, copy, log):
    """A student's own environment: the stack's pins, everything else as pip picks it."""
    venv = copy / ".venv"
    env = clean_env(venv)
    pinned = {re.match(r"[A-Za-z0-9_.-]+", pin)[0].lower() for pin in pins}
    steps = [
        [python, "-m", "venv", venv],
        [venv_python(venv), "-m", "pip", "install", "--quiet", *pins,
         *requirement_lines("requirements.in", leave_out=pinned),
         *requirement_lines("requirements-dev.in", leave_out=pinned)],
        [venv_python(venv), "-m", "pip", "install", "--quiet", "--no-deps", "-r",
         "requirements-nodeps.txt"],
        [venv_python(venv), "-c", "import matplotlib.pyplot"],  # font cache, before any test
    ]
    for step in steps:
        code, output = run(step, copy, log, env)
        if code != 0:
            return {"python": minor, "result": "SETUP FAILED", "note": output.strip()[-200:]}
    code, output = run([venv_python(venv), "-m", "pytest"], copy, log, env)
    row = {"python": minor, **pytest_summary(code, output), **versions(venv, copy, log)}
    return row


def pytest_summary(code, output):
    passed, failed = pytest_counts(output)
    failures = re.findall(r"^(?:FAILED|ERROR) (\S+::Cell \d+|\S+)", output, re.MULTILINE)
    return {"result": "pass" if code == 0 else "fail", "passed": passed, "failed": failed,
            "failures": failures, "note": " ".join(failures[:4]) + (" ..." if len(failures) > 4 else "")}


def versions(venv, copy, log):
    code, output = run([venv_python(venv), "-c", VERSIONS], copy, log, clean_env())
    if code != 0:
        return {}
    python, numpy, scipy, matplotlib, ipython = output.split()
    return {"python": python, "numpy": numpy, "scipy": scipy, "matplotlib": matplotlib,
            "ipython": ipython}


def table(rows):
    columns = ["stack", "python", "numpy", "scipy", "matplotlib", "ipython", "result", "expected",
               "passed", "failed", "time", "note"]
    cells = [[str(row.get(column, "")) for column in columns] for row in rows]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only these stacks (e.g. lock-3.12 hosted)")
    parser.add_argument("--keep", action="store_true", help="keep each stack's .venv afterwards")
    args = parser.parse_args()

    pythons = pyenv_pythons()
    stacks = [(f"lock-{minor}", minor, None, "pass" if minor in SUPPORTED else "refused")
              for minor in LOCK_PYTHONS if minor in pythons]
    stacks += [(name, minor, pins, expected) for name, minor, pins, expected in OTHER_STACKS]
    if args.only:
        stacks = [stack for stack in stacks if stack[0] in args.only]
    OUT.mkdir(parents=True, exist_ok=True)

    rows = []
    for name, minor, pins, expected in stacks:
        copy, log = OUT / name, OUT / f"{name}.log"
        log.write_text(f"stack {name}\n", encoding="utf-8")
        start = time.perf_counter()
        if minor not in pythons:
            row = {"python": minor, "result": "skipped", "note": f"no Python {minor} under pyenv"}
        else:
            print(f"{name}: Python {minor} ({pythons[minor]}) in {copy}", flush=True)
            clean_copy(copy)
            if pins is None:
                row = lock_stack(minor, pythons[minor], copy, log)
            else:
                row = other_stack(minor, pythons[minor], pins, copy, log)
            if not args.keep:
                shutil.rmtree(copy / ".venv", ignore_errors=True)
        if expected.startswith("fail: ") and row["result"] == "fail" and any(
                expected[6:] in failure for failure in row["failures"]):
            row["result"] = expected  # failed, and by the test that should notice
        row.update(stack=name, expected=expected, time=f"{time.perf_counter() - start:.0f} s")
        rows.append(row)
        print(f"{name}: {row['result']} ({row['time']})", flush=True)

    print()
    print(table(rows))
    unexpected = [row["stack"] for row in rows
                  if row["result"] not in ("skipped", row["expected"])]
    if unexpected:
        print(f"\nnot as expected: {', '.join(unexpected)} (logs in {OUT})")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())

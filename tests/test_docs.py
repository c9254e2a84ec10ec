"""Every command the README and docs/ give runs as written.

Commands are read from the text: `inline code` and indented command lines that start with
`make`, `python` or `.venv/bin/python`.  How far each runs in the fast tier:
- `python -m instructor.grade --points`: in full;
- `make ...`: as a dry run (`make -n`): the target exists and its recipe expands with those
  variables (`make test-all` runs them for real, the slow ones included);
- other Python commands: up to their argument parsing (the program's `--help`);
  the pytest command of docs/exercises.md up to collection;
- `python -m instructor.exercise ...`: in full, in a copy of the project (tests/test_recipe.py).
A command with a placeholder (`...`) or another interpreter (PYTHON=) is listed, not run.
"""

import functools
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
START = r"(?:make|python|\.venv/bin/python)\b"


def commands():
    """(page, command) of every command in the pages, in order, without repeats."""
    found = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        inline = re.findall(rf"`({START}[^`]*)`", text)
        blocks = [line.split("  #")[0].strip()
                  for line in re.findall(rf"^ {{4}}({START}.*)$", text, re.M)]
        for command in inline + blocks:
            found.setdefault(command.strip(), page.name)
    return [(page, command) for command, page in found.items()]


COMMANDS = commands()


def test_the_pages_give_commands():
    kinds = {shlex.split(command)[0] for _, command in COMMANDS}
    assert {"make", "python", ".venv/bin/python"} <= kinds and len(COMMANDS) > 20


def run(args, timeout=300):
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, \
        f"{shlex.join(args)}:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    return done.stdout


# Run otherwise: in full (grade --points), by test_recipe (exercise), up to collection (pytest).
FULL = {"instructor.grade", "instructor.exercise", "pytest"}
HELP = r'''
import contextlib, io, json, os, runpy, sys
out = {}
for program in json.loads(sys.argv[1]):
    text = io.StringIO()
    sys.argv = [program[-1], "--help"]
    try:
        with contextlib.redirect_stdout(text):
            if program[0] == "-m":
                runpy.run_module(program[1], run_name="__main__", alter_sys=True)
            else:                                   # a script: its folder first, as python does
                sys.path.insert(0, os.path.dirname(os.path.abspath(program[0])))
                runpy.run_path(program[0], run_name="__main__")
    except SystemExit as end:
        text.write(f"\nexit {end.code}")
    out[" ".join(program)] = text.getvalue()
print(json.dumps(out))
'''


@functools.lru_cache(maxsize=None)
def usages():
    """{program: its --help text} of every program the pages run but this file does not run in
    full, read in one Python process (a program is a script or "-m module")."""
    programs = set()
    for _, command in COMMANDS:
        args = shlex.split(command)
        if args[0] == "make":
            continue
        program = tuple(args[1:3] if args[1] == "-m" else args[1:2])
        if program[-1] not in FULL:
            programs.add(program)
    programs = sorted(programs)
    return json.loads(run([sys.executable, "-c", HELP, json.dumps(programs)]).splitlines()[-1])


@pytest.mark.parametrize("page, command", COMMANDS, ids=[c for _, c in COMMANDS])
def test_each_command_runs_as_written(page, command):
    args = shlex.split(command)
    if "..." in command or any(a.startswith("PYTHON=") for a in args):
        pytest.skip(f"{page}: a placeholder or another interpreter: {command}")
    if args[0] == "make":
        run(["make", "-n", "--no-print-directory", *args[1:]])
        return
    python = [sys.executable, *args[1:]]
    if args[1:3] == ["-m", "instructor.exercise"]:
        pytest.skip("run in a copy of the project by tests/test_recipe.py")
    if args[1:] == ["-m", "instructor.grade", "--points"]:
        assert re.search(r"^total: \d+ points", run(python), re.M)
    elif args[1:3] == ["-m", "pytest"]:
        assert re.search(r"^\d+(/\d+)? tests? collected", run([*python, "--collect-only", "-q"]),
                         re.M)
    else:
        text = usages()[" ".join(args[1:3] if args[1] == "-m" else args[1:2])]
        assert "usage:" in text and text.endswith("exit 0"), text

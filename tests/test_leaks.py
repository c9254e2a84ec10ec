"""Nothing instructor-only ships in the student edition.

Each check module declares what is instructor-only in its `PRIVATE` tuple, and the hidden cases are
the branches taken when `hidden` is true; instructor/public_checks.py builds the student edition
from that.  Here the student edition is built as `make student` builds it (nbgrader's release and
the recorded results), and every file in it is read:

- no shipped module defines a declared private name;
- no file holds the text of a private definition: its strings and its distinctive code lines;
- no shipped module holds the code of a hidden-only branch (a seed, a shape, a case);
- the shipped checks pass the notebook's answers alike with hidden=True and hidden=False (no
  hidden case is left to reach).
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from instructor import course
from instructor.public_checks import declared, defined, strip

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "helpers" / "checks"
# the core's files and each exercise's
MODULES = sorted(path.stem for path in CHECKS.glob("*.py"))


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The student edition's folder: the released notebook, data/, helpers/ with _recorded.pkl."""
    return course.build_course(tmp_path_factory.mktemp("leaks") / "course").parent


def shipped(edition):
    """{relative path: text} of every file in the edition (binary files as latin-1 text)."""
    files = {}
    for path in sorted(p for p in edition.rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts):
        data = path.read_bytes()
        try:
            files[path.relative_to(edition).as_posix()] = data.decode("utf-8")
        except UnicodeDecodeError:
            files[path.relative_to(edition).as_posix()] = data.decode("latin-1")
    return files


def public_text():
    """What may ship: the code outside every module's private definitions, and the notebook outside
    its answers (a private line equal to one of these is shared wording, not a secret)."""
    parts = []
    for name in MODULES:
        source = (CHECKS / f"{name}.py").read_text(encoding="utf-8")
        tree = ast.parse(source)
        private = declared(tree) | {"PRIVATE"}
        parts += [ast.get_source_segment(source, node) for node in tree.body
                  if not defined(node) & private]
    cells = json.loads((ROOT / "nb07_em.ipynb").read_text(encoding="utf-8"))["cells"]
    notebook = "\n".join("".join(cell["source"]) for cell in cells)
    parts.append(re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", notebook, flags=re.S))
    return "\n".join(parts)


def private_text(name, public):
    """(declared names, strings, code lines) of module `name`'s private definitions: every string
    of 40 characters or more (answers, messages), every line of 30 or more of its functions."""
    source = (CHECKS / f"{name}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    private = declared(tree)
    mine = [node for node in tree.body if defined(node) & private]
    strings = {n.value.strip() for node in mine for n in ast.walk(node)
               if isinstance(n, ast.Constant) and isinstance(n.value, str)
               and len(n.value.strip()) >= 40}
    lines = {line.strip() for node in mine if isinstance(node, ast.FunctionDef)
             for line in ast.get_source_segment(source, node).splitlines()[1:]
             if len(line.strip()) >= 30 and not line.strip().startswith(("#", '"""'))}
    return private, {s for s in strings if s not in public}, {s for s in lines if s not in public}


def hidden_only(name):
    """The code of module `name`'s hidden-only branches (`b` in `a if not hidden else b`, the body
    of `if hidden:`, ...), except pieces that its other code contains too (a 5 that is also
    visible)."""
    source = (CHECKS / f"{name}.py").read_text(encoding="utf-8")
    offsets = [0, *(i + 1 for i, c in enumerate(source) if c == "\n")]
    spans = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.If, ast.IfExp)):
            test, negated = node.test, False
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                test, negated = test.operand, True
            if isinstance(test, ast.Name) and test.id == "hidden":
                branch = node.orelse if negated else node.body
                spans += [(offsets[p.lineno - 1] + p.col_offset,
                           offsets[p.end_lineno - 1] + p.end_col_offset)
                          for p in (branch if isinstance(branch, list) else [branch])]
        for block in (getattr(node, field, None) for field in ("body", "orelse")):
            # `if not hidden: ... return` (or `yield ...; return`): what follows is hidden-only
            for i, stmt in enumerate(block if isinstance(block, list) else []):
                test = getattr(stmt, "test", None)
                if (isinstance(stmt, ast.If) and isinstance(test, ast.UnaryOp)
                        and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name)
                        and test.operand.id == "hidden" and isinstance(stmt.body[-1], ast.Return)):
                    spans += [(offsets[q.lineno - 1] + q.col_offset,
                               offsets[q.end_lineno - 1] + q.end_col_offset) for q in block[i + 1:]]
    rest, last = [], 0
    for start, end in sorted(spans):
        rest.append(source[last:start] if start >= last else "")
        last = max(last, end)
    rest = "".join(rest) + source[last:]
    pieces = {source[start:end] for start, end in spans}
    return {p for p in pieces
            if p.strip() and not re.search(rf"(?<![\w.]){re.escape(p)}(?![\w.])", rest)}


def test_every_module_declares_what_is_private():
    for name in MODULES:
        tree = ast.parse((CHECKS / f"{name}.py").read_text(encoding="utf-8"))
        private = declared(tree)
        assert any("PRIVATE" in defined(node) for node in tree.body), \
            f"helpers/checks/{name}.py declares no PRIVATE"
        names = {n for node in tree.body for n in defined(node)}
        assert private <= names, \
            f"{name}.py: PRIVATE names {sorted(private - names)}, which it does not define"


def test_no_private_definition_ships(edition):
    files, public = shipped(edition), public_text()
    leaks, secrets = [], 0
    for name in MODULES:
        shipped_module = files[f"helpers/checks/{name}.py"]
        tree = ast.parse(shipped_module)
        private, strings, lines = private_text(name, public)
        secrets += len(private) + len(strings) + len(lines)
        leaks += [f"{name}.py defines {n}" for node in tree.body
                  for n in defined(node) & (private | {"PRIVATE"})]
        for path, text in files.items():
            leaks += [f"{path} holds a string of {name}.py's private definitions: {s[:60]!r}"
                      for s in strings if s in text]
            leaks += [f"{path} holds a line of {name}.py's private definitions: {s[:60]!r}"
                      for s in lines if s in text]
    assert secrets > 50, "too few private names, strings and lines were found to scan for"
    assert leaks == []


def test_no_hidden_case_ships(edition):
    files = shipped(edition)
    leaks = []
    found = 0
    for name in MODULES:
        text = files[f"helpers/checks/{name}.py"]
        for piece in hidden_only(name):
            found += 1
            if re.search(rf"(?<![\w.]){re.escape(piece)}(?![\w.])", text):
                leaks.append(f"helpers/checks/{name}.py holds the hidden-only code {piece!r}")
    assert found > 0, \
        "no hidden-only branch was found: is `hidden` still the flag of the hidden cases?"
    assert leaks == []


CHILD = r'''
import json, sys
import helpers.checks as checks
from helpers import load_notebook
nb = load_notebook(sys.argv[1])
namespace = dict(vars(nb))
out = {}
for hidden in (False, True):
    results = checks.run_all(namespace, hidden=hidden)
    out[str(hidden)] = [(r.name, r.part, r.passed, r.message) for r in results]
print(json.dumps(out))
'''


def test_shipped_checks_have_no_hidden_cases(edition, tmp_path):
    """In the student edition, hidden=True reaches nothing more: every case it runs was recorded."""
    (tmp_path / "child.py").write_text(CHILD, encoding="utf-8")
    done = subprocess.run([sys.executable, str(tmp_path / "child.py"), str(ROOT / "nb07_em.ipynb")],
                          cwd=edition, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(edition)})
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["True"] == out["False"]
    assert all(passed for _, _, passed, _ in out["False"]), out["False"]


CORE = '''
PRIVATE = ("HIDDEN_SHAPES",)
HIDDEN_SHAPES = [(6, 1)]
def check(name): return run_all(name)
def run_all(name): return name
def reference(name): return name
'''
MODULE = '''
from helpers.checks import check, reference as reference_of
USES = ()
PRIVATE = ("reference", "SLIPS")
{extra}
def reference(x):
    return {helper}(x)
def correctness(f, hidden):
    for x in ([1, 2] if not hidden else {hidden_cases}):
        assert f(x) == reference_of("new")(x)
SLIPS = []
'''


@pytest.mark.parametrize("name, extra, helper, hidden_cases", [
    ("reference_total", "def reference_total(x):\n    return sum(x)", "reference_total", "[[3]]"),
    ("HIDDEN_CASES", "HIDDEN_CASES = [[3, 4]]", "sum", "HIDDEN_CASES"),
])
def test_an_undeclared_private_helper_stops_the_build(name, extra, helper, hidden_cases):
    """A helper only the reference uses, or a list of cases only `hidden` reaches, is not shipped
    by accident: the build stops and says to declare it."""
    module = MODULE.format(extra=extra, helper=helper, hidden_cases=hidden_cases)
    with pytest.raises(ValueError, match=re.escape(f"nothing shipped uses ['{name}']")):
        strip({"__init__": CORE, "new": module})
    declared_too = module.replace('PRIVATE = ("reference", "SLIPS")',
                                  f'PRIVATE = ("reference", "SLIPS", "{name}")')
    public = strip({"__init__": CORE, "new": declared_too})["new"]
    assert "def reference" not in public and "HIDDEN" not in public and "3" not in public


def test_a_flag_passed_under_another_name_is_folded_too():
    """`def cases(show_all)` that every call gives `hidden`: its hidden branch does not ship."""
    module = MODULE.format(extra="", helper="sum", hidden_cases="[[3]]").replace(
        "    for x in ([1, 2] if not hidden else [[3]]):",
        "    for x in cases(hidden):").replace(
        "SLIPS = []", "SLIPS = []\n\n\ndef cases(show_all):\n    yield [1, 2]\n"
                      "    if show_all:\n        yield [7, 77, 777]\n")
    public = strip({"__init__": CORE, "new": module})["new"]
    assert "def cases" in public and "777" not in public and "show_all" not in public

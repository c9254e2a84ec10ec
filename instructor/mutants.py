"""Slips generated, not listed, and judged alike.

A mutation engine on the syntax trees of the notebook's answers (instructor/submissions.py
`bodies()`), and a judge for what it makes:

    mutants()          [Mutant(exercise, description, answers)], in a fixed order
    evaluate(...)      for each mutant: does it change the function's results on the checks' cases
                       (calls recorded while the instructor's checks run on the correct answers,
                       hidden cases included)?  If so, do the student edition's check (the public
                       checks, replaying recorded results) and the grader (sandbox.grade) both fail
                       it, with the same message?
    python -m instructor.mutants   the table per exercise, the survivors and the equivalent mutants;
                       exit status 1 if an exercise's kill rate is below 95 %.

The mutations: operators (+ - * / @ **, comparisons), axes (axis=0 <-> 1, axis= dropped or
added), keepdims, transposes (.T dropped or added), numeric constants (0, 1, c+1, c-1, -c, 2c;
booleans flipped), in-place updates of an argument (`x - mu_k` -> `x -= mu_k` before the
statement, then `x`), off-by-one (range(n) -> range(n + 1) / range(n - 1), len(a) +- 1, an index
name k -> k + 1 / k - 1, slices), dropped terms (a + b -> a, -> b; f(a) -> a), swapped numpy
functions (max/min, sum/mean, log/exp, maximum/minimum, zeros/ones/empty), swapped arguments, and
negation.  A mutant that does not compile, or whose code is the answer's or an earlier mutant's,
is skipped.
"""

import ast
import contextlib
import copy
import functools
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import types
import warnings
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]

import numpy as np

from instructor.submissions import bodies, cells, grade_id  # noqa: E402

KILL_RATE = 0.95            # the least share of the mutants that change results both must catch
CALL_SECONDS = 30           # a mutant's call that takes longer counts as a change (it hangs)
SLOW_SECONDS = 1.0          # a mutant this slow on its first differing call is graded on its own


class Mutant(NamedTuple):
    exercise: str
    description: str
    answers: dict           # grade_id -> answer: the notebook's answers, one of them mutated

    def __hash__(self):     # descriptions are unique
        return hash(self.description)


# ---- making them ----------------------------------------------------------------------------

SWAPS = {"max": ["min"], "min": ["max"], "sum": ["mean"], "mean": ["sum"], "log": ["exp"],
         "exp": ["log"],
         "maximum": ["minimum"], "minimum": ["maximum"], "empty": ["zeros"], "zeros": ["ones"],
         "ones": ["zeros"], "amax": ["amin"], "amin": ["amax"], "prod": ["sum"]}
METHOD_SWAPS = {"sum": ["mean"], "mean": ["sum"], "max": ["min"], "min": ["max"]}
REDUCTIONS = {"sum", "mean", "max", "min"}
OPERATORS = {ast.Add: [ast.Sub, ast.Mult], ast.Sub: [ast.Add], ast.Mult: [ast.Div, ast.Add],
             ast.Div: [ast.Mult, ast.FloorDiv], ast.MatMult: [ast.Mult], ast.Pow: [ast.Mult],
             ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv]}
COMPARISONS = {ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt], ast.Gt: [ast.GtE, ast.Lt],
               ast.GtE: [ast.Gt],
               ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is]}
IN_PLACE = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def short(node, width=48):
    text = ast.unparse(node) if isinstance(node, ast.AST) else str(node)
    return text if len(text) <= width else text[:width - 3] + "..."


def symbol(op):
    """The text of an operator node: ast.Add() -> "+"."""
    return ast.unparse(ast.BinOp(ast.Name("a"), op, ast.Name("b"))
                       if isinstance(op, ast.operator) else
                       ast.Compare(ast.Name("a"), [op], [ast.Name("b")]))[2:-2]


def is_numpy(func, names=None):
    """func is np.<name> (one of `names`, if given)."""
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
        and func.value.id == "np" and (names is None or func.attr in names)


def number(node):
    """The value of a numeric literal (3, 2.0, -0.5), or None."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
        return -node.operand.value
    return None


def literal(value):
    return ast.UnaryOp(ast.USub(), ast.Constant(-value)) if value < 0 else ast.Constant(value)


def with_keywords(call, keywords):
    new = copy.deepcopy(call)
    new.keywords = keywords
    return new


def alternatives(node):
    """[(description or None, new node)] for one node of an answer; None: "old -> new"."""
    found = []
    if isinstance(node, ast.BinOp):
        for op in OPERATORS.get(type(node.op), []):
            found.append((f"{symbol(node.op)} -> {symbol(op())} in {short(node)}",
                          ast.BinOp(node.left, op(), node.right)))
        found.append((None, node.left))                             # a dropped term
        found.append((None, node.right))
        if isinstance(node.op, ast.MatMult):                        # a transpose added
            for side in ("left", "right"):
                operand = getattr(node, side)
                if not (isinstance(operand, ast.Attribute) and operand.attr == "T"):
                    new = copy.deepcopy(node)
                    setattr(new, side, ast.Attribute(operand, "T", ast.Load()))
                    found.append((None, new))
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        for op in COMPARISONS.get(type(node.ops[0]), []):
            found.append((f"{symbol(node.ops[0])} -> {symbol(op())} in {short(node)}",
                          ast.Compare(node.left, [op()], node.comparators)))
        found.append((None, ast.UnaryOp(ast.Not(), node)))           # negated
    elif isinstance(node, ast.UnaryOp) and number(node) is None:
        found.append((None, node.operand))                          # a minus or a not dropped
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        found.append((None, node.value))                            # a transpose dropped
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name):
        for op in (ast.Add, ast.Sub):                               # off by one: mu[k] -> mu[k + 1]
            found.append((None, ast.Subscript(node.value,
                                              ast.BinOp(node.slice, op(), ast.Constant(1)),
                                              node.ctx)))
    elif isinstance(node, ast.Slice):
        if node.lower is None and node.upper is None and node.step is None:
            found.append(("[:] -> [1:]", ast.Slice(ast.Constant(1), None, None)))
            found.append(("[:] -> [:-1]", ast.Slice(None, literal(-1), None)))
    elif isinstance(node, ast.Call):
        found += call_alternatives(node)
    if number(node) is not None:
        c = number(node)
        kind = type(c)
        seen = {c}
        for value in (kind(0), kind(1), c + 1, c - 1, -c, 2 * c):
            if value not in seen:
                seen.add(value)
                found.append((None, literal(value)))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        found.append((None, ast.Constant(not node.value)))
    return found


def call_alternatives(node):
    found = []
    func = node.func
    if is_numpy(func):
        for other in SWAPS.get(func.attr, []):                      # swapped numpy functions
            new = copy.deepcopy(node)
            new.func.attr = other
            found.append((f"np.{func.attr} -> np.{other}", new))
    elif isinstance(func, ast.Attribute) and func.attr in METHOD_SWAPS and \
            not (isinstance(func.value, ast.Name) and func.value.id in ("np", "rng")):
        for other in METHOD_SWAPS[func.attr]:
            new = copy.deepcopy(node)
            new.func.attr = other
            found.append((f".{func.attr}( -> .{other}(", new))
    if isinstance(func, ast.Name) and func.id == "range" and len(node.args) == 1:
        for op, sign in ((ast.Add, "+"), (ast.Sub, "-")):           # off by one
            found.append((f"range({short(node.args[0])}) -> range({short(node.args[0])} {sign} 1)",
                          ast.Call(func, [ast.BinOp(node.args[0], op(), ast.Constant(1))], [])))
    if isinstance(func, ast.Name) and func.id == "len":
        for op in (ast.Add, ast.Sub):
            found.append((None, ast.BinOp(node, op(), ast.Constant(1))))
    for i, keyword in enumerate(node.keywords):
        rest = node.keywords[:i] + node.keywords[i + 1:]
        value = number(keyword.value)
        if keyword.arg == "axis" and value in (0, 1):
            other = copy.deepcopy(keyword)
            other.value = ast.Constant(1 - value)
            found.append((f"axis={value} -> axis={1 - value}",
                          with_keywords(node, node.keywords[:i] + [other] + node.keywords[i + 1:])))
        if keyword.arg in ("axis", "keepdims"):                     # dropped
            found.append((f"{short(keyword)} dropped in {short(node.func)}(...)",
                          with_keywords(node, rest)))
    names = {k.arg for k in node.keywords}
    reduces = (is_numpy(func, REDUCTIONS) and len(node.args) == 1) or \
        (isinstance(func, ast.Attribute) and func.attr in REDUCTIONS and not node.args
         and not is_numpy(func)
         and not (isinstance(func.value, ast.Name) and func.value.id == "rng"))
    if reduces and "axis" not in names:                             # an axis added
        for axis in (0, 1):
            found.append((f"axis={axis} added to {short(node.func)}(...)",
                          with_keywords(node, node.keywords
                                        + [ast.keyword("axis", ast.Constant(axis))])))
    if len(node.args) == 1 and not node.keywords and (is_numpy(func)
                                                      or isinstance(func, ast.Name) and
                                                      func.id not in ("range", "len")):
        found.append((f"{short(func)}(...) dropped", node.args[0]))  # f(a) -> a
    for i in range(len(node.args) - 1):                             # two arguments swapped
        if not any(isinstance(a, ast.Starred) for a in node.args[i:i + 2]):
            new = copy.deepcopy(node)
            new.args[i], new.args[i + 1] = new.args[i + 1], new.args[i]
            found.append((f"arguments {short(node.args[i], 20)} and "
                          f"{short(node.args[i + 1], 20)} of "
                          f"{short(func, 30)} swapped", new))
    return found


def children(node):
    """(field, index or None, child) of a node, in source order."""
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield field, i, item
        elif isinstance(value, ast.AST):
            yield field, None, value


def walk(node, path=()):
    """(path, node) of every node below node (itself included), pre-order."""
    yield path, node
    # -0.5 is one constant, not a minus and 0.5
    if number(node) is not None:
        return
    for field, i, child in children(node):
        if not isinstance(child, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop,
                                  ast.boolop)):
            yield from walk(child, path + ((field, i),))


def replace(root, path, new):
    """A copy of root with the node at path replaced by new."""
    root = copy.deepcopy(root)
    if not path:
        return copy.deepcopy(new)
    parent = root
    for field, i in path[:-1]:
        parent = getattr(parent, field) if i is None else getattr(parent, field)[i]
    field, i = path[-1]
    if i is None:
        setattr(parent, field, copy.deepcopy(new))
    else:
        getattr(parent, field)[i] = copy.deepcopy(new)
    return root


class Source:
    """An answer's text, with its lines and byte offsets (ast's col_offset counts UTF-8 bytes)."""

    def __init__(self, text):
        self.text, self.lines = text, text.splitlines(True)

    def offset(self, line, col):
        before = "".join(self.lines[:line - 1])
        return len(before) + len(self.lines[line - 1].encode()[:col].decode())

    def splice(self, node, text):
        start = self.offset(node.lineno, node.col_offset)
        end = self.offset(node.end_lineno, node.end_col_offset)
        return self.text[:start] + text + self.text[end:]

    def indent(self, node):
        return self.lines[node.lineno - 1][:len(self.lines[node.lineno - 1]) -
                                           len(self.lines[node.lineno - 1].lstrip())]


def units(tree):
    """The pieces an answer is mutated in, each re-written whole: simple statements, and the header
    expressions of compound ones (a for's iterable, an if's test) -> (unit, the statement it is
    in)."""
    for statement in tree.body:
        yield from statement_units(statement)


def statement_units(statement):
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        yield statement.iter, statement
    elif isinstance(statement, (ast.If, ast.While)):
        yield statement.test, statement
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        for item in statement.items:
            yield item.context_expr, statement
    elif not any(isinstance(getattr(statement, f, None), list) and getattr(statement, f) and
                 isinstance(getattr(statement, f)[0], ast.stmt)
                 for f in ("body", "orelse", "finalbody")):
        yield statement, statement
        return
    for field in ("body", "orelse", "finalbody"):
        for inner in getattr(statement, field, []) or []:
            yield from statement_units(inner)


def parameters(name):
    """The parameters of the exercise's function, read from its notebook cell."""
    for cell in cells():
        if cell["cell_type"] == "code" and grade_id(cell) == name:
            text = "".join(cell["source"]).replace("### BEGIN SOLUTION", "").replace(
                "### END SOLUTION", "")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef) and node.name == name:
                    return {a.arg for a in node.args.args + node.args.kwonlyargs}
    return set()


def argument(node, params):
    """node is an argument (x) or an item of one (mu[k])."""
    base = node.value if isinstance(node, ast.Subscript) else node
    return isinstance(base, ast.Name) and base.id in params


def in_place(unit, statement, params):
    """[(description, statement before, new unit)]: a - b with a an argument becomes `a -= b` before
    the statement, then a (b + a and b * a too)."""
    found = []
    for path, node in walk(unit):
        if not isinstance(node, ast.BinOp) or not isinstance(node.op, IN_PLACE):
            continue
        sides = [(node.left, node.right)]
        if isinstance(node.op, (ast.Add, ast.Mult)):
            sides.append((node.right, node.left))
        for target, other in sides:
            if argument(target, params):
                target = copy.deepcopy(target)
                update = ast.AugAssign(ast.fix_missing_locations(copy.deepcopy(target)),
                                       type(node.op)(), other)
                store = copy.deepcopy(target)
                store.ctx = ast.Store()
                update.target = store
                text = ast.unparse(update)
                found.append((f"{short(node)} -> {text} before the statement, then {short(target)}",
                              text, replace(unit, path, target)))
    return found


def answer_mutants(name, body, params):
    """[(description, new body)] of one answer, in source order, without repeats."""
    source = Source(body)
    tree = ast.parse(body)
    seen = {ast.dump(tree)}
    made = []

    def keep(description, text):
        try:
            new_tree = ast.parse(text)
            compile("def _answer():\n" + textwrap.indent(text, "    "), "<mutant>", "exec")
        except SyntaxError:
            return
        key = ast.dump(new_tree)
        if key not in seen:
            seen.add(key)
            count = sum(d == description or d.startswith(description + " (") for d, _ in made)
            made.append((description + (f" ({count + 1})" if count else ""), text))

    for unit, statement in units(tree):
        line = unit.lineno
        for path, node in walk(unit):
            for description, new in alternatives(node):
                new_unit = replace(unit, path, new)
                description = description or f"{short(node)} -> {short(new)}"
                keep(f"{name}: line {line}: {description}",
                     source.splice(unit, ast.unparse(new_unit)))
        for description, before, new_unit in in_place(unit, statement, params):
            text = source.splice(unit, ast.unparse(new_unit))
            start = source.offset(statement.lineno, 0)
            text = text[:start] + source.indent(statement) + before + "\n" + text[start:]
            keep(f"{name}: line {line}: {description}", text)
        if isinstance(unit, (ast.Assign, ast.Return, ast.AugAssign)) and unit.value is not None \
                and not isinstance(unit.value, ast.Tuple):          # negation of what it computes
            new_unit = copy.deepcopy(unit)
            new_unit.value = ast.UnaryOp(ast.USub(), unit.value)
            keep(f"{name}: line {line}: {short(unit.value, 40)} negated",
                 source.splice(unit, ast.unparse(new_unit)))
    return made


def graded():
    """The graded exercises, in the notebook's order -> {name: [its parts]}."""
    from helpers.checks import graded_parts
    found = {}
    for name, part, _ in graded_parts():
        found.setdefault(name, []).append(part)
    return found


@functools.lru_cache(maxsize=None)
def _mutants():
    answers = bodies()
    made = []
    for name in graded():
        for description, body in answer_mutants(name, answers[name], parameters(name)):
            made.append(Mutant(name, description, {**answers, name: body}))
    return tuple(made)


def mutants():
    """Every mutant of every graded exercise, in the notebook's order, then source order."""
    return list(_mutants())


# ---- do they change anything? -------------------------------------------------------------

class TooSlow(BaseException):
    """A call of a mutant ran past CALL_SECONDS (a BaseException: no check catches it)."""


@contextlib.contextmanager
def deadline(seconds):
    def expire(*_):
        raise TooSlow
    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def namespace_of(answers, filename="<answers>"):
    import linecache
    from instructor.submissions import source
    code = source(answers)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = {"__name__": "submission"}
    exec(compile(code, filename, "exec"), namespace)
    return namespace


def states(args):
    return [a.bit_generator.state for a in args if isinstance(a, np.random.Generator)]


def recorder(namespace, name, log):
    """namespace[name], its calls logged (arguments before, outcome, generator states after); the
    wrapper lives in `namespace` (its globals), so that stand-ins go where the function looks."""
    original, keep, after = namespace[name], copy.deepcopy, states

    def recording(*args, **kwargs):
        before = keep((args, kwargs))
        try:
            value = original(*args, **kwargs)
        except Exception as exc:
            log.append((before, ("raise", type(exc).__name__), after(args)))
            raise
        log.append((before, ("return", keep(value)), after(args)))
        return value
    wrapper = types.FunctionType(recording.__code__, namespace, name, None, recording.__closure__)
    return functools.update_wrapper(wrapper, original)


def reference_calls():
    """{exercise: [(args, kwargs), outcome, generator states after]} of every call the instructor's
    checks (hidden cases too) make of the notebook's answers, without repeats."""
    from helpers.checks import run_all
    namespace = namespace_of(bodies())
    logs = {name: [] for name in graded()}
    for name, log in logs.items():
        namespace[name] = recorder(namespace, name, log)
    results = run_all(namespace, hidden=True)
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    calls = {}
    for name, log in logs.items():
        unique = {}
        for before, outcome, after in log:
            unique.setdefault(pickle.dumps(before), (before, outcome, after))
        calls[name] = list(unique.values())
    return calls


def same(a, b, rtol=1e-12, atol=1e-14):
    """Whether two results agree: exactly in structure, closely (rtol 1e-12) in numbers."""
    if isinstance(a, np.random.Generator) or isinstance(b, np.random.Generator):
        return isinstance(a, np.random.Generator) and isinstance(b, np.random.Generator) and \
            a.bit_generator.state == b.bit_generator.state
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and \
            all(same(a[k], b[k], rtol, atol) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) \
            and len(a) == len(b) and all(same(x, y, rtol, atol) for x, y in zip(a, b))
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a is b or (type(a) is type(b) and a == b)
    try:
        x, y = np.asarray(a), np.asarray(b)
        if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
            return False
        return x.shape == y.shape and bool(np.allclose(x.astype(float), y.astype(float), rtol=rtol,
                                                       atol=atol, equal_nan=True))
    except (TypeError, ValueError):
        return False


def unchanged(before, after):
    """The arrays among the arguments (also inside lists and dicts) are as they were."""
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and \
            np.array_equal(before, after, equal_nan=True)
    if isinstance(before, dict):
        return all(unchanged(v, after[k]) for k, v in before.items())
    if isinstance(before, (list, tuple)):
        return all(unchanged(v, w) for v, w in zip(before, after))
    return True


# their results are random draws: the same distribution is the same result
SAMPLERS = {"simulate"}
SAMPLE = 200_000


def same_distribution(func, args, kwargs):
    """Whether func, called as recorded but for SAMPLE draws with their labels, draws from the
    mixture it was given: label frequencies, and each component's mean and covariance, within five
    standard errors (a mutant that changes only which numbers are drawn is equivalent)."""
    n, pi, mu, sigma = args[:4]
    try:
        x, z = func(SAMPLE, pi, mu, sigma, np.random.default_rng(12345), return_labels=True)
    except Exception:
        return False
    x, z = np.asarray(x, dtype=float), np.asarray(z)
    if x.shape != (SAMPLE, mu.shape[1]) or z.shape != (SAMPLE,):
        return False
    for k in range(len(pi)):
        mine = x[z == k]
        share = len(mine) / SAMPLE
        if abs(share - pi[k]) > 5 * np.sqrt(pi[k] * (1 - pi[k]) / SAMPLE) + 1e-12:
            return False
        if len(mine) < 100:
            continue
        spread = np.sqrt(np.diag(sigma[k]))
        if np.any(np.abs(mine.mean(axis=0) - mu[k]) > 5 * spread / np.sqrt(len(mine))):
            return False
        scale = np.outer(spread, spread)
        if np.any(np.abs(np.cov(mine.T, bias=True).reshape(sigma[k].shape) - sigma[k])
                  > 5 * 2 * scale / np.sqrt(len(mine))):
            return False
    return True


def difference(mutant, calls):
    """Why the mutant's results differ from the answer's on the recorded calls (None if they do
    not), and how long its calls took."""
    from helpers.checks import exercise, stand_ins
    name = mutant.exercise
    start = time.monotonic()
    try:
        namespace = namespace_of(mutant.answers, f"<mutant of {name}>")
    except Exception as exc:
        return f"its cell raised {type(exc).__name__}", 0.0
    func = namespace[name]
    with stand_ins(func, exercise(name).USES), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for n, (before, outcome, after) in enumerate(calls, start=1):
            args, kwargs = copy.deepcopy(before)
            given = copy.deepcopy((args, kwargs))
            where = f"call {n} of {len(calls)}"
            try:
                with deadline(CALL_SECONDS):
                    value = func(*args, **kwargs)
                got = ("return", value)
            except TooSlow:
                return f"{where}: did not return within {CALL_SECONDS} s", time.monotonic() - start
            except Exception as exc:
                got = ("raise", type(exc).__name__)
            if got[0] != outcome[0] or (got[0] == "raise" and got[1] != outcome[1]):
                what = (f"raised {got[1]}" if got[0] == "raise"
                        else f"returned instead of raising {outcome[1]}")
                return f"{where}: {what}", time.monotonic() - start
            if got[0] == "return" and not same(got[1], outcome[1]):
                if name in SAMPLERS and same_distribution(func, args, kwargs):
                    # other draws from the same distribution
                    continue
                return f"{where}: a different result", time.monotonic() - start
            if not unchanged(given, (args, kwargs)):
                return f"{where}: changed an argument in place", time.monotonic() - start
            if states(args) != after:
                return f"{where}: drew other random numbers", time.monotonic() - start
    return None, time.monotonic() - start


# ---- do the checks catch them? ------------------------------------------------------------

CHILD = r"""
import json, signal, sys, linecache
from helpers.checks import run

class TooSlow(BaseException):
    pass

def expire(*_):
    raise TooSlow

signal.signal(signal.SIGALRM, expire)
out = []
for name, parts, cells in json.load(open(sys.argv[1])):
    namespace = {"__name__": "__main__"}
    results = {}
    signal.alarm(int(sys.argv[2]))
    try:
        for filename, code in cells:                        # each cell as the kernel runs it
            linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
            try:
                exec(compile(code, filename, "exec"), namespace)
            except Exception:
                pass
        for part in parts:
            result = run(name, part, namespace)
            results[part] = [result.passed, result.message]
    except TooSlow:
        results = {part: [False, "(the check did not finish in time)"] for part in parts}
    finally:
        signal.alarm(0)
    out.append(results)
print(json.dumps(out))
"""


def kernel_cells(nb):
    """(filename, source) of the cells the functions live in (tagged em), as the worker names
    them."""
    from instructor.sandbox import python_source
    return [(f"<cell {i}>", python_source(cell.source)) for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and "em" in cell.get("metadata", {}).get("tags", [])]


@contextlib.contextmanager
def student_checks(edition, released, batch, seconds=60):
    """Starts the student edition's checks on every mutant of `batch` in another process (the public
    checks, visible cases, recorded results; each mutant's cells run as a student's kernel runs
    them) and yields a function that waits for them -> [{part: (passed, message)}] in batch's
    order."""
    from instructor.submissions import notebook
    parts = graded()
    jobs = [(m.exercise, parts[m.exercise], kernel_cells(notebook(released, m.answers)))
            for m in batch]
    with tempfile.TemporaryDirectory(prefix="mutants-") as folder:
        (Path(folder) / "jobs.json").write_text(json.dumps(jobs))
        (Path(folder) / "child.py").write_text(CHILD)
        child = subprocess.Popen([sys.executable, str(Path(folder) / "child.py"),
                                  str(Path(folder) / "jobs.json"), str(seconds)],
                                 cwd=edition, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env={**os.environ, "PYTHONPATH": str(edition)})

        def results():
            out, err = child.communicate()
            if child.returncode:
                raise RuntimeError("the student edition's checks stopped "
                                   f"(exit {child.returncode}):\n{err[-3000:]}")
            return [{part: tuple(verdict) for part, verdict in found.items()}
                    for found in json.loads(out)]
        try:
            yield results
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()


def batches(changed, slow):
    """Notebooks to grade: at most one mutant per exercise in each (the grader judges each function
    with reference stand-ins for those it calls); a slow one alone."""
    groups = []
    for m in changed:
        if m in slow:
            groups.append({m.exercise: m})
            continue
        for group in groups:
            if m.exercise not in group and not any(other in slow for other in group.values()):
                group[m.exercise] = m
                break
        else:
            groups.append({m.exercise: m})
    return groups


def is_check(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def grader_verdicts(released, release, group):
    """sandbox.grade's messages for the mutants of one notebook -> {mutant: {part: (passed,
    message)}}."""
    from helpers.checks import exercise_part
    from instructor import sandbox
    from instructor.submissions import notebook
    answers = bodies()
    for m in group.values():
        answers[m.exercise] = m.answers[m.exercise]
    nb = notebook(released, answers)
    # only these functions are graded: the other check
    # cells stay where they are, ungraded and not run
    for cell in nb.cells:
        if is_check(cell) and exercise_part(cell.metadata.nbgrader.grade_id)[0] not in group:
            cell.metadata.nbgrader.grade = False
    results = sandbox.grade(nb, release)
    return {m: {part: (results[f"{name}_{part}"].passed, results[f"{name}_{part}"].message)
                for part in graded()[name]} for name, m in group.items()}


class Verdict(NamedTuple):
    mutant: Mutant
    difference: str | None          # why its results differ; None: an equivalent mutant
    student: dict | None            # part -> (passed, message): the student edition's check
    grader: dict | None             # part -> (passed, message): sandbox.grade
    calls: int                      # the calls of the checks it was compared on

    @property
    def changed(self):
        return self.difference is not None

    @property
    def caught_by_student(self):
        return self.changed and not all(passed for passed, _ in self.student.values())

    @property
    def caught_by_grader(self):
        return self.changed and not all(passed for passed, _ in self.grader.values())

    @property
    def killed(self):
        return self.caught_by_student and self.caught_by_grader

    @property
    def hidden_only(self):
        return self.changed and not self.caught_by_student and self.caught_by_grader

    def mismatches(self):
        """[(part, student's message, grader's message)] where they fail differently."""
        found = []
        for part, (s_passed, s_message) in (self.student or {}).items():
            g_passed, g_message = self.grader[part]
            if not s_passed and (g_passed or s_message != g_message):
                found.append((part, s_message, g_message))
        return found

    @property
    def same_message(self):
        return self.killed and not self.mismatches()


def student_edition(folder):
    """The student edition, built with course.make_student -> its folder.  Its _recorded.pkl holds
    the runs of the answers and the planted slips only: a mutant's check replays those."""
    from instructor.course import make_student
    make_student(Path(folder) / "nb07_em.ipynb")
    return Path(folder)


def changes(made):
    """({mutant: why its results differ from the answer's, or None}, the slow ones among them,
    {exercise: how many calls they were compared on})."""
    calls = reference_calls()
    differences, slow = {}, set()
    for m in made:
        differences[m], seconds = difference(m, calls[m.exercise])
        if differences[m] and seconds > SLOW_SECONDS:
            slow.add(m)
    return differences, slow, {name: len(found) for name, found in calls.items()}


def evaluate(edition=None, log=None):
    """Judge every mutant -> [Verdict], in mutants()'s order.  edition: a student edition's folder
    (built if None); it is also the release the grader's workers see (they copy its helpers/ and
    data/, never its _recorded.pkl)."""
    import nbformat
    say = log or (lambda text: None)
    start = time.monotonic()
    made = mutants()
    with contextlib.ExitStack() as stack:
        if edition is None:
            edition = student_edition(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="student-")))
            say(f"student edition built ({time.monotonic() - start:.0f} s)")
        released = nbformat.read(Path(edition) / "nb07_em.ipynb", as_version=4)
        differences, slow, calls = changes(made)
        changed = [m for m in made if differences[m]]
        say(f"{len(made)} mutants, {len(changed)} change results "
            f"({time.monotonic() - start:.0f} s)")
        # meanwhile
        public = stack.enter_context(student_checks(edition, released, changed))
        groups = batches(changed, slow)
        graded_by = {}
        for group in groups:
            graded_by.update(grader_verdicts(released, edition, group))
        say(f"graded in {len(groups)} notebooks ({time.monotonic() - start:.0f} s)")
        public = dict(zip(changed, public()))
        say(f"the student edition's checks run ({time.monotonic() - start:.0f} s)")
    return [Verdict(m, differences[m], public.get(m), graded_by.get(m), calls[m.exercise])
            for m in made]


def table(verdicts):
    """{exercise: counts} in the notebook's order."""
    rows = {}
    for v in verdicts:
        row = rows.setdefault(v.mutant.exercise, dict.fromkeys(
            ("made", "changed", "student", "grader", "killed", "same", "hidden only"), 0))
        row["made"] += 1
        row["changed"] += v.changed
        row["student"] += v.caught_by_student
        row["grader"] += v.caught_by_grader
        row["killed"] += v.killed
        row["same"] += v.same_message
        row["hidden only"] += v.hidden_only
    for row in rows.values():
        row["rate"] = row["killed"] / row["changed"] if row["changed"] else 1.0
    return rows


def report(verdicts, seconds=None):
    """The table, the survivors, the message mismatches and the equivalent mutants -> text."""
    rows = table(verdicts)
    lines = [f"{'exercise':<16}{'made':>6}{'changed':>9}{'notebook':>10}{'grader':>8}"
             f"{'same msg':>10}"
             f"{'hidden only':>13}{'kill rate':>11}"]
    for name, row in rows.items():
        lines.append(f"{name:<16}{row['made']:>6}{row['changed']:>9}{row['student']:>10}"
                     f"{row['grader']:>8}"
                     f"{row['same']:>10}{row['hidden only']:>13}{row['rate']:>10.0%}")
    total = {k: sum(r[k] for r in rows.values())
             for k in ("made", "changed", "student", "grader", "same", "hidden only", "killed")}
    lines.append(f"{'all':<16}{total['made']:>6}{total['changed']:>9}{total['student']:>10}"
                 f"{total['grader']:>8}"
                 f"{total['same']:>10}{total['hidden only']:>13}"
                 f"{total['killed'] / max(total['changed'], 1):>10.0%}")
    if seconds is not None:
        lines.append(f"({seconds:.0f} s)")
    survivors = [v for v in verdicts if v.changed and not v.killed and not v.hidden_only]
    hidden = [v for v in verdicts if v.hidden_only]
    mismatched = [v for v in verdicts if v.killed and not v.same_message]
    lines.append(f"\nsurvivors: changed results, passed a check ({len(survivors)})")
    for v in survivors:
        lines.append(f"  {v.mutant.description}  [{v.difference}]")
        for who, parts in (("notebook", v.student), ("grader", v.grader)):
            for part, (passed, message) in parts.items():
                lines.append(f"      {who} {part}: {message}")
    lines.append("\nhidden only: the grader catches it on the hidden cases, "
                 "the notebook's check passes "
                 f"({len(hidden)})")
    for v in hidden:
        failed = "; ".join(f"{part}: {m}" for part, (passed, m) in v.grader.items()
                           if not passed)
        lines.append(f"  {v.mutant.description}  [{v.difference}]\n      grader {failed}")
    lines.append("\nmessages differ: caught by both, not with the same message "
                 f"({len(mismatched)})")
    for v in mismatched:
        why = ""
        if any("(the reference, standing in)" in g for _, _, g in v.mismatches()):
            why = ("  [a function it calls failed: the grader's stand-in, "
                   "the student's own function in the notebook]")
        lines.append(f"  {v.mutant.description}{why}")
        for part, s, g in v.mismatches():
            lines.append(f"      {part}, notebook: {s}\n      {part}, grader:   {g}")
    equivalent = [v for v in verdicts if not v.changed]
    lines.append("\nequivalent: no result changed on the checks' cases, hidden ones included; "
                 "for simulate, "
                 f"the draws may differ but their distribution does not ({len(equivalent)})")
    for v in equivalent:
        same = ("the same distribution" if v.mutant.exercise in SAMPLERS
                else "the same results, arguments and draws")
        lines.append(f"  {v.mutant.description}  [{same} on all {v.calls} calls]")
    return "\n".join(lines)


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    args = parser.parse_args(argv)
    if args.list:
        for m in mutants():
            print(m.description)
        print(f"{len(mutants())} mutants")
        return 0
    start = time.monotonic()
    verdicts = evaluate(log=lambda text: print(text, file=sys.stderr, flush=True))
    print(report(verdicts, time.monotonic() - start))
    low = [name for name, row in table(verdicts).items() if row["rate"] < KILL_RATE]
    if low:
        print(f"\nbelow {KILL_RATE:.0%} killed: {', '.join(low)}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())

"""The exercise checks: `check("e_step")` after each exercise, and what grading runs.

In the notebook, right after each exercise::

    check("e_step")                  # correctness: agrees with independent oracles
    check("e_step", "robustness")    # far points, extreme scales, empty components ...

A check prints one line when the function passes.  When it does not, it raises `CheckFailed`
(an AssertionError) whose message is one line in the student's terms: the function, what is
wrong (shape or value, which row or component, the number) and a hint.

Where things are:

- This file is the core: finding the function, calling it safely, reading what it returns,
  the messages, the shared test data, and the reference versions standing in for the other
  functions.
- `helpers/checks/<exercise>.py` holds everything about one exercise: its reference version
  (`reference`, written with scipy and numpy, never the notebook's code), its cases (visible and
  hidden), one function per graded part (`correctness`, `robustness`) with its hints, the other
  functions it calls (`USES`), and the answers the tests plant (`TEXTBOOK`, `SLIPS`).
- The points and the list of graded parts live once, in the notebook's nbgrader metadata:
  a check cell with grade_id "<exercise>_<part>" (`graded_parts` reads them).

Stand-ins: while function f is checked, the functions it calls (its module's `USES`) are the
reference versions, put back afterwards.  So run_em is checked with a correct e_step, m_step and
ll: a bug costs the points of the function that has it, never those of the functions that call it.
"""

import importlib
import inspect
import json
import re
import sys
import types
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from helpers.words import first_line, not_implemented, your_line  # noqa: F401: also the checks' API

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "nb07_em.ipynb"
PARTS = ("correctness", "robustness")
# Instructor-only, as in each exercise module: the student edition leaves these out.
PRIVATE = ("HIDDEN_SHAPES",)


class CheckFailed(AssertionError):
    """A graded function does not do what it should; the message says what, in one line."""

    def _render_traceback_(self):
        """What IPython shows: the notebook line that called check, and the message (no frames of ours)."""
        try:
            from IPython import get_ipython
            kept = []
            tb = self.__traceback__
            while tb is not None:
                if tb.tb_frame.f_locals.get("__tracebackhide__") is not True:
                    kept.append(tb)
                tb = tb.tb_next
            tb = None
            for entry in reversed(kept):
                tb = types.TracebackType(tb, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
            return get_ipython().InteractiveTB.structured_traceback(type(self), self, tb)
        except Exception:                                    # outside IPython
            return [f"{type(self).__name__}: {self}"]


class Result(NamedTuple):
    name: str
    part: str
    passed: bool
    message: str


# ---- the exercises and their points, discovered ------------------------------------------

def exercise(name):
    """The module that checks exercise `name` (helpers/checks/<name>.py)."""
    if not (Path(__file__).parent / f"{name}.py").is_file() or name.startswith("_"):
        raise ValueError(f"no check for {name!r}; exercises: {', '.join(exercises())}")
    return importlib.import_module(f"{__name__}.{name}")


def exercises():
    """The names of the exercises that have a check module."""
    return sorted(p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_"))


def graded_parts(notebook=NOTEBOOK):
    """[(exercise, part, points)] of the notebook's autograded check cells, in notebook order.

    Read from nbgrader's metadata: a cell with "grade": true, no "solution", and a grade_id
    "<exercise>_<part>".  This is the only place the points are written.
    """
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            name, _, part = meta["grade_id"].rpartition("_")
            if part not in PARTS:
                raise ValueError(f"check cell {meta['grade_id']!r}: a grade_id is '<exercise>_<part>', "
                                 f"part one of {PARTS}")
            parts.append((name, part, meta["points"]))
    return parts


def reference(name):
    """The reference version of `name`: an exercise's `reference`, or given code such as log_joint.

    The student edition has none (instructor/public_checks.py): there it replays what the reference
    versions returned on the visible cases, recorded when the edition was made.
    """
    module = exercise("ll" if name == "log_joint" else name)
    found = getattr(module, "reference_log_joint" if name == "log_joint" else "reference", None)
    found = found or (lambda *args, **kwargs: replay(name, args, kwargs))
    return RECORDER(name, found) if RECORDER else found


RECORDER = None  # set while the student edition's results are recorded (instructor/public_checks.py)


class NotRecorded(LookupError):
    """The student edition was asked for a reference result it did not record."""


@lru_cache(maxsize=None)
def recorded():
    import pickle
    with open(Path(__file__).parent / "_recorded.pkl", "rb") as f:
        return pickle.load(f)


def public():
    """Whether these are the student edition's checks (no reference versions, recorded results)."""
    return (Path(__file__).parent / "_recorded.pkl").is_file()


def same(a, b):
    if isinstance(a, np.random.Generator) or isinstance(b, np.random.Generator):
        return isinstance(a, np.random.Generator) and isinstance(b, np.random.Generator) and \
            a.bit_generator.state == b.bit_generator.state
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)


def replay(name, args, kwargs):
    import copy
    for r_args, r_kwargs, result, states in recorded().get(name, []):
        if same(list(args), list(r_args)) and same(kwargs, r_kwargs):
            if isinstance(result, Exception):
                raise copy.deepcopy(result)
            for arg, state in zip([a for a in args if isinstance(a, np.random.Generator)], states):
                arg.bit_generator.state = state
            return copy.deepcopy(result)
    raise NotRecorded(name)


# ---- running a check ------------------------------------------------------------------------

def check(name, part="correctness", *, hidden=False, namespace=None):
    """Check exercise `name`; print one line if it passes, raise CheckFailed if not.

    part: "correctness" or "robustness".  hidden: run the hidden cases instead of the visible
    ones.  namespace: where to find the function (default: the caller's global variables,
    i.e. the notebook's).
    """
    __tracebackhide__ = True
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    result = run(name, part, namespace, hidden)
    if not result.passed:
        raise CheckFailed(result.message)
    print(result.message)


def run_all(namespace, hidden=True, parts=None):
    """Every graded part (the visible cases, then if `hidden` the hidden ones) -> [Result]."""
    results = []
    for name, part, _ in parts or graded_parts():
        result = run(name, part, namespace, False)
        if result.passed and hidden:
            hidden_result = run(name, part, namespace, True)
            result = result if hidden_result.passed else hidden_result
        results.append(result)
    return results


def run(name, part, namespace, hidden=False):
    """Check one part of one exercise -> Result; never raises for anything the student wrote."""
    if isinstance(namespace, types.ModuleType):
        namespace = vars(namespace)
    module = exercise(name)
    body = getattr(module, part, None)
    if part not in PARTS or body is None:
        raise ValueError(f"no {part} check for {name!r}")
    func = namespace.get(name)
    if func is None:
        return Result(name, part, False,
                      f"{name} is not defined: run its cell first; if that cell shows an error, fix it first")
    if not callable(func):
        return Result(name, part, False, f"{name} is a {type(func).__name__}, not a function: "
                                         f"was the name reused after its cell? Run its cell again")
    if part != "correctness" and hasattr(module, "correctness"):
        correct = run(name, "correctness", namespace, hidden)
        if not correct.passed:
            return Result(name, part, False, first_correct(name, part))
    if public():                             # no stand-ins: the student's own, if they pass the same checks
        calls = reached(func, namespace)
        for other in (u for u in module.USES if u in exercises() and u in calls):
            for its_part in dict.fromkeys(("correctness", part)):
                if hasattr(exercise(other), its_part) and not run(other, its_part, namespace).passed:
                    which = "" if its_part == "correctness" else f" {its_part}"
                    again = f'"{other}"' + (f', "{its_part}"' if which else "")
                    return Result(name, part, False, f"{name} calls {other}, whose{which} check fails: "
                                                     f"make check({again}) pass first")
    try:
        with stand_ins(func, () if public() else module.USES):
            body(func, hidden)
    except CheckFailed as failure:
        return Result(name, part, False, str(failure))
    except NotRecorded:
        return Result(name, part, False, f"{name} does not give what the reference gives on the visible "
                                         f"cases; compare it with the formulas above the exercise")
    except Exception as exc:                                 # something no case foresaw: still one line
        return Result(name, part, False, f"{name}: the check could not use what it returned "
                                         f"({type(exc).__name__}: {first_line(exc)})")
    word = "correct" if part == "correctness" else "robust"
    text = "on the hidden cases too" if hidden else f"({body.__doc__.strip()})"
    return Result(name, part, True, f"✓ {name}: {word} {text}")


def first_correct(name, part):
    """The message of a part other than correctness when the correctness check fails (which says why)."""
    return f"{name}: {part} counts only once correctness passes, and it does not yet: make check(\"{name}\") pass first"


def reached(func, namespace):
    """The names of `namespace` that func uses, directly or through the functions it uses."""
    def names(code):                                         # a comprehension has its own code object
        return set(code.co_names).union(*(names(c) for c in code.co_consts if isinstance(c, types.CodeType)))
    found, todo = set(), [func]
    while todo:
        code = getattr(todo.pop(), "__code__", None)
        for name in (names(code) if code else set()) & namespace.keys() - found:
            found.add(name)
            todo.append(namespace[name])
    return found


@contextmanager
def stand_ins(func, names):
    """Reference versions of `names` in func's globals while it is checked; the student's put back after."""
    space = getattr(func, "__globals__", None)
    if space is None or not names:                          # e.g. a proxy for a function run elsewhere
        yield
        return
    saved = {name: space[name] for name in names if name in space}
    try:
        space.update({name: reference(name) for name in names})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")                  # the check judges values, not warnings
            yield
    finally:
        for name in names:
            space.pop(name, None)
        space.update(saved)


# ---- the shared test data -------------------------------------------------------------------

@lru_cache(maxsize=None)
def course():
    """A fixed 300-row subset of data/gmm.csv and the true mixture behind it: (x, pi, mu, sigma)."""
    x = np.loadtxt(ROOT / "data" / "gmm.csv", delimiter=",")[::16][:300]
    truth = json.loads((ROOT / "data" / "gmm_true.json").read_text())
    return (x, *(np.array(truth[key]) for key in ("pi", "mu", "sigma")))


@lru_cache(maxsize=None)
def mixture(seed, K, D, N=150):
    """A well-conditioned random mixture and N samples from it: (x, pi, mu, sigma)."""
    rng = np.random.default_rng(seed)
    pi = 0.5 / K + 0.5 * rng.dirichlet(np.ones(K))          # every weight at least 1 / (2K)
    mu = rng.normal(scale=3.0, size=(K, D))
    A = rng.normal(size=(K, D, D))
    sigma = A @ np.swapaxes(A, 1, 2) / D + 0.5 * np.eye(D)
    z = rng.choice(K, size=N, p=pi)
    eps = rng.standard_normal((N, D))
    x = mu[z] + np.einsum("nij,nj->ni", np.linalg.cholesky(sigma)[z], eps)
    return x, pi, mu, sigma


VISIBLE_SHAPES = [(2, 1), (3, 3), (2, 4)]                    # (K, D) of the random mixtures
HIDDEN_SHAPES = [(6, 1), (3, 2), (5, 3), (4, 4), (6, 5), (1, 2)]


def problems(hidden):
    """(case, x, pi, mu, sigma): the course data and random mixtures."""
    if not hidden:
        yield ("course data", *course())
        shapes, first_seed = VISIBLE_SHAPES, 1
    else:
        x, *_ = course()
        yield ("course data, random start", x, *reference("init_params")(x, 4, np.random.default_rng(3)))
        shapes, first_seed = HIDDEN_SHAPES, 101
    for seed, (K, D) in enumerate(shapes, start=first_seed):
        yield (f"random mixture, K = {K}, D = {D}", *mixture(seed, K, D))


def far_problems(hidden):
    """(case, x, pi, mu, sigma) whose last row is 1e4 standard deviations from every component."""
    if not hidden:
        pi = np.array([0.5, 0.3, 0.2])
        mu = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
        sigma = np.repeat(0.25 * np.eye(2)[None], 3, axis=0)       # standard deviation 0.5
        x = np.vstack([np.random.default_rng(0).normal(size=(20, 2)), [[3.6e3, 3.6e3]]])
        yield "a point 1e4 sigma away from every component", x, pi, mu, sigma
        return
    for seed, (K, D) in enumerate(HIDDEN_SHAPES, start=201):
        x, pi, mu, sigma = mixture(seed, K, D, N=30)
        rng = np.random.default_rng(seed)
        largest_sd = np.sqrt(np.linalg.eigvalsh(sigma).max())
        direction = rng.normal(size=D)
        far = mu.mean(axis=0) + 2e4 * largest_sd * direction / np.linalg.norm(direction)
        yield (f"a point 1e4 sigma away from every component, K = {K}, D = {D}",
               np.vstack([x, far]), pi, mu, sigma)


# ---- calling the student's function and reading what it returns --------------------------

def fail(name, problem, hint=None, case=None):
    where = f" ({case})" if case else ""
    raise CheckFailed(f"{name}{where}: {problem}" + (f" - {hint}" if hint else ""))


def call(name, func, *args, case=None, **kwargs):
    """func(*args, **kwargs) on copies of the arrays; an exception, or an array argument changed in
    place, becomes a CheckFailed."""
    given = {**dict(enumerate(args)), **kwargs}
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    kwargs = {k: a.copy() if isinstance(a, np.ndarray) else a for k, a in kwargs.items()}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")                  # numpy's RuntimeWarnings: the values tell
            value = func(*args, **kwargs)
        changed(name, func, given, {**dict(enumerate(args)), **kwargs}, case)
        return value
    except NotImplementedError as exc:
        raise CheckFailed(getattr(exc, "stub", None) or not_implemented(name, func, exc)) from None
    except CheckFailed:
        raise
    except Exception as exc:                                 # also one raised in a grading worker
        where = f" ({case})" if case else ""
        kind = getattr(exc, "kind", type(exc).__name__)
        if kind == "a stop":
            raise CheckFailed(f"{exc}{where}") from None
        line = getattr(exc, "where", None)
        line = your_line(exc, func) if line is None else line
        callee = called(exc, func)
        if callee:                           # the callee's own error differs with who stands in for it
            raise CheckFailed(f"{name}{where}: its call of {callee} failed{line} - check what it passes to "
                              f"{callee}: the order, shapes and values of the arguments") from None
        raise CheckFailed(f"{name}{where} raised {kind}: {first_line(exc)}{line}") from None


def called(exc, func):
    """The graded function (or log_joint) that func called and in which exc was raised: the
    student's own, a reference standing in for it here, or one in a grading worker; else None."""
    standing_in = re.match(r"(\w+) \(the reference, standing in\) raised", str(exc))
    if standing_in:
        return standing_in.group(1)
    tb, code = exc.__traceback__, getattr(func, "__code__", None)
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is None or tb.tb_next is None:
        return None
    frame = tb.tb_next.tb_frame
    module = frame.f_globals.get("__name__", "")
    if module.startswith("helpers.checks."):                 # a reference version standing in
        return "log_joint" if frame.f_code.co_name == "reference_log_joint" else module.rpartition(".")[2]
    return frame.f_code.co_name if frame.f_code.co_name in {*exercises(), "log_joint"} else None


def changed(name, func, given, after, case=None):
    """CheckFailed if the call changed one of the arrays it was given (x -= mu_k, r[r < eps] = eps):
    in the notebook, every later cell would run on the changed data."""
    for key, value in given.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, after[key], equal_nan=True):
            try:
                names = list(inspect.signature(func).parameters)
                arg = names[key] if isinstance(key, int) else key
            except (TypeError, ValueError, IndexError):
                arg = f"argument {key + 1}" if isinstance(key, int) else key
            where = f" ({case})" if case else ""
            raise CheckFailed(f"{name}{where} changed {arg} in place ({arg} -= ..., {arg}[...] = ... or "
                              f"an out= argument): the caller's {arg} is changed too; work on a copy "
                              f"({arg} - mu, not {arg} -= mu)")


def fmt(value, digits=4):
    """A number or a (nested) array in a short readable form."""
    value = np.asarray(value)
    if value.ndim == 0:
        v = float(value)
        return str(v) if not np.isfinite(v) else f"{v:.{digits}g}"
    return "[" + ", ".join(fmt(v, digits) for v in value) + "]"


def two(got, expected):
    """got and expected formatted with just enough digits to tell them apart."""
    for digits in range(4, 13):
        a, b = fmt(got, digits), fmt(expected, digits)
        if a != b:
            return a, b
    return a, b


def array(name, value, what, shape, symbol, case=None, hints=None):
    """value as a float array of `shape` (symbol: how to say it, e.g. "(N, K)"), or CheckFailed."""
    if value is None:
        fail(name, "returned None", "end the function with a return statement", case)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(name, f"{what} must be an array of numbers; got {type(value).__name__}", case=case)
    if a.shape != shape:
        hint = (hints or {}).get(a.shape)
        if hint is None and len(shape) == 2 and a.shape == shape[::-1]:
            hint = "it looks transposed"
        expected = f"{symbol} = {shape}" if symbol != str(shape) else str(shape)
        fail(name, f"{what} has shape {a.shape}; expected {expected}", hint, case)
    return a


def scalar(name, value, case=None):
    """value as one float, or CheckFailed."""
    if value is None:
        fail(name, "returned None", "end the function with a return statement", case)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(name, f"must return a number; got {type(value).__name__}", case=case)
    if a.ndim != 0 and a.size != 1:
        fail(name, f"must return one number, the mean over samples; got shape {a.shape}", case=case)
    return float(a.reshape(()))


def unpack(name, value, names, case=None):
    """The tuple value of len(names) items, or CheckFailed saying what came back."""
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        got = (f"{len(value)} values" if isinstance(value, (tuple, list))
               else f"one {type(value).__name__}" + (f" of shape {np.shape(value)}" if np.ndim(value) else ""))
        fail(name, f"must return {', '.join(names)} ({len(names)} values); got {got}", case=case)
    return value


def params(name, value, K, D, case=None, label="{}"):
    """value as (pi, mu, sigma) of shapes (K,), (K, D), (K, D, D), or CheckFailed.  label: how to
    name each, e.g. "history[3]['{}']"."""
    value = unpack(name, value, ("pi", "mu", "sigma"), case)
    shapes = (((K,), "(K,)"), ((K, D), "(K, D)"), ((K, D, D), "(K, D, D)"))
    return tuple(array(name, v, label.format(what), shape, symbol, case)
                 for v, what, (shape, symbol) in zip(value, ("pi", "mu", "sigma"), shapes))


def mismatch(got, expected, rtol=1e-8, atol=1e-10):
    """Index (tuple) of the first entry of got that is not close to expected, or None."""
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    return tuple(int(i) for i in np.argwhere(bad)[0]) if np.any(bad) else None


def close(got, expected, rtol=1e-8, atol=1e-10):
    return np.shape(got) == np.shape(expected) and mismatch(got, expected, rtol, atol) is None


def index(i):
    return ", ".join(str(j) for j in i)

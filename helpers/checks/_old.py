"""One-line checks of the graded EM functions: the notebook's check cells and the grade.

In the notebook, right after each exercise::

    check("e_step")                  # correctness: agrees with independent oracles
    check("e_step", "robustness")    # far points, extreme scales, empty components ...

A check prints one line when the function passes.  When it does not, it raises `CheckFailed`
(an AssertionError) whose message is one line in the student's terms: the function, what is
wrong (shape or value, which row or component, the number) and a hint.  A stub gets "not
implemented yet", a name that was never defined gets "run its cell first".  Hidden tests call
the same functions with ``hidden=True``, which runs other cases (more seeds, D up to 5, K up
to 6); `run_all` runs both kinds for every graded part and returns the results without printing.

How a check works:

- **Lookup.**  `check` finds the function by its name in the global namespace of the code that
  calls it (in a notebook: the notebook's variables, read with ``sys._getframe(1).f_globals``),
  or in `namespace` when one is given.
- **Oracles.**  Every expected value comes from independent code in this module, written with
  scipy and numpy (``multivariate_normal.logpdf``, ``logsumexp``, ``softmax``, ``np.average``,
  ``np.cov(aweights=..., bias=True)``) and plain formulas: never from the notebook's own code.
  The oracles have the signatures of the graded functions (``oracle_e_step(x, pi, mu, sigma)``).
- **Isolation.**  While a function f is checked, the other graded functions, and ``log_joint``
  (given in the notebook, it calls log_gaussian), that exist in f's globals are replaced by
  the oracles and put back afterwards, even on error.  So run_em is checked with a correct
  e_step, m_step and ll, ll with a correct log_gaussian and logsumexp_rows: a bug costs the
  points of the function that has it, never those of the functions that call it.
- **Copies.**  The student's function gets copies of the arrays, so nothing it changes in place
  can spoil the expected values.

What each part asks for:

- correctness: agrees with the oracles on the course data (a fixed 300-row subset of
  data/gmm.csv, with the true parameters of data/gmm_true.json) and on well-conditioned random
  mixtures with D = 1..4.  m_step is checked with ``reg_covar=0.0`` and with ``reg_covar=0.01``
  passed explicitly, so adding ``reg_covar * I`` to every covariance is part of correctness
  (the exercise states the formula; the default value sits in the given ``def`` line).
  init_params must pick its means with the stated calls,
  ``np.unique(x, axis=0)[rng.choice(len(distinct), size=n_clusters, replace=False)]``.
  simulate is checked statistically (5 standard errors, n = 20000) and for its use of rng.
- robustness: what the exercise asks for in words.  A point 1e4 standard deviations from every
  component gives finite values (log_gaussian, ll) and rows of r that sum to 1 (e_step);
  logsumexp_rows is exact for rows like [-1000, -1001] and [1000, 999]; e_step gives the same r
  when data and parameters are scaled by 1e-6 or 1e6; m_step gives an empty component weight 0
  and finite parameters, and positive definite covariances for points collapsed onto duplicates;
  init_params works for a single sample (N = 1, K = 1).
"""

import json
import linecache
import sys
import types
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp, softmax
from scipy.stats import multivariate_normal

ROOT = Path(__file__).resolve().parents[1]

# (function, part, points): the parts that are graded, in the order of the notebook.
GRADED = [
    ("log_gaussian", "correctness", 2), ("log_gaussian", "robustness", 1),
    ("logsumexp_rows", "correctness", 1), ("logsumexp_rows", "robustness", 1),
    ("ll", "correctness", 2), ("ll", "robustness", 1),
    ("e_step", "correctness", 3), ("e_step", "robustness", 2),
    ("m_step", "correctness", 3), ("m_step", "robustness", 2),
    ("init_params", "correctness", 2), ("init_params", "robustness", 1),
    ("run_em", "correctness", 3),
    ("simulate", "correctness", 3),
]


class CheckFailed(AssertionError):
    """A graded function does not do what it should; the message says what, in one line."""

    def _render_traceback_(self):
        """What IPython shows for this error: the notebook line that called check, and the message.

        IPython always shows the frame an exception was raised in, even one marked with
        ``__tracebackhide__``; this hook (IPython calls it when present) drops those frames.
        """
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
        except Exception:                                    # outside IPython, or an IPython without the hook
            return [f"{type(self).__name__}: {self}"]


class Result(NamedTuple):
    name: str
    part: str
    passed: bool
    message: str


def check(name, part="correctness", *, hidden=False, namespace=None):
    """Check the graded function `name`; print one line if it passes, raise CheckFailed if not.

    part: "correctness" or "robustness".  hidden: run the hidden cases instead of the visible
    ones.  namespace: a dict or module in which to find the function (default: the caller's
    global variables, i.e. the notebook's).
    """
    __tracebackhide__ = True
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    result = _run(name, part, hidden, namespace)
    if not result.passed:
        raise CheckFailed(result.message)
    print(result.message)


def run_all(namespace, hidden=True):
    """Run every graded check (the visible cases, then with hidden=True the hidden ones) -> [Result].

    namespace: a dict of the submission's names, or a module (e.g. from helpers.load_notebook).
    """
    results = []
    for name, part, _ in GRADED:
        result = _run(name, part, False, namespace)
        if result.passed and hidden:
            hidden_result = _run(name, part, True, namespace)
            result = result if hidden_result.passed else hidden_result
        results.append(result)
    return results


def _run(name, part, hidden, namespace):
    """Check one part of one function -> Result; never raises for anything the student wrote."""
    if isinstance(namespace, types.ModuleType):
        namespace = vars(namespace)
    if (name, part) not in _CHECKS:
        raise ValueError(f"no {part} check for {name!r}; graded: {[(n, p) for n, p, _ in GRADED]}")
    func = namespace.get(name)
    if func is None:
        return Result(name, part, False,
                      f"{name} is not defined: run its cell first; if that cell shows an error, fix it first")
    if not callable(func):
        return Result(name, part, False, f"{name} is a {type(func).__name__}, not a function: "
                                         f"was the name reused after its cell? Run its cell again")
    body, summary = _CHECKS[(name, part)]
    try:
        with _isolated(func, name):
            body(func, hidden)
    except CheckFailed as failure:
        return Result(name, part, False, str(failure))
    except Exception as exc:                                 # something no case foresaw: still one line
        return Result(name, part, False, f"{name}: the check could not use what it returned "
                                         f"({type(exc).__name__}: {_first_line(exc)})")
    word = "correct" if part == "correctness" else "robust"
    text = "on the hidden cases too" if hidden else f"({summary})"
    return Result(name, part, True, f"✓ {name}: {word} {text}")


# ---- oracles: independent versions of the graded functions (scipy, numpy, plain formulas) ----

def oracle_log_gaussian(x, mu_k, sigma_k):
    """scipy's log density of N(mu_k, sigma_k) at every row of x -> (N,)."""
    return np.reshape(multivariate_normal.logpdf(x, mu_k, sigma_k), len(x))


def oracle_logsumexp_rows(a):
    return logsumexp(a, axis=1)


_RECENT_LOG_JOINTS = {}


def oracle_log_joint(x, pi, mu, sigma):
    """log pi_k + scipy's log N(x_i | mu_k, sigma_k) -> (N, K).

    Recent results are kept, keyed by the bytes of the arguments: checking run_em asks for the
    same parameters three times per iteration (its e_step, its ll, and the check itself).
    """
    key = tuple((np.shape(a), np.asarray(a, dtype=float).tobytes()) for a in (x, pi, mu, sigma))
    if key not in _RECENT_LOG_JOINTS:
        if len(_RECENT_LOG_JOINTS) >= 32:
            _RECENT_LOG_JOINTS.clear()
        with np.errstate(divide="ignore"):                   # log(0) = -inf for an empty component
            log_pi = np.log(pi)
        _RECENT_LOG_JOINTS[key] = np.column_stack([log_pi[k] + oracle_log_gaussian(x, mu[k], sigma[k])
                                                   for k in range(len(pi))])
    return _RECENT_LOG_JOINTS[key].copy()


def oracle_ll(x, pi, mu, sigma):
    return float(np.mean(logsumexp(oracle_log_joint(x, pi, mu, sigma), axis=1)))


def oracle_e_step(x, pi, mu, sigma):
    return softmax(oracle_log_joint(x, pi, mu, sigma), axis=1)


def oracle_m_step(x, r, reg_covar=1e-6):
    """numpy's weighted mean and biased weighted covariance per column of r (each must have weight)."""
    D = x.shape[1]
    pi = r.sum(axis=0) / len(x)
    mu = np.array([np.average(x, axis=0, weights=w) for w in r.T])
    sigma = np.array([np.cov(x.T, aweights=w, bias=True).reshape(D, D) for w in r.T])
    return pi, mu, sigma + reg_covar * np.eye(D)


def oracle_init_params(x, n_clusters, rng, reg_covar=1e-6):
    distinct = np.unique(x, axis=0)
    mu = distinct[rng.choice(len(distinct), size=n_clusters, replace=False)]
    D = x.shape[1]
    cov = np.cov(x.T, bias=True).reshape(D, D) + reg_covar * np.eye(D)
    return np.full(n_clusters, 1.0 / n_clusters), mu, np.repeat(cov[None], n_clusters, axis=0)


def oracle_run_em(x, pi, mu, sigma, tol=1e-6, max_iter=500, reg_covar=1e-6):
    history = [{"ll": oracle_ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma}]
    for _ in range(max_iter):
        pi, mu, sigma = oracle_m_step(x, oracle_e_step(x, pi, mu, sigma), reg_covar)
        history.append({"ll": oracle_ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma})
        if history[-1]["ll"] - history[-2]["ll"] < tol:
            break
    return pi, mu, sigma, history


def oracle_simulate(n_samples, pi, mu, sigma, rng=None):
    rng = np.random.default_rng(rng)
    z = rng.choice(len(pi), size=n_samples, p=pi)
    x = np.empty((n_samples, np.shape(mu)[1]))
    for k in range(len(pi)):
        x[z == k] = rng.multivariate_normal(mu[k], sigma[k], size=np.sum(z == k))
    return x, z


ORACLES = {"log_gaussian": oracle_log_gaussian, "logsumexp_rows": oracle_logsumexp_rows,
           "log_joint": oracle_log_joint, "ll": oracle_ll, "e_step": oracle_e_step,
           "m_step": oracle_m_step, "init_params": oracle_init_params, "run_em": oracle_run_em,
           "simulate": oracle_simulate}


@contextmanager
def _isolated(func, name):
    """Oracles in place of the other graded functions (and log_joint) in func's globals, put back after."""
    names = getattr(func, "__globals__", {})
    others = [other for other in ORACLES if other != name]
    saved = {other: names[other] for other in others if other in names}
    try:
        # also where a name is missing (its cell failed), so one broken cell costs only its own points
        names.update({other: ORACLES[other] for other in others})
        with warnings.catch_warnings():
            # the check judges values: a warning (which some numpy versions give and others do
            # not) must not land on stderr, where nbgrader would count it as a failure
            warnings.simplefilter("ignore")
            yield
    finally:
        for other in others:
            names.pop(other, None)
        names.update(saved)


# ---- the cases -------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _course():
    """A fixed 300-row subset of data/gmm.csv and the true mixture behind it: (x, pi, mu, sigma)."""
    x = np.loadtxt(ROOT / "data" / "gmm.csv", delimiter=",")[::16][:300]
    truth = json.loads((ROOT / "data" / "gmm_true.json").read_text())
    return (x, *(np.array(truth[key]) for key in ("pi", "mu", "sigma")))


@lru_cache(maxsize=None)
def _mixture(seed, K, D, N=150):
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


def _problems(hidden):
    """(case, x, pi, mu, sigma): the course data and random mixtures."""
    if not hidden:
        yield ("course data", *_course())
        shapes, first_seed = VISIBLE_SHAPES, 1
    else:
        x, *_ = _course()
        yield ("course data, random start", x, *oracle_init_params(x, 4, np.random.default_rng(3)))
        shapes, first_seed = HIDDEN_SHAPES, 101
    for seed, (K, D) in enumerate(shapes, start=first_seed):
        yield (f"random mixture, K = {K}, D = {D}", *_mixture(seed, K, D))


def _far_problems(hidden):
    """(case, x, pi, mu, sigma) whose last row is 1e4 standard deviations from every component."""
    if not hidden:
        pi = np.array([0.5, 0.3, 0.2])
        mu = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
        sigma = np.repeat(0.25 * np.eye(2)[None], 3, axis=0)       # standard deviation 0.5
        x = np.vstack([np.random.default_rng(0).normal(size=(20, 2)), [[3.6e3, 3.6e3]]])
        yield "a point 1e4 sigma away from every component", x, pi, mu, sigma
        return
    for seed, (K, D) in enumerate(HIDDEN_SHAPES, start=201):
        x, pi, mu, sigma = _mixture(seed, K, D, N=30)
        rng = np.random.default_rng(seed)
        largest_sd = np.sqrt(np.linalg.eigvalsh(sigma).max())
        direction = rng.normal(size=D)
        far = mu.mean(axis=0) + 2e4 * largest_sd * direction / np.linalg.norm(direction)
        yield (f"a point 1e4 sigma away from every component, K = {K}, D = {D}",
               np.vstack([x, far]), pi, mu, sigma)


# ---- calling the student's function and reading what it returns --------------------------

def _fail(name, problem, hint=None, case=None):
    where = f" ({case})" if case else ""
    raise CheckFailed(f"{name}{where}: {problem}" + (f" - {hint}" if hint else ""))


def _first_line(exc):
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    return text if len(text) <= 90 else text[:87] + "..."


def _your_line(exc, func):
    """' (in your code, line 7: w = p / s)' for the deepest frame of exc in func's cell, or ''."""
    code = getattr(func, "__code__", None)
    found = None
    tb = exc.__traceback__
    while tb is not None and code is not None:
        if tb.tb_frame.f_code.co_filename == code.co_filename:
            found = tb
        tb = tb.tb_next
    if found is None:
        return ""
    text = linecache.getline(code.co_filename, found.tb_lineno).strip()
    text = text if len(text) <= 40 else text[:37] + "..."
    return f" (in your code, line {found.tb_lineno}" + (f": {text})" if text else ")")


def _call(name, func, *args, case=None, **kwargs):
    """func(*args, **kwargs) on copies of the arrays; an exception becomes a CheckFailed."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")                  # numpy's RuntimeWarnings: the values tell
            return func(*args, **kwargs)
    except NotImplementedError as exc:
        tb = exc.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        inner = tb.tb_frame.f_code.co_name
        if inner in (name, getattr(func, "__name__", name)):
            raise CheckFailed(f"{name} is not implemented yet: replace `raise NotImplementedError()` "
                              f"with your code") from None
        raise CheckFailed(f"{name} calls {inner}, which is not implemented yet") from None
    except Exception as exc:
        where = f" ({case})" if case else ""
        raise CheckFailed(f"{name}{where} raised {type(exc).__name__}: {_first_line(exc)}"
                          f"{_your_line(exc, func)}") from None


def _fmt(value, digits=4):
    """A number or a (nested) array in a short readable form."""
    value = np.asarray(value)
    if value.ndim == 0:
        v = float(value)
        return str(v) if not np.isfinite(v) else f"{v:.{digits}g}"
    return "[" + ", ".join(_fmt(v, digits) for v in value) + "]"


def _two(got, expected):
    """got and expected formatted with just enough digits to tell them apart."""
    for digits in range(4, 13):
        a, b = _fmt(got, digits), _fmt(expected, digits)
        if a != b:
            return a, b
    return a, b


def _array(name, value, what, shape, symbol, case=None, hints=None):
    """value as a float array of `shape` (symbol: how to say it, e.g. "(N, K)"), or CheckFailed."""
    if value is None:
        _fail(name, "returned None", "end the function with a return statement", case)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        _fail(name, f"{what} must be an array of numbers; got {type(value).__name__}", case=case)
    if a.shape != shape:
        hint = (hints or {}).get(a.shape)
        if hint is None and len(shape) == 2 and a.shape == shape[::-1]:
            hint = "it looks transposed"
        expected = f"{symbol} = {shape}" if symbol != str(shape) else str(shape)
        _fail(name, f"{what} has shape {a.shape}; expected {expected}", hint, case)
    return a


def _unpack(name, value, names, case=None):
    """The tuple value of len(names) items, or CheckFailed saying what came back."""
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        got = (f"{len(value)} values" if isinstance(value, (tuple, list))
               else f"one {type(value).__name__}" + (f" of shape {np.shape(value)}" if np.ndim(value) else ""))
        _fail(name, f"must return {', '.join(names)} ({len(names)} values); got {got}", case=case)
    return value


def _mismatch(got, expected, rtol=1e-8, atol=1e-10):
    """Index (tuple) of the first entry of got that is not close to expected, or None."""
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    return tuple(int(i) for i in np.argwhere(bad)[0]) if np.any(bad) else None


def _close(got, expected, rtol=1e-8, atol=1e-10):
    return got.shape == np.shape(expected) and _mismatch(got, expected, rtol, atol) is None


def _index(i):
    return ", ".join(str(j) for j in i)


# ---- log_gaussian ---------------------------------------------------------------------------

def _log_gaussian_correctness(f, hidden):
    for case, x, pi, mu, sigma in _problems(hidden):
        for k in range(len(pi)):
            got = _call("log_gaussian", f, x, mu[k], sigma[k], case=case)
            got = _array("log_gaussian", got, "the result", (len(x),), "(N,)", case,
                         {(len(x), 1): "return one value per sample, shape (N,)"})
            expected = oracle_log_gaussian(x, mu[k], sigma[k])
            i = _mismatch(got, expected)
            if i is not None:
                a, b = _two(got[i], expected[i])
                _fail("log_gaussian", f"row {i[0]} gives {a}, expected {b}",
                      _log_gaussian_hint(got, expected, x, mu[k], sigma[k]), f"{case}, component {k}")


def _log_gaussian_hint(got, expected, x, mu_k, sigma_k):
    D = len(mu_k)
    diff = x - mu_k
    swapped = np.einsum("ni,ij,nj->n", diff, sigma_k, diff)  # sigma where its inverse belongs
    log_det = np.linalg.slogdet(sigma_k)[1]
    for log_det_used in (log_det, -log_det):
        if _close(got, -0.5 * (D * np.log(2 * np.pi) + log_det_used + swapped), 1e-6, 1e-8):
            return "use the inverse of sigma_k in (x - mu)^T sigma^-1 (x - mu)"
    if _close(got, np.exp(expected), 1e-6, 1e-12):
        return "that is the density; return its logarithm"
    shift = got - expected
    if np.all(np.isfinite(shift)) and np.ptp(shift) < 1e-6 * (1 + abs(shift[0])):
        return f"every row is off by {shift[0]:.4g}: check the constant -0.5 * (D log(2 pi) + log det sigma_k)"
    return "log N = -0.5 * (D log(2 pi) + log det sigma_k + (x - mu_k)^T sigma_k^-1 (x - mu_k))"


def _log_gaussian_robustness(f, hidden):
    for case, x, pi, mu, sigma in _far_problems(hidden):
        k = int(np.argmax(pi))
        got = _call("log_gaussian", f, x, mu[k], sigma[k], case=case)
        got = _array("log_gaussian", got, "the result", (len(x),), "(N,)", case)
        expected = oracle_log_gaussian(x, mu[k], sigma[k])
        if not np.isfinite(got[-1]):
            what = " (log of 0)" if got[-1] == -np.inf else ""
            _fail("log_gaussian", f"a point 1e4 sigma from the mean gives {got[-1]}{what}",
                  "compute the log density directly, not np.log of the density")
        i = _mismatch(got, expected)
        if i is not None:
            a, b = _two(got[i], expected[i])
            _fail("log_gaussian", f"row {i[0]} gives {a}, expected {b} (scipy's logpdf)", case=case)


# ---- logsumexp_rows -------------------------------------------------------------------------

def _logsumexp_cases(hidden):
    rng = np.random.default_rng(11 if not hidden else 111)
    shapes = [(50, 1), (40, 3), (30, 5)] if not hidden else [(1, 4), (25, 2), (35, 6), (20, 7)]
    for N, K in shapes:
        yield f"random rows, K = {K}", rng.normal(scale=3.0, size=(N, K)) - rng.uniform(0, 30, size=(N, 1))
    if not hidden:
        x, pi, mu, sigma = _course()
        yield "log_joint of the course data", oracle_log_joint(x, pi, mu, sigma)


def _logsumexp_rows_correctness(f, hidden):
    for case, a in _logsumexp_cases(hidden):
        N, K = a.shape
        got = _call("logsumexp_rows", f, a, case=case)
        hints = {(N, 1): "return shape (N,): drop keepdims, or take [:, 0]",
                 (K,): "that is one value per column; sum over each row (axis=1)"}
        got = _array("logsumexp_rows", got, "the result", (N,), "(N,)", case, hints)
        expected = oracle_logsumexp_rows(a)
        i = _mismatch(got, expected, rtol=1e-10)
        if i is not None:
            m = a.max(axis=1)
            hint = "log(sum_k exp(a[i, k])) = m + log(sum_k exp(a[i, k] - m)) with m the row maximum"
            if _close(got, expected - m, 1e-8):
                hint = "add the row maximum back after the log"
            elif _close(got, m, 1e-8):
                hint = "that is the row maximum; add log(sum_k exp(a[i, k] - m)) to it"
            a_, b_ = _two(got[i], expected[i])
            _fail("logsumexp_rows", f"row {i[0]} gives {a_}, expected {b_}", hint, case)


def _logsumexp_rows_robustness(f, hidden):
    rows = [[-1000.0, -1001.0], [1000.0, 999.0]] if not hidden else \
           [[-1e5, -1e5 - 2.0, -1e5 + 3.0], [710.5, 0.0, -710.5], [-800.0, -1200.0, -745.5]]
    a = np.array(rows)
    got = _call("logsumexp_rows", f, a, case=f"rows like {_fmt(rows[0])}")
    got = _array("logsumexp_rows", got, "the result", (len(a),), "(N,)")
    expected = oracle_logsumexp_rows(a)
    i = _mismatch(got, expected, rtol=1e-12)
    if i is not None:
        a_, b_ = _two(got[i], expected[i])
        _fail("logsumexp_rows", f"the row {_fmt(a[i[0]])} gives {a_}, expected {b_}",
              "subtract the row maximum before exp, add it back after the log")


# ---- ll -------------------------------------------------------------------------------------

def _scalar(name, value, case=None):
    if value is None:
        _fail(name, "returned None", "end the function with a return statement", case)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        _fail(name, f"must return a number; got {type(value).__name__}", case=case)
    if a.ndim != 0 and a.size != 1:
        _fail(name, f"must return one number, the mean over samples; got shape {a.shape}", case=case)
    return float(a.reshape(()))


def _ll_correctness(f, hidden):
    for case, x, pi, mu, sigma in _problems(hidden):
        got = _scalar("ll", _call("ll", f, x, pi, mu, sigma, case=case), case)
        expected = oracle_ll(x, pi, mu, sigma)
        if not np.isclose(got, expected, rtol=1e-8, atol=1e-10):
            hint = "(1/N) sum_i log sum_k pi_k N(x_i | mu_k, sigma_k)"
            if np.isclose(got, len(x) * expected, rtol=1e-8):
                hint = "that is the sum over samples; ll is the mean (divide by N)"
            a, b = _two(got, expected)
            _fail("ll", f"gives {a}, expected {b}", hint, case)


def _ll_robustness(f, hidden):
    for case, x, pi, mu, sigma in _far_problems(hidden):
        got = _scalar("ll", _call("ll", f, x, pi, mu, sigma, case=case), case)
        expected = oracle_ll(x, pi, mu, sigma)
        if not np.isfinite(got):
            what = " (log of 0)" if got == -np.inf else ""
            _fail("ll", f"{case} gives {got}{what}", "add the densities in log space with logsumexp_rows")
        if not np.isclose(got, expected, rtol=1e-8):
            a, b = _two(got, expected)
            _fail("ll", f"{case} gives {a}, expected {b}")


# ---- e_step ---------------------------------------------------------------------------------

def _responsibilities(f, x, pi, mu, sigma, case):
    got = _call("e_step", f, x, pi, mu, sigma, case=case)
    return _array("e_step", got, "r", (len(x), len(pi)), "(N, K)", case)


def _e_step_correctness(f, hidden):
    for case, x, pi, mu, sigma in _problems(hidden):
        r = _responsibilities(f, x, pi, mu, sigma, case)
        sums = r.sum(axis=1)
        i = _mismatch(sums, np.ones(len(x)), rtol=0, atol=1e-8)
        if i is not None:
            hint = "divide by the sum over components (axis=1)"
            if len(pi) > 1 and _close(r.sum(axis=0), np.ones(len(pi)), 0, 1e-8):
                hint = "r is normalised over samples; divide by the sum over components (axis=1)"
            _fail("e_step", f"each row of r must sum to 1; row {i[0]} sums to {_two(sums[i], 1.0)[0]}",
                  hint, case)
        expected = oracle_e_step(x, pi, mu, sigma)
        i = _mismatch(r, expected, rtol=0, atol=1e-9)
        if i is not None:
            hint = "r[i, k] = pi_k N(x_i | mu_k, sigma_k) / sum_j pi_j N(x_i | mu_j, sigma_j)"
            if _close(r, oracle_e_step(x, np.full(len(pi), 1 / len(pi)), mu, sigma), 0, 1e-9):
                hint = "r ignores the weights: multiply each density by pi_k"
            a, b = _two(r[i], expected[i])
            _fail("e_step", f"r[{_index(i)}] is {a}, expected {b}", hint, case)


def _e_step_robustness(f, hidden):
    for case, x, pi, mu, sigma in _far_problems(hidden):
        r = _responsibilities(f, x, pi, mu, sigma, case)
        hint = "compute in log space and subtract the row maximum before exponentiating"
        if not np.all(np.isfinite(r[-1])):
            what = "NaN in r (0/0)" if np.any(np.isnan(r[-1])) else "inf in r"
            _fail("e_step", f"{case} gives {what}", hint)
        if not np.isclose(r[-1].sum(), 1.0, rtol=0, atol=1e-8):
            _fail("e_step", f"for {case}, the row of r sums to {_fmt(r[-1].sum())}, not 1", hint)
        expected = oracle_e_step(x, pi, mu, sigma)
        i = _mismatch(r, expected, rtol=0, atol=1e-8)
        if i is not None:
            a, b = _two(r[i[0]], expected[i[0]])
            _fail("e_step", f"for {case}, row {i[0]} of r is {a}, expected {b}")
    if not hidden:
        case, x, pi, mu, sigma = next(_problems(False))
        scales = (1e-6, 1e6)
    else:
        x, pi, mu, sigma = _mixture(301, 4, 3)
        scales = (1e-8, 1e8)
    expected = oracle_e_step(x, pi, mu, sigma)
    for s in scales:
        case = f"data and parameters scaled by {s:g}"
        r = _responsibilities(f, s * x, pi, s * mu, s**2 * sigma, case)
        i = _mismatch(r, expected, rtol=0, atol=1e-8)
        if i is not None:
            a, b = _two(r[i], expected[i])
            _fail("e_step", f"with {case}, r[{_index(i)}] is {a}, expected {b} (the same r as at scale 1)",
                  "r must not depend on the units: no fixed constants such as + 1e-10")


# ---- m_step ---------------------------------------------------------------------------------

def _m_step_result(f, x, r, reg_covar, case):
    out = _unpack("m_step", _call("m_step", f, x, r, reg_covar=reg_covar, case=case),
                  ("pi", "mu", "sigma"), case)
    K, D = r.shape[1], x.shape[1]
    return (_array("m_step", out[0], "pi", (K,), "(K,)", case),
            _array("m_step", out[1], "mu", (K, D), "(K, D)", case),
            _array("m_step", out[2], "sigma", (K, D, D), "(K, D, D)", case))


def _m_step_cases(hidden):
    for case, x, pi, mu, sigma in _problems(hidden):
        yield case, x, oracle_e_step(x, pi, mu, sigma)
    rng = np.random.default_rng(21 if not hidden else 121)
    x, *_ = _course()
    yield "course data, random r", x, rng.dirichlet(np.ones(3 if not hidden else 5), size=len(x))


def _m_step_correctness(f, hidden):
    for case, x, r in _m_step_cases(hidden):
        for reg_covar in (0.0, 0.01):
            where = f"{case}, reg_covar = {reg_covar:g}"
            pi, mu, sigma = _m_step_result(f, x, r, reg_covar, where)
            _compare_m_step(x, r, reg_covar, pi, mu, sigma, where)


def _compare_m_step(x, r, reg_covar, pi, mu, sigma, case, components=None):
    """pi, mu, sigma agree with oracle_m_step(x, r, reg_covar) for these components (default: all)."""
    N, D = x.shape
    ks = list(range(r.shape[1])) if components is None else list(components)
    N_k = r.sum(axis=0)
    e_pi, e_mu, e_sigma = (np.zeros_like(pi), np.zeros_like(mu), np.zeros_like(sigma))
    e_pi[ks], e_mu[ks], e_sigma[ks] = oracle_m_step(x, r[:, ks], reg_covar)
    i = _mismatch(pi[ks], e_pi[ks])
    if i is not None:
        k = ks[i[0]]
        hint = "pi_k = N_k / N, the mean of column k of r"
        if _close(pi, N_k):
            hint = "that is N_k; divide by N"
        elif len(pi) > 1 and _close(pi, np.full(len(pi), 1 / len(pi))):
            hint = "pi is not updated: pi_k = N_k / N, the mean of column k of r"
        a, b = _two(pi[k], e_pi[k])
        _fail("m_step", f"pi[{k}] is {a}, expected {b}", hint, case)
    i = _mismatch(mu[ks], e_mu[ks], atol=1e-10 * (1 + np.abs(x).max()))
    if i is not None:
        k = ks[i[0]]
        hint = "mu_k is the mean of x weighted by r[:, k]: sum_i r_ik x_i / N_k"
        if _close(mu[k], r[:, k] @ x / N):
            hint = "divided by N; divide by N_k = r[:, k].sum()"
        a, b = _two(mu[k], e_mu[k])
        _fail("m_step", f"mu[{k}] is {a}, expected {b}", hint, case)
    ridge = reg_covar * np.eye(D)
    atol = 1e-10 * (1 + np.abs(x).max()) ** 2
    i = _mismatch(sigma[ks], e_sigma[ks], atol=atol)
    if i is not None:
        k = ks[i[0]]
        plain = e_sigma[k] - ridge                            # the weighted covariance without the ridge
        centred = x - x.mean(axis=0)
        candidates = [
            (plain, "add reg_covar * I to every covariance"),
            (plain * N_k[k] / N + ridge, "divided by N; divide by N_k = r[:, k].sum()"),
            ((r[:, k] * centred.T) @ centred / N_k[k] + ridge,
             "computed around the mean of all the data; use the new mu[k]"),
            ((r[:, k] * x.T) @ x / N_k[k] + ridge, "computed around 0; subtract mu[k] first"),
            (np.cov(x.T, aweights=r[:, k]).reshape(D, D) + ridge,
             "np.cov with aweights does not divide by N_k unless bias=True"),
        ]
        hint = next((text for value, text in candidates if _close(sigma[k], value, 1e-6, atol)),
                    "sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + reg_covar * I")
        a, b = _two(sigma[k][i[1:]], e_sigma[k][i[1:]])
        _fail("m_step", f"sigma[{k}][{_index(i[1:])}] is {a}, expected {b}", hint, case)


def _m_step_robustness(f, hidden):
    x, pi, mu, sigma = _course() if not hidden else _mixture(401, 3, 3)
    r_alive = oracle_e_step(x, pi[:2] / pi[:2].sum(), mu[:2], sigma[:2])
    alive, empty = ([0, 2], [1]) if not hidden else ([1, 3], [0, 2])
    r = np.zeros((len(x), len(alive) + len(empty)))
    r[:, alive] = r_alive
    case = "an empty component (a column of r all 0)"
    pi_, mu_, sigma_ = _m_step_result(f, x, r, 1e-6, f"an empty component: r[:, {empty[0]}] all 0")
    for what, value in (("pi", pi_), ("mu", mu_), ("sigma", sigma_)):
        bad = ~np.all(np.isfinite(value.reshape(len(value), -1)), axis=1)
        if np.any(bad):
            k = np.flatnonzero(bad)[0]
            nan = "NaN" if np.any(np.isnan(value[k])) else "inf"
            _fail("m_step", f"{case} gives {nan} in {what}[{k}] (N_k = 0)", "divide by np.maximum(N_k, tiny)")
    for k in empty:
        if abs(pi_[k]) > 1e-12:
            _fail("m_step", f"{case} gets weight pi[{k}] = {_fmt(pi_[k])}; it must be 0", "pi_k = N_k / N")
    _positive_definite(sigma_, case)
    _compare_m_step(x, r, 1e-6, pi_, mu_, sigma_, f"{case}, the other components", components=alive)

    points = np.array([[2.0, -1.0], [102.0, 7.0], [2.0, 40.0]]) if not hidden else \
        np.random.default_rng(402).normal(scale=50.0, size=(4, 4))
    counts = [10, 10, 1] if not hidden else [1, 5, 12, 3]
    x = np.repeat(points, counts, axis=0)
    r = np.repeat(np.eye(len(points)), counts, axis=0)
    case = "points collapsed onto duplicates"
    pi_, mu_, sigma_ = _m_step_result(f, x, r, 1e-6, case)
    if not np.all(np.isfinite(sigma_)):
        _fail("m_step", f"with {case}, sigma has NaN or inf")
    _positive_definite(sigma_, case)
    _compare_m_step(x, r, 1e-6, pi_, mu_, sigma_, case)


def _positive_definite(sigma, case):
    smallest = np.linalg.eigvalsh(sigma)[:, 0]
    if np.any(smallest <= 0):
        k = int(np.flatnonzero(smallest <= 0)[0])
        _fail("m_step", f"with {case}, sigma[{k}] is not positive definite (smallest eigenvalue "
                        f"{_fmt(smallest[k])})", "add reg_covar * I to every covariance, also this one")


# ---- init_params ----------------------------------------------------------------------------

def _init_cases(hidden):
    x, *_ = _course()
    if not hidden:
        yield "course data, K = 4", x, 4, 0, 1e-6
        yield "course data, K = 3, reg_covar = 0.001", x, 3, 1, 1e-3
        for seed, (K, D) in enumerate(VISIBLE_SHAPES, start=1):
            yield f"random data, K = {K}, D = {D}", _mixture(seed, K, D)[0], K, seed, 1e-6
        return
    yield "course data with duplicated rows, K = 5", np.repeat(x[:40], 3, axis=0), 5, 7, 1e-6
    for seed, (K, D) in enumerate(HIDDEN_SHAPES, start=501):
        yield f"random data, K = {K}, D = {D}", _mixture(seed, K, D)[0], K, seed, 0.01


def _init_result(f, x, K, rng, reg_covar, case):
    out = _unpack("init_params", _call("init_params", f, x, K, rng, reg_covar=reg_covar, case=case),
                  ("pi", "mu", "sigma"), case)
    D = x.shape[1]
    return (_array("init_params", out[0], "pi", (K,), "(K,)", case),
            _array("init_params", out[1], "mu", (K, D), "(K, D)", case),
            _array("init_params", out[2], "sigma", (K, D, D), "(K, D, D)", case))


def _init_params_correctness(f, hidden):
    stated = "np.unique(x, axis=0)[rng.choice(len(distinct), size=n_clusters, replace=False)]"
    for case, x, K, seed, reg_covar in _init_cases(hidden):
        rng = np.random.default_rng(seed)
        pi, mu, sigma = _init_result(f, x, K, rng, reg_covar, case)
        expected_rng = np.random.default_rng(seed)
        e_pi, e_mu, e_sigma = oracle_init_params(x, K, expected_rng, reg_covar)
        if not _close(pi, e_pi, 0, 1e-12):
            _fail("init_params", f"pi is {_fmt(pi)}; expected equal weights 1/K", case=case)
        if not _close(mu, e_mu, 0, 0):
            is_row = (mu[:, None, :] == x[None, :, :]).all(axis=2).any(axis=1)
            if not np.all(is_row):
                k = int(np.flatnonzero(~is_row)[0])
                _fail("init_params", f"mu[{k}] = {_fmt(mu[k])} is not a row of x", f"use {stated}", case)
            if len(np.unique(mu, axis=0)) < K:
                _fail("init_params", "two means are the same data point", f"use {stated}", case)
            _fail("init_params", "the means are distinct data points, but not the ones the stated calls pick",
                  stated, case)
        if rng.bit_generator.state != expected_rng.bit_generator.state:
            _fail("init_params", "draws other random numbers from rng than the stated calls",
                  "draw only rng.choice(len(distinct), size=n_clusters, replace=False)", case)
        D = x.shape[1]
        i = _mismatch(sigma, e_sigma, atol=1e-10 * (1 + np.abs(x).max()) ** 2)
        if i is not None:
            k = i[0]
            ridge = reg_covar * np.eye(D)
            hint = "sigma_k = (the covariance of x, dividing by N) + reg_covar * I for every k"
            if _close(sigma[k], np.cov(x.T).reshape(D, D) + ridge, 1e-8):
                hint = "np.cov divides by N - 1; use bias=True or divide by N"
            elif _close(sigma[k], e_sigma[k] - ridge, 1e-8):
                hint = "add reg_covar * I to the covariance"
            a, b = _two(sigma[i], e_sigma[i])
            _fail("init_params", f"sigma[{k}][{_index(i[1:])}] is {a}, expected {b}", hint, case)


def _init_params_robustness(f, hidden):
    cases = [("N = 1 and K = 1", np.array([[1.5, -2.0]]), 1)]
    if hidden:
        cases = [("N = 1 and K = 1, D = 1", np.array([[0.7]]), 1),
                 ("N = 1 and K = 1, D = 4", np.array([[1.0, -2.0, 3.0, 0.5]]), 1),
                 ("N = K = 3", np.array([[0.0, 1.0], [2.0, 2.0], [5.0, -1.0]]), 3),
                 ("2 distinct points, each 5 times, K = 2", np.repeat([[1.0, 1.0], [4.0, 0.0]], 5, axis=0), 2)]
    for case, x, K in cases:
        pi, mu, sigma = _init_result(f, x, K, np.random.default_rng(0), 1e-6, case)
        D = x.shape[1]
        if not np.all(np.isfinite(sigma)):
            hint = "np.cov divides by N - 1 = 0; use bias=True or divide by N" if len(x) == 1 else None
            _fail("init_params", f"with {case}, sigma contains {'NaN' if np.any(np.isnan(sigma)) else 'inf'}", hint)
        smallest = np.linalg.eigvalsh(sigma)[:, 0]
        if np.any(smallest <= 0):
            _fail("init_params", f"with {case}, sigma is not positive definite (smallest eigenvalue "
                                 f"{_fmt(smallest.min())})", "add reg_covar * I to the covariance")
        e_pi, e_mu, e_sigma = oracle_init_params(x, K, np.random.default_rng(0), 1e-6)
        for what, got, expected in (("pi", pi, e_pi), ("mu", mu, e_mu), ("sigma", sigma, e_sigma)):
            i = _mismatch(got, expected, atol=1e-12)
            if i is not None:
                a, b = _two(got[i], expected[i])
                _fail("init_params", f"with {case}, {what}[{_index(i)}] is {a}, expected {b}")


# ---- run_em ---------------------------------------------------------------------------------

def _run_em_cases(hidden):
    """(case, x, start, tol, max_iter, reg_covar), chosen to converge in 9 to 15 iterations."""
    x, *_ = _course()
    if not hidden:
        yield "course data", x, oracle_init_params(x, 4, np.random.default_rng(2)), 1e-3, 500, 1e-6
        yield ("random data, K = 2, D = 4, reg_covar = 0.01", *_em_start(703, 2, 4, 3), 1e-6, 500, 0.01)
        yield "course data, max_iter = 3", x, oracle_init_params(x, 4, np.random.default_rng(0)), 0.0, 3, 1e-6
        return
    yield ("random data, K = 3, D = 3, reg_covar = 0.01", *_em_start(717, 3, 3, 17), 1e-6, 500, 0.01)
    yield ("random data, K = 2, D = 5, reg_covar = 0.01", *_em_start(720, 2, 5, 20), 1e-6, 500, 0.01)
    yield ("random data, K = 3, D = 1, reg_covar = 0.01", *_em_start(728, 3, 1, 28), 1e-6, 500, 0.01)
    yield "course data, max_iter = 1", x, oracle_init_params(x, 4, np.random.default_rng(5)), 0.0, 1, 1e-6
    yield "course data, max_iter = 0", x, oracle_init_params(x, 4, np.random.default_rng(6)), 0.0, 0, 1e-6


def _em_start(data_seed, K, D, start_seed):
    x = _mixture(data_seed, K, D)[0]
    return x, oracle_init_params(x, K, np.random.default_rng(start_seed))


def _run_em_correctness(f, hidden):
    step_hint = "each iteration: r = e_step(x, pi, mu, sigma), then pi, mu, sigma = m_step(x, r, reg_covar)"
    for case, x, start, tol, max_iter, reg_covar in _run_em_cases(hidden):
        out = _call("run_em", f, x, *start, tol=tol, max_iter=max_iter, reg_covar=reg_covar, case=case)
        final = _unpack("run_em", out, ("pi", "mu", "sigma", "history"), case)
        history = final[3]
        if not isinstance(history, (list, tuple)) or len(history) == 0:
            _fail("run_em", f"history must be a list with one dict per iteration; got {type(history).__name__}",
                  case=case)
        states = [_history_entry(h, j, start, case) for j, h in enumerate(history)]
        log_joints = [_valid_log_joint(x, params, j, case) for j, (_, params) in enumerate(states)]
        for j, (value, params) in enumerate(states):
            expected = float(np.mean(logsumexp(log_joints[j], axis=1)))     # oracle_ll of this entry
            if not np.isclose(value, expected, rtol=1e-9, atol=1e-12):
                a, b = _two(value, expected)
                _fail("run_em", f"history[{j}]['ll'] is {a}, but ll of history[{j}]'s parameters is {b}",
                      "store ll(x, pi, mu, sigma) of the parameters in the same entry", case)
        for what, got, given in zip(("pi", "mu", "sigma"), states[0][1], start):
            if not _close(got, given, 0, 0):
                changed = history[0][what] is history[-1][what]
                _fail("run_em", f"history[0]['{what}'] is not the {what} passed in",
                      "an array was changed in place later: store new arrays" if changed else
                      "history[0] is the start, with its ll", case)
        for j in range(len(states) - 1):
            r = softmax(log_joints[j], axis=1)                              # oracle_e_step of this entry
            _one_step(x, r, history, states, j, reg_covar, step_hint, case)
        _stopping(states, tol, max_iter, case)
        for what, got, expected in zip(("pi", "mu", "sigma"), final[:3], states[-1][1]):
            got = _array("run_em", got, f"the returned {what}", expected.shape, str(expected.shape), case)
            if not _close(got, expected, 0, 0):
                _fail("run_em", f"the returned {what} is not history[-1]['{what}']",
                      "return the parameters of the last iteration", case)


def _history_entry(h, j, start, case):
    """(ll, (pi, mu, sigma)) of history[j], or CheckFailed."""
    if not isinstance(h, dict) or not {"ll", "pi", "mu", "sigma"} <= set(h):
        missing = "it is not a dict" if not isinstance(h, dict) else \
            "it lacks " + ", ".join(repr(k) for k in ("ll", "pi", "mu", "sigma") if k not in h)
        _fail("run_em", f"history[{j}] must be a dict with keys 'll', 'pi', 'mu', 'sigma'; {missing}", case=case)
    K, D = start[1].shape
    params = (_array("run_em", h["pi"], f"history[{j}]['pi']", (K,), "(K,)", case),
              _array("run_em", h["mu"], f"history[{j}]['mu']", (K, D), "(K, D)", case),
              _array("run_em", h["sigma"], f"history[{j}]['sigma']", (K, D, D), "(K, D, D)", case))
    return _scalar("run_em", h["ll"], case), params


def _valid_log_joint(x, params, j, case):
    """oracle_log_joint of history[j]'s parameters, or CheckFailed if they are not a valid mixture."""
    try:
        return oracle_log_joint(x, *params)
    except (ValueError, np.linalg.LinAlgError) as exc:
        _fail("run_em", f"history[{j}] is not a valid mixture ({_first_line(exc)})", case=case)


def _one_step(x, r, history, states, j, reg_covar, step_hint, case):
    """history[j + 1] is m_step(x, r, reg_covar) with r the responsibilities of history[j]."""
    before, after = states[j][1], states[j + 1][1]
    expected = oracle_m_step(x, r, reg_covar)
    for n, what in enumerate(("pi", "mu", "sigma")):
        if _close(after[n], expected[n], 1e-7, 1e-10):
            continue
        hint, problem = step_hint, f"its {what} differs"
        if _close(after[n], before[n], 0, 0):
            hint, problem = "take pi, mu and sigma from m_step's result", f"its {what} is unchanged"
        elif reg_covar != 1e-6 and all(_close(a, b, 1e-7, 1e-10) for a, b in zip(after, oracle_m_step(x, r))):
            hint = "pass reg_covar on to m_step"
        _fail("run_em", f"history[{j + 1}] is not one EM step from history[{j}]: {problem}", hint, case)


def _stopping(states, tol, max_iter, case):
    n = len(states) - 1
    if n > max_iter:
        _fail("run_em", f"with max_iter = {max_iter}, history has {n + 1} entries; expected at most "
                        f"max_iter + 1 = {max_iter + 1}", "the start and one entry per iteration", case)
    gains = [states[j + 1][0] - states[j][0] for j in range(n)]
    for j, gain in enumerate(gains[:-1]):
        if gain < tol:
            _fail("run_em", f"iteration {j + 1} improved ll by {gain:.2g} < tol = {tol:g}, yet the loop went on "
                            f"to iteration {n}", "stop at the first such iteration", case)
    if n < max_iter and (n == 0 or gains[-1] >= tol):
        last = f"though the last improved ll by {gains[-1]:.2g} >= tol = {tol:g}" if n else "with max_iter > 0"
        _fail("run_em", f"stopped after {n} iteration(s), {last}",
              "stop at the first gain < tol, or after max_iter iterations", case)


# ---- simulate -------------------------------------------------------------------------------

def _simulate_cases(hidden):
    if not hidden:
        pi = np.array([0.2, 0.5, 0.3])
        mu = np.array([[-4.0, 0.0], [3.0, 1.0], [0.0, 5.0]])
        sigma = np.array([[[1.0, 0.6], [0.6, 2.0]], [[0.5, -0.2], [-0.2, 0.3]], [[2.0, 0.0], [0.0, 0.4]]])
        yield "K = 3, D = 2", pi, mu, sigma
        return
    for seed, (K, D) in enumerate([(2, 1), (6, 5), (4, 3)], start=701):
        _, pi, mu, sigma = _mixture(seed, K, D)
        yield f"K = {K}, D = {D}", pi, mu, sigma
    _, pi, mu, sigma = _mixture(704, 3, 2)
    yield "K = 3 with a zero weight", np.array([pi[0] + pi[1], 0.0, pi[2]]), mu, sigma


def _simulate_result(f, n, pi, mu, sigma, rng, case):
    out = _call("simulate", f, n, pi, mu, sigma, rng, case=case)
    x_sim, z_sim = _unpack("simulate", out, ("x_sim", "z_sim"), case)
    x_sim = _array("simulate", x_sim, "x_sim", (n, mu.shape[1]), "(n_samples, D)", case)
    z_sim = _array("simulate", z_sim, "z_sim", (n,), "(n_samples,)", case)
    bad = (z_sim != np.round(z_sim)) | (z_sim < 0) | (z_sim >= len(pi))
    if np.any(bad):
        _fail("simulate", f"z_sim must hold component numbers 0..{len(pi) - 1}; it holds {_fmt(z_sim[bad][0])}",
              case=case)
    return x_sim, z_sim.astype(int)


def _simulate_correctness(f, hidden):
    n = 20000
    for case, pi, mu, sigma in _simulate_cases(hidden):
        x_sim, z_sim = _simulate_result(f, n, pi, mu, sigma, np.random.default_rng(11), case)
        for k in range(len(pi)):
            count = np.sum(z_sim == k)
            if abs(count - n * pi[k]) > 5 * np.sqrt(n * pi[k] * (1 - pi[k])):
                _fail("simulate", f"component {k} was drawn {count} times in {n} ({count / n:.0%}), expected "
                                  f"about pi[{k}] = {_fmt(pi[k])}", "draw z with rng.choice(K, size=n_samples, p=pi)",
                      case)
        for k in np.flatnonzero(pi > 0):
            _compare_component(x_sim[z_sim == k], k, mu[k], sigma[k], case)
    if not hidden:
        _simulate_uses_rng(f, *next(_simulate_cases(False))[1:])
    else:
        case, pi, mu, sigma = next(_simulate_cases(True))
        _simulate_result(f, 1, pi, mu, sigma, np.random.default_rng(0), "n_samples = 1")


def _compare_component(xs, k, mu_k, sigma_k, case):
    """The samples drawn from component k agree with mu_k and sigma_k (5 standard errors)."""
    n_k = len(xs)
    mean = xs.mean(axis=0)
    se = np.sqrt(np.diag(sigma_k) / n_k)
    if np.any(np.abs(mean - mu_k) > 5 * se):
        _fail("simulate", f"the samples of component {k} have mean {_fmt(mean, 3)}, not about mu[{k}] = "
                          f"{_fmt(mu_k, 3)}", "sample i must come from component z_sim[i]", case)
    cov = np.cov(xs.T, bias=True).reshape(len(mu_k), len(mu_k))

    def agrees(target):
        var = np.diag(target)
        se = np.sqrt((np.outer(var, var) + target**2) / n_k)  # standard error of each sample covariance
        return np.all(np.abs(cov - target) <= 5 * se)

    if not agrees(sigma_k):
        L = np.linalg.cholesky(sigma_k)
        hint = "draw mu[k] + eps @ L.T with L = np.linalg.cholesky(sigma[k]) and eps standard normal"
        if agrees(sigma_k @ sigma_k):
            hint = "multiply by the Cholesky factor L of sigma[k] (sigma = L L^T), not by sigma[k]"
        elif agrees(L.T @ L):
            hint = "use eps @ L.T, not eps @ L (sigma = L L^T)"
        _fail("simulate", f"the samples of component {k} have covariance {_fmt(cov, 3)}, not about sigma[{k}]",
              hint, case)


def _simulate_uses_rng(f, pi, mu, sigma):
    n = 200
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    first = _simulate_result(f, n, pi, mu, sigma, rng, "a seeded generator")
    if rng.bit_generator.state == state:
        _fail("simulate", "does not draw from the rng passed in",
              "use rng.choice and rng.standard_normal (or rng.multivariate_normal)")
    again = _simulate_result(f, n, pi, mu, sigma, np.random.default_rng(5), "a seeded generator")
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        _fail("simulate", "the same seed gives different draws", "draw only from rng, not from np.random")
    other = _simulate_result(f, n, pi, mu, sigma, np.random.default_rng(6), "a seeded generator")
    if np.array_equal(first[0], other[0]):
        _fail("simulate", "different generators give the same draws", "draw from the rng passed in")


# (function, part) -> (the check, what the pass line says it checked)
_CHECKS = {
    ("log_gaussian", "correctness"): (_log_gaussian_correctness,
                                      "scipy's logpdf, course data and random Gaussians, D = 1..4"),
    ("log_gaussian", "robustness"): (_log_gaussian_robustness, "finite 1e4 sigma from the mean"),
    ("logsumexp_rows", "correctness"): (_logsumexp_rows_correctness, "scipy's logsumexp, K = 1..5"),
    ("logsumexp_rows", "robustness"): (_logsumexp_rows_robustness,
                                       "exact for rows like [-1000, -1001] and [1000, 999]"),
    ("ll", "correctness"): (_ll_correctness, "mean log-likelihood as scipy computes it, D = 1..4"),
    ("ll", "robustness"): (_ll_robustness, "finite with a point 1e4 sigma from every component"),
    ("e_step", "correctness"): (_e_step_correctness,
                                "Bayes' rule with scipy densities, course data and random mixtures, D = 1..4"),
    ("e_step", "robustness"): (_e_step_robustness, "far points give rows that sum to 1; same r at 1e-6 and 1e6"),
    ("m_step", "correctness"): (_m_step_correctness,
                                "numpy's weighted means and covariances, reg_covar 0 and 0.01, D = 1..4"),
    ("m_step", "robustness"): (_m_step_robustness,
                               "an empty component gets weight 0; duplicates keep sigma positive definite"),
    ("init_params", "correctness"): (_init_params_correctness,
                                     "the stated means, covariance / N plus ridge, equal weights"),
    ("init_params", "robustness"): (_init_params_robustness, "N = 1, K = 1 gives a positive definite sigma"),
    ("run_em", "correctness"): (_run_em_correctness,
                                "E then M each iteration, stops at the first gain < tol, obeys max_iter"),
    ("simulate", "correctness"): (_simulate_correctness,
                                  "frequencies match pi, components match mu and sigma, seeded"),
}

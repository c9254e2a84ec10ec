"""How a check reads what a function returned and says what is wrong: one line, in the
student's terms (the function, the case, what differs, a hint), raised as CheckFailed."""

import types

import numpy as np

PRIVATE = ()                                                 # nothing here is instructor-only


class CheckFailed(AssertionError):
    """A graded function does not do what it should; the message says what, in one line."""

    def _render_traceback_(self):
        """What IPython shows: the notebook line that called check, and the message (no frames of
        ours)."""
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



def fail(name, problem, hint=None, case=None):
    where = f" ({case})" if case else ""
    raise CheckFailed(f"{name}{where}: {problem}" + (f" - {hint}" if hint else ""))



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


def floats(name, value, wrong, case=None):
    """value as a float array, or CheckFailed: None (no return statement), or `wrong` (what
    should have come back) when it holds something other than numbers."""
    if value is None:
        fail(name, "returned None", "end the function with a return statement", case)
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(name, f"{wrong}; got {type(value).__name__}", case=case)


def array(name, value, what, shape, symbol, case=None, hints=None):
    """value as a float array of `shape` (symbol: how to say it, e.g. "(N, K)"), or CheckFailed."""
    a = floats(name, value, f"{what} must be an array of numbers", case)
    if a.shape != shape:
        hint = (hints or {}).get(a.shape)
        if hint is None and len(shape) == 2 and a.shape == shape[::-1]:
            hint = "it looks transposed"
        expected = f"{symbol} = {shape}" if symbol != str(shape) else str(shape)
        fail(name, f"{what} has shape {a.shape}; expected {expected}", hint, case)
    return a


def scalar(name, value, case=None, meaning=None):
    """value as one float, or CheckFailed (meaning: what the number is, said when it is not one)."""
    a = floats(name, value, "must return a number", case)
    if a.ndim != 0 and a.size != 1:
        fail(name, f"must return one number{', ' + meaning if meaning else ''}; "
                   f"got shape {a.shape}", case=case)
    return float(a.reshape(()))


def unpack(name, value, names, case=None):
    """The tuple value of len(names) items, or CheckFailed saying what came back."""
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        got = (f"{len(value)} values" if isinstance(value, (tuple, list))
               else f"one {type(value).__name__}"
               + (f" of shape {np.shape(value)}" if np.ndim(value) else ""))
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

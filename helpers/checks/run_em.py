"""Exercise run_em: E-step then M-step until ll improves by less than tol, or max_iter
iterations."""

import numpy as np
from scipy.special import logsumexp, softmax

from helpers.checks import (NotRecorded, array, call, close, course, fail, first_line, mixture,
                            params, reference as reference_of, scalar, two, unpack)

USES = ("e_step", "m_step", "ll", "log_joint", "log_gaussian", "logsumexp_rows")
STEP = "each iteration: r = e_step(x, pi, mu, sigma), then pi, mu, sigma = m_step(x, r, reg_covar)"
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "SLIPS")


def reference(x, pi, mu, sigma, tol=1e-6, max_iter=500, reg_covar=1e-6):
    ll, e_step, m_step = (reference_of(name) for name in ("ll", "e_step", "m_step"))
    history = [{"ll": ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma}]
    for _ in range(max_iter):
        pi, mu, sigma = m_step(x, e_step(x, pi, mu, sigma), reg_covar)
        history.append({"ll": ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma})
        if history[-1]["ll"] - history[-2]["ll"] < tol:
            break
    return pi, mu, sigma, history


def start(x, K, seed):
    return reference_of("init_params")(x, K, np.random.default_rng(seed))


def cases(hidden):
    """(case, x, start, tol, max_iter, reg_covar), chosen to converge in 9 to 15 iterations, and
    one where ll falls at the first step (a ridge of 1 widens every component): EM stops there."""
    x, *truth = course()
    if not hidden:
        yield "course data", x, start(x, 4, 2), 1e-3, 500, 1e-6
        data = mixture(703, 2, 4)[0]
        yield ("random data, K = 2, D = 4, reg_covar = 0.01", data, start(data, 2, 3), 1e-6, 500,
               0.01)
        yield "course data, max_iter = 3", x, start(x, 4, 0), 0.0, 3, 1e-6
        yield ("course data from the true mixture, reg_covar = 1 (ll falls)", x, truth, 1e-6, 500,
               1.0)
        return
    for seed, K, D, start_seed in ((717, 3, 3, 17), (720, 2, 5, 20), (728, 3, 1, 28)):
        data = mixture(seed, K, D)[0]
        yield (f"random data, K = {K}, D = {D}, reg_covar = 0.01", data,
               start(data, K, start_seed), 1e-6, 500, 0.01)
    yield "course data, max_iter = 1", x, start(x, 4, 5), 0.0, 1, 1e-6
    yield "course data, max_iter = 0", x, start(x, 4, 6), 0.0, 0, 1e-6


def correctness(f, hidden):
    """E then M each iteration, stops at the first gain < tol, obeys max_iter"""
    for case, x, begin, tol, max_iter, reg_covar in cases(hidden):
        out = call("run_em", f, x, *begin, tol=tol, max_iter=max_iter, reg_covar=reg_covar,
                   case=case)
        final = unpack("run_em", out, ("pi", "mu", "sigma", "history"), case)
        history = final[3]
        if not isinstance(history, (list, tuple)) or len(history) == 0:
            fail("run_em", f"history must be a list with one dict per iteration; "
                           f"got {type(history).__name__}", case=case)
        states = [entry(h, j, begin, case) for j, h in enumerate(history)]
        too_many(len(states) - 1, max_iter, case)
        log_joints = [valid_log_joint(x, state, j, case) for j, (_, state) in enumerate(states)]
        # the student edition knows EM's own path only
        # so a stopping rule that went on is named first
        if any(log_joint is None for log_joint in log_joints):
            stopping(states, tol, max_iter, case)
            j = next(j for j, log_joint in enumerate(log_joints) if log_joint is None)
            fail("run_em",
                 f"history[{j}] is not where EM is after {j} iteration(s) from this start",
                 STEP, case)
        for j, (value, _) in enumerate(states):
            # the reference ll of this entry
            expected = float(np.mean(logsumexp(log_joints[j], axis=1)))
            if not np.isclose(value, expected, rtol=1e-9, atol=1e-12):
                a, b = two(value, expected)
                fail("run_em",
                     f"history[{j}]['ll'] is {a}, but ll of history[{j}]'s parameters is {b}",
                     "store ll(x, pi, mu, sigma) of the parameters in the same entry", case)
        for what, got, given in zip(("pi", "mu", "sigma"), states[0][1], begin):
            if not close(got, given, 0, 0):
                changed = history[0][what] is history[-1][what]
                fail("run_em", f"history[0]['{what}'] is not the {what} passed in",
                     "an array was changed in place later: store new arrays" if changed else
                     "history[0] is the start, with its ll", case)
        for j in range(len(states) - 1):
            one_step(x, softmax(log_joints[j], axis=1), states, j, reg_covar, case)
        stopping(states, tol, max_iter, case)
        for what, got, expected in zip(("pi", "mu", "sigma"), final[:3], states[-1][1]):
            got = array("run_em", got, f"the returned {what}", expected.shape, str(expected.shape),
                        case)
            if not close(got, expected, 0, 0):
                fail("run_em", f"the returned {what} is not history[-1]['{what}']",
                     "return the parameters of the last iteration", case)


def entry(h, j, begin, case):
    """(ll, (pi, mu, sigma)) of history[j], or CheckFailed."""
    if not isinstance(h, dict) or not {"ll", "pi", "mu", "sigma"} <= set(h):
        missing = "it is not a dict" if not isinstance(h, dict) else \
            "it lacks " + ", ".join(repr(k) for k in ("ll", "pi", "mu", "sigma") if k not in h)
        fail("run_em",
             f"history[{j}] must be a dict with keys 'll', 'pi', 'mu', 'sigma'; {missing}",
             case=case)
    state = params("run_em", (h["pi"], h["mu"], h["sigma"]), *begin[1].shape, case,
                   f"history[{j}]['{{}}']")
    return scalar("run_em", h["ll"], case), state


def valid_log_joint(x, state, j, case):
    """The reference log_joint of history[j]'s parameters (None if not recorded), or CheckFailed if
    they are not a valid mixture."""
    try:
        return reference_of("log_joint")(x, *state)
    except (ValueError, np.linalg.LinAlgError) as exc:
        fail("run_em", f"history[{j}] is not a valid mixture ({first_line(exc)})", case=case)
    except NotRecorded:
        return None


def one_step(x, r, states, j, reg_covar, case):
    """history[j + 1] is m_step(x, r, reg_covar) with r the responsibilities of history[j]."""
    m_step = reference_of("m_step")
    before, after = states[j][1], states[j + 1][1]
    try:
        expected = m_step(x, r, reg_covar)
    except NotRecorded:
        fail("run_em", f"history[{j + 1}] is not one EM step from history[{j}]", STEP, case)
    for n, what in enumerate(("pi", "mu", "sigma")):
        if close(after[n], expected[n], 1e-7, 1e-10):
            continue
        hint, problem = STEP, f"its {what} differs"
        if close(after[n], before[n], 0, 0):
            hint, problem = "take pi, mu and sigma from m_step's result", f"its {what} is unchanged"
        elif reg_covar != 1e-6 and all(close(a, b, 1e-7, 1e-10)
                                       for a, b in zip(after, default_step(m_step, x, r))):
            hint = "pass reg_covar on to m_step"
        fail("run_em", f"history[{j + 1}] is not one EM step from history[{j}]: {problem}", hint,
             case)


def default_step(m_step, x, r):
    try:
        return m_step(x, r)
    except NotRecorded:
        return (None, None, None)


def too_many(n, max_iter, case):
    """CheckFailed if history records more than max_iter iterations (n: its length - 1)."""
    if n > max_iter:
        entries = "the start and one entry per iteration"
        if n == max_iter + 1:
            fail("run_em", f"with max_iter = {max_iter}, history has {n + 1} entries; expected at "
                           f"most max_iter + 1 = {max_iter + 1} ({entries})",
                 "the loop ran max_iter + 1 times: loop over range(max_iter)", case)
        # not how many: rounding decides when it stops
        fail("run_em", f"with max_iter = {max_iter}, history has more than max_iter + 1 = "
                       f"{max_iter + 1} entries ({entries})",
             "the loop does not stop after max_iter iterations: loop over range(max_iter)", case)


def stopping(states, tol, max_iter, case):
    n = len(states) - 1                                     # at most max_iter: too_many ran first
    gains = [states[j + 1][0] - states[j][0] for j in range(n)]
    for j, gain in enumerate(gains[:-1]):
        if gain < tol:
            hint = "stop at the first such iteration" if j + 2 == n else \
                "the stopping rule ignores the tol argument: stop at the first gain < tol (not a " \
                "fixed number)"
            if gain < 0:
                hint = "a fall is a gain < tol too: stop when new ll - old ll < tol, not abs(...)"
            fail("run_em", f"iteration {j + 1} improved ll by {gain:.2g} < tol = {tol:g}, yet the "
                           f"loop went on to iteration {n}", hint, case)
    if n < max_iter and (n == 0 or gains[-1] >= tol):
        last = (f"though the last improved ll by {gains[-1]:.2g} >= tol = {tol:g}" if n
                else "with max_iter > 0")
        fail("run_em", f"stopped after {n} iteration(s), {last}",
             "stop at the first gain < tol, or after max_iter iterations", case)


TEXTBOOK = """
history = [{"ll": ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma}]
for i in range(max_iter):
    r = e_step(x, pi, mu, sigma)
    pi, mu, sigma = m_step(x, r, reg_covar)
    new_ll = ll(x, pi, mu, sigma)
    history.append({"ll": new_ll, "pi": pi, "mu": mu, "sigma": sigma})
    if new_ll - history[-2]["ll"] < tol:
        break
return pi, mu, sigma, history
"""

SLIPS = [
    ("textbook", "pi, mu, sigma = m_step(x, r, reg_covar)",
     "_, mu, sigma = m_step(x, r, reg_covar)", "correctness",
     "run_em (course data): history[1] is not one EM step from history[0]: its pi is unchanged - "
     "take pi, mu and sigma from m_step's result"),
    ("textbook", "m_step(x, r, reg_covar)", "m_step(x, r)", "correctness",
     "run_em (random data, K = 2, D = 4, reg_covar = 0.01): history[1] is not one EM step from "
     "history[0]: its sigma differs - pass reg_covar on to m_step"),
    ("textbook", "for i in range(max_iter):", "for i in range(max_iter - 1):", "correctness",
     "run_em (course data, max_iter = 3): stopped after 2 iteration(s), though the last improved "
     "ll by 0.18 >= tol = 0 - stop at the first gain < tol, or after max_iter iterations"),
    ("textbook", 'if new_ll - history[-2]["ll"] < tol:',
     'if len(history) > 2 and history[-2]["ll"] - history[-3]["ll"] < tol:', "correctness",
     "run_em (course data): iteration 15 improved ll by 0.00073 < tol = 0.001, yet the loop went "
     "on to iteration 16 - stop at the first such iteration"),
    ("textbook", '"mu": mu, "sigma": sigma})\n    if',
     '"mu": mu, "sigma": sigma * np.nan})\n    if', "correctness",
     "run_em (course data): history[1] is not a valid mixture (array must not contain infs or "
     "NaNs)"),
    ("textbook", "return pi, mu, sigma, history", 'return history[0]["pi"], mu, sigma, history',
     "correctness",
     "run_em (course data): the returned pi is not history[-1]['pi'] - return the parameters of "
     "the last iteration"),
    ("textbook", "for i in range(max_iter):", "for i in range(max_iter + 1):", "correctness",
     "run_em (course data, max_iter = 3): with max_iter = 3, history has 5 entries; expected at "
     "most max_iter + 1 = 4 (the start and one entry per iteration) - the loop ran max_iter + 1 "
     "times: loop over range(max_iter)"),
    ("textbook", "for i in range(max_iter):", "while True:", "correctness",
     "run_em (course data, max_iter = 3): with max_iter = 3, history has more than max_iter + 1 = "
     "4 entries (the start and one entry per iteration) - the loop does not stop after max_iter "
     "iterations: loop over range(max_iter)"),
    ("textbook", "< tol:", "< 1e-6:", "correctness",
     "run_em (course data): iteration 15 improved ll by 0.00073 < tol = 0.001, yet the loop went "
     "on to iteration 328 - the stopping rule ignores the tol argument: stop at the first gain < "
     "tol (not a fixed number)"),
    ("textbook", 'if new_ll - history[-2]["ll"] < tol:',
     'if abs(new_ll - history[-2]["ll"]) < tol:', "correctness",
     "run_em (course data from the true mixture, reg_covar = 1 (ll falls)): iteration 1 improved "
     "ll by -0.24 < tol = 1e-06, yet the loop went on to iteration 126 - a fall is a gain < tol "
     "too: stop when new ll - old ll < tol, not abs(...)"),
]

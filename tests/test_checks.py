"""helpers/checks.py, tested like a library.

Each check passes on correct answers written here (a textbook one with scipy's pdf, and one
in log space) and on the notebook's own functions, and fails with the right one-line message
on planted bugs.  A planted bug costs only the parts of the function that has it: the other
checks run with oracles in place of the other graded functions.
"""

import json
import linecache
import re
import sys

import numpy as np
import pytest

from conftest import ROOT
from helpers import load_notebook
from helpers.checks import GRADED, CheckFailed, check, run_all


def strip_solutions(source):
    """Each region between the solution markers replaced by a stub, as nbgrader's release does."""
    return re.sub(r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION",
                  r"\1# YOUR CODE HERE\n\1raise NotImplementedError()", source, flags=re.S)

IMPORTS = """
import numpy as np
from scipy.stats import multivariate_normal
"""

# A correct answer as a student writes it after the lecture: densities, not log densities.
TEXTBOOK = IMPORTS + '''
def log_gaussian(x, mu_k, sigma_k):
    return np.log(multivariate_normal(mu_k, sigma_k).pdf(x))


def logsumexp_rows(a):
    return np.log(np.sum(np.exp(a), axis=1))


def log_joint(x, pi, mu, sigma):
    return np.column_stack([np.log(pi[k]) + log_gaussian(x, mu[k], sigma[k]) for k in range(len(pi))])


def ll(x, pi, mu, sigma):
    p = np.zeros(len(x))
    for k in range(len(pi)):
        p += pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x)
    return np.mean(np.log(p))


def e_step(x, pi, mu, sigma):
    p = np.column_stack([pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x) for k in range(len(pi))])
    return p / p.sum(axis=1, keepdims=True)


def m_step(x, r, reg_covar=1e-6):
    N, D = x.shape
    K = r.shape[1]
    N_k = r.sum(axis=0)
    pi = N_k / N
    mu = np.zeros((K, D))
    sigma = np.zeros((K, D, D))
    for k in range(K):
        mu[k] = r[:, k] @ x / N_k[k]
        diff = x - mu[k]
        sigma[k] = (r[:, k, None] * diff).T @ diff / N_k[k] + reg_covar * np.eye(D)
    return pi, mu, sigma
'''

# A correct answer in log space, as the exercise asks for the robustness points.
LOG_SPACE = IMPORTS + '''
def log_gaussian(x, mu_k, sigma_k):
    D = x.shape[1]
    diff = x - mu_k
    mahalanobis = np.sum(diff * np.linalg.solve(sigma_k, diff.T).T, axis=1)
    log_det = np.linalg.slogdet(sigma_k)[1]
    return -0.5 * (D * np.log(2 * np.pi) + log_det + mahalanobis)


def logsumexp_rows(a):
    m = np.max(a, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(a - m), axis=1, keepdims=True)))[:, 0]


def log_joint(x, pi, mu, sigma):
    with np.errstate(divide="ignore"):
        return np.column_stack([np.log(pi[k]) + log_gaussian(x, mu[k], sigma[k]) for k in range(len(pi))])


def ll(x, pi, mu, sigma):
    return float(np.mean(logsumexp_rows(log_joint(x, pi, mu, sigma))))


def e_step(x, pi, mu, sigma):
    log_p = log_joint(x, pi, mu, sigma)
    w = np.exp(log_p - np.max(log_p, axis=1, keepdims=True))
    return w / w.sum(axis=1, keepdims=True)


def m_step(x, r, reg_covar=1e-6):
    N, D = x.shape
    N_k = r.sum(axis=0)
    pi = N_k / N
    safe = np.maximum(N_k, 1e-300)
    mu = r.T @ x / safe[:, None]
    sigma = np.empty((len(N_k), D, D))
    for k in range(len(N_k)):
        diff = x - mu[k]
        sigma[k] = (r[:, k] * diff.T) @ diff / safe[k] + reg_covar * np.eye(D)
    return pi, mu, sigma
'''

# init_params, run_em and simulate, the same in both answers.
REST = '''

def init_params(x, n_clusters, rng, reg_covar=1e-6):
    distinct = np.unique(x, axis=0)
    mu = distinct[rng.choice(len(distinct), size=n_clusters, replace=False)]
    cov = np.cov(x.T, bias=True) + reg_covar * np.eye(x.shape[1])
    sigma = np.array([cov] * n_clusters)
    pi = np.ones(n_clusters) / n_clusters
    return pi, mu, sigma


def run_em(x, pi, mu, sigma, tol=1e-6, max_iter=500, reg_covar=1e-6):
    history = [{"ll": ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma}]
    for i in range(max_iter):
        r = e_step(x, pi, mu, sigma)
        pi, mu, sigma = m_step(x, r, reg_covar)
        history.append({"ll": ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma})
        if history[-1]["ll"] - history[-2]["ll"] < tol:
            break
    return pi, mu, sigma, history


def simulate(n_samples, pi, mu, sigma, rng=None):
    rng = np.random.default_rng(rng)
    z = rng.choice(len(pi), size=n_samples, p=pi)
    x = np.zeros((n_samples, mu.shape[1]))
    for k in range(len(pi)):
        L = np.linalg.cholesky(sigma[k])
        idx = z == k
        x[idx] = mu[k] + rng.standard_normal((np.sum(idx), mu.shape[1])) @ L.T
    return x, z
'''
TEXTBOOK += REST
LOG_SPACE += REST

CORRECTNESS = [name for name, part, _ in GRADED if part == "correctness"]
ROBUSTNESS = [name for name, part, _ in GRADED if part == "robustness"]


def submission(source, filename="<submission>"):
    """Run `source` in one namespace, as a notebook does; its lines go to linecache for the messages."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "submission"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def planted(source, old, new):
    assert source.count(old) == 1, f"{old!r} must occur once"
    return source.replace(old, new)


def message(namespace, name, part="correctness", hidden=False):
    """The one-line message of a failing check (the test fails if the check passes)."""
    with pytest.raises(CheckFailed) as info:
        check(name, part, hidden=hidden, namespace=namespace)
    text = str(info.value)
    assert "\n" not in text
    return text


# ---- correct answers pass ----------------------------------------------------------------

@pytest.fixture(scope="module")
def textbook():
    return submission(TEXTBOOK)


@pytest.fixture(scope="module")
def log_space():
    return submission(LOG_SPACE)


@pytest.fixture(scope="module")
def notebook():
    return vars(load_notebook(ROOT / "nb07_em.ipynb"))


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name", CORRECTNESS)
def test_a_textbook_answer_is_correct(textbook, name, hidden, capsys):
    check(name, hidden=hidden, namespace=textbook)
    line = capsys.readouterr().out
    assert line.startswith(f"✓ {name}: correct") and line.count("\n") == 1


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name, part", [(name, part) for name, part, _ in GRADED])
def test_a_log_space_answer_passes_everything(log_space, name, part, hidden):
    check(name, part, hidden=hidden, namespace=log_space)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name, part", [(name, part) for name, part, _ in GRADED])
def test_the_notebook_passes_everything(notebook, name, part, hidden):
    if name == "simulate" and isinstance(notebook["simulate"](3, np.ones(1), np.zeros((1, 2)),
                                                             np.eye(2)[None], 0), np.ndarray):
        pytest.skip("the notebook's simulate still returns x only; the checks ask for (x_sim, z_sim)")
    check(name, part, hidden=hidden, namespace=notebook)


def test_pass_lines_are_one_short_line(log_space, capsys):
    for name, part, _ in GRADED:
        for hidden in (False, True):
            check(name, part, hidden=hidden, namespace=log_space)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * len(GRADED)
    assert all(line.startswith("✓ ") and len(line) <= 110 for line in lines), lines
    assert lines[0] == "✓ log_gaussian: correct (scipy's logpdf, course data and random Gaussians, D = 1..4)"
    assert lines[1] == "✓ log_gaussian: correct on the hidden cases too"


# ---- robustness: what the textbook answer lacks ---------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("log_gaussian", "log_gaussian: a point 1e4 sigma from the mean gives -inf (log of 0) - compute the log "
                     "density directly, not np.log of the density"),
    ("logsumexp_rows", "logsumexp_rows: the row [-1000, -1001] gives -inf, expected -999.7 - subtract the row "
                       "maximum before exp, add it back after the log"),
    ("ll", "ll: a point 1e4 sigma away from every component gives -inf (log of 0) - add the densities in log "
           "space with logsumexp_rows"),
    ("e_step", "e_step: a point 1e4 sigma away from every component gives NaN in r (0/0) - compute in log space "
               "and subtract the row maximum before exponentiating"),
    ("m_step", "m_step: an empty component (a column of r all 0) gives NaN in mu[1] (N_k = 0) - divide by "
               "np.maximum(N_k, tiny)"),
])
def test_a_textbook_answer_is_not_robust_and_is_told_why(textbook, name, expected):
    assert message(textbook, name, "robustness") == expected
    assert message(textbook, name, "robustness", hidden=True).startswith(f"{name}")


def test_the_textbook_init_params_is_robust(textbook):
    check("init_params", "robustness", namespace=textbook)


# ---- planted bugs: the right message, and no other check fails ------------------------------

BUGS = [
    # (function, bug: old -> new in LOG_SPACE, the failing part, the start of its message, a part of it)
    ("m_step", "/ safe[k] + reg", "/ N + reg", "correctness",
     "m_step (course data, reg_covar = 0): sigma[0][0, 0] is 0.6678, expected 2.003 - divided by N; "
     "divide by N_k = r[:, k].sum()"),
    ("e_step", "w / w.sum(axis=1, keepdims=True)", "w / w.sum(axis=0, keepdims=True)", "correctness",
     "e_step (course data): each row of r must sum to 1; row 0 sums to 0.01266 - r is normalised over "
     "samples; divide by the sum over components (axis=1)"),
    ("run_em", "pi, mu, sigma = m_step(x, r, reg_covar)", "_, mu, sigma = m_step(x, r, reg_covar)", "correctness",
     "run_em (course data): history[1] is not one EM step from history[0]: its pi is unchanged - take pi, mu "
     "and sigma from m_step's result"),
    ("m_step", "pi = N_k / N", "pi = np.full(len(N_k), 1 / len(N_k))", "correctness",
     "m_step (course data, reg_covar = 0): pi[0] is 0.25, expected 0.3334 - pi is not updated: "
     "pi_k = N_k / N, the mean of column k of r"),
    ("m_step", "diff = x - mu[k]", "diff = x - x.mean(axis=0)", "correctness",
     "m_step (course data, reg_covar = 0): sigma[0][0, 0] is 27.87, expected 2.003 - computed around the mean "
     "of all the data; use the new mu[k]"),
    ("m_step", "/ safe[k] + reg_covar * np.eye(D)", "/ safe[k]", "correctness",
     "m_step (course data, reg_covar = 0.01): sigma[0][0, 0] is 2.003, expected 2.013 - add reg_covar * I "
     "to every covariance"),
    ("m_step", "safe = np.maximum(N_k, 1e-300)", "safe = N_k", "robustness",
     "m_step: an empty component (a column of r all 0) gives NaN in mu[1] (N_k = 0) - divide by "
     "np.maximum(N_k, tiny)"),
    ("simulate", "size=n_samples, p=pi)", "size=n_samples)", "correctness",
     "simulate (K = 3, D = 2): component 0 was drawn 6651 times in 20000 (33%), expected about pi[0] = 0.2 "
     "- draw z with rng.choice(K, size=n_samples, p=pi)"),
    ("simulate", "@ L.T", "@ sigma[k]", "correctness",
     "simulate (K = 3, D = 2): the samples of component 0 have covariance [[1.33, 1.76], [1.76, 4.32]], not about "
     "sigma[0] - multiply by the Cholesky factor L of sigma[k] (sigma = L L^T), not by sigma[k]"),
    ("simulate", "@ L.T", "@ L", "correctness", "- use eps @ L.T, not eps @ L (sigma = L L^T)"),
    ("simulate", "z = rng.choice(", "z = np.random.choice(", "correctness",
     "simulate: the same seed gives different draws - draw only from rng, not from np.random"),
    ("log_gaussian", "np.linalg.solve(sigma_k, diff.T)", "(sigma_k @ diff.T)", "correctness",
     "log_gaussian (course data, component 0): row 0 gives -72.01, expected -47.3 - use the inverse of "
     "sigma_k in (x - mu)^T sigma^-1 (x - mu)"),
    ("log_gaussian", "-0.5 * (D * np.log(2 * np.pi) + log_det", "-0.5 * (np.log(2 * np.pi) + log_det",
     "correctness", "- every row is off by 0.9189: check the constant -0.5 * (D log(2 pi) + log det sigma_k)"),
    ("logsumexp_rows", "keepdims=True)))[:, 0]", "keepdims=True)))", "correctness",
     "logsumexp_rows (random rows, K = 1): the result has shape (50, 1); expected (N,) = (50,) - return "
     "shape (N,): drop keepdims, or take [:, 0]"),
    ("logsumexp_rows", "return (m + np.log(", "return (np.log(", "correctness",
     "- add the row maximum back after the log"),
    ("ll", "float(np.mean(logsumexp_rows", "float(np.sum(logsumexp_rows", "correctness",
     "ll (course data): gives -1226, expected -4.087 - that is the sum over samples; ll is the mean "
     "(divide by N)"),
    ("init_params", "np.cov(x.T, bias=True)", "np.cov(x.T)", "correctness",
     "init_params (course data, K = 4): sigma[0][0, 0] is 15.78, expected 15.72 - np.cov divides by N - 1; "
     "use bias=True or divide by N"),
    ("init_params", "np.cov(x.T, bias=True)", "np.cov(x.T)", "robustness",
     "init_params: with N = 1 and K = 1, sigma contains NaN - np.cov divides by N - 1 = 0; use bias=True "
     "or divide by N"),
    ("init_params", "distinct[rng.choice(len(distinct),", "x[rng.choice(len(x),", "correctness",
     "init_params (course data, K = 4): the means are distinct data points, but not the ones the stated calls "
     "pick - np.unique(x, axis=0)[rng.choice(len(distinct), size=n_clusters, replace=False)]"),
    ("init_params", "distinct[rng.choice(", "distinct[np.random.default_rng(0).choice(", "correctness",
     "init_params (course data, K = 4): draws other random numbers from rng than the stated calls"),
    ("init_params", "np.ones(n_clusters) / n_clusters", "np.ones(n_clusters)", "correctness",
     "init_params (course data, K = 4): pi is [1, 1, 1, 1]; expected equal weights 1/K"),
    ("run_em", "m_step(x, r, reg_covar)", "m_step(x, r)", "correctness",
     "run_em (random data, K = 2, D = 4, reg_covar = 0.01): history[1] is not one EM step from history[0]: "
     "its sigma differs - pass reg_covar on to m_step"),
    ("run_em", "for i in range(max_iter):", "for i in range(max_iter - 1):", "correctness",
     "run_em (course data, max_iter = 3): stopped after 2 iteration(s), though the last improved ll by 0.18 "
     ">= tol = 0 - stop at the first gain < tol, or after max_iter iterations"),
    ("run_em", 'if history[-1]["ll"] - history[-2]["ll"] < tol:',
     'if len(history) > 2 and history[-2]["ll"] - history[-3]["ll"] < tol:', "correctness",
     "run_em (course data): iteration 15 improved ll by 0.00073 < tol = 0.001, yet the loop went on to "
     "iteration 16 - stop at the first such iteration"),
    ("run_em", 'history.append({"ll": ll(x, pi, mu, sigma),', 'history.append({"ll": ll(x, *history[-1]["pi"]),',
     "correctness", "run_em (course data) raised TypeError: "),
    ("run_em", '"mu": mu, "sigma": sigma})\n        if', '"mu": mu, "sigma": sigma * np.nan})\n        if',
     "correctness", "run_em (course data): history[1] is not a valid mixture (array must not contain infs or NaNs)"),
    ("run_em", "return pi, mu, sigma, history", 'return history[0]["pi"], mu, sigma, history', "correctness",
     "run_em (course data): the returned pi is not history[-1]['pi'] - return the parameters of the last "
     "iteration"),
]


@pytest.mark.parametrize("name, old, new, part, expected", BUGS, ids=[f"{b[0]}: {b[2]}" for b in BUGS])
def test_a_planted_bug_fails_its_own_check_only(name, old, new, part, expected):
    namespace = submission(planted(LOG_SPACE, old, new))
    results = run_all(namespace, hidden=False)
    failed = {(r.name, r.part): r.message for r in results if not r.passed}
    assert (name, part) in failed
    assert expected in failed[(name, part)]
    if not expected.startswith("- "):
        assert failed[(name, part)].startswith(expected)
    assert {n for n, _ in failed} == {name}, failed        # no knock-on loss in another function


def test_a_stub_is_not_implemented_yet():
    source = planted(LOG_SPACE, "    log_p = log_joint(x, pi, mu, sigma)\n", "    raise NotImplementedError()\n")
    namespace = submission(source)
    for part in ("correctness", "robustness"):
        assert message(namespace, "e_step", part) == \
            "e_step is not implemented yet: replace `raise NotImplementedError()` with your code"


def test_the_untouched_student_edition_is_not_implemented_yet_everywhere():
    nb = json.loads((ROOT / "nb07_em.ipynb").read_text(encoding="utf-8"))
    source = "\n\n".join(strip_solutions("".join(cell["source"])) for cell in nb["cells"]
                         if cell["cell_type"] == "code" and "em" in cell["metadata"].get("tags", []))
    results = run_all(submission(source, "<student edition>"))
    assert len(results) == len(GRADED)
    for result in results:
        assert not result.passed
        assert result.message == (f"{result.name} is not implemented yet: replace "
                                  f"`raise NotImplementedError()` with your code")


def test_a_missing_or_overwritten_name(log_space):
    namespace = dict(log_space)
    del namespace["e_step"]
    assert message(namespace, "e_step") == \
        "e_step is not defined: run its cell first; if that cell shows an error, fix it first"
    namespace["e_step"] = np.zeros(3)
    assert message(namespace, "e_step").startswith("e_step is a ndarray, not a function")


def test_an_error_in_the_students_code_names_the_line():
    source = planted(LOG_SPACE, "    return w / w.sum(axis=1, keepdims=True)\n",
                     "    total = w.sum(axis=1, keepdims=True) / 0.0 + 1 // 0\n    return w / total\n")
    line = source.splitlines().index("    total = w.sum(axis=1, keepdims=True) / 0.0 + 1 // 0") + 1
    with pytest.raises(ZeroDivisionError) as python_says:  # its wording changed in Python 3.14
        1 // 0
    assert message(submission(source), "e_step") == (
        f"e_step (course data) raised ZeroDivisionError: {python_says.value} "
        f"(in your code, line {line}: total = w.sum(axis=1, keepdims=True) ...)")


def test_a_wrong_shape_or_return_value_is_named():
    namespace = submission(planted(LOG_SPACE, "return w / w.sum(axis=1, keepdims=True)",
                                   "return (w / w.sum(axis=1, keepdims=True)).T"))
    assert message(namespace, "e_step") == \
        "e_step (course data): r has shape (4, 300); expected (N, K) = (300, 4) - it looks transposed"
    namespace = submission(planted(LOG_SPACE, "    return float(np.mean(", "    value = float(np.mean("))
    assert message(namespace, "ll") == \
        "ll (course data): returned None - end the function with a return statement"
    namespace = submission(planted(LOG_SPACE, "/ safe[k] + reg_covar * np.eye(D)\n    return pi, mu, sigma",
                                   "/ safe[k] + reg_covar * np.eye(D)\n    return mu, sigma"))
    assert message(namespace, "m_step") == \
        "m_step (course data, reg_covar = 0): must return pi, mu, sigma (3 values); got 2 values"
    namespace = submission(planted(LOG_SPACE, "    return x, z\n", "    return x\n"))
    assert message(namespace, "simulate") == \
        "simulate (K = 3, D = 2): must return x_sim, z_sim (2 values); got one ndarray of shape (20000, 2)"


# ---- isolation --------------------------------------------------------------------------

def test_a_buggy_e_step_costs_only_e_step():
    source = planted(TEXTBOOK, "p / p.sum(axis=1, keepdims=True)", "p / p.sum(axis=0, keepdims=True)")
    namespace = submission(source)
    results = {(r.name, r.part): r for r in run_all(namespace)}
    assert not results[("e_step", "correctness")].passed
    for name in ("m_step", "run_em", "ll", "init_params", "simulate"):
        assert results[(name, "correctness")].passed, results[(name, "correctness")].message


def test_the_students_functions_are_put_back():
    namespace = submission(planted(LOG_SPACE, "    log_p = log_joint(x, pi, mu, sigma)\n",
                                   "    log_p = log_joint(x, pi, mu, sigma) / 0\n"))
    before = dict(namespace)
    run_all(namespace)
    for name in ("e_step", "m_step", "ll", "log_joint", "log_gaussian", "logsumexp_rows"):
        assert namespace[name] is before[name]


def test_run_em_is_checked_with_oracle_steps_even_when_the_students_are_wrong():
    """The student's e_step, m_step and ll are all wrong; their run_em is still right."""
    source = planted(LOG_SPACE, "pi = N_k / N", "pi = N_k")
    source = planted(source, "float(np.mean(logsumexp_rows", "float(np.sum(logsumexp_rows")
    source = planted(source, "w / w.sum(axis=1, keepdims=True)", "w")
    namespace = submission(source)
    check("run_em", namespace=namespace)
    check("run_em", hidden=True, namespace=namespace)


# ---- how the check cells behave in a notebook ---------------------------------------------

def test_check_finds_the_function_in_the_callers_globals(log_space, capsys):
    namespace = dict(log_space, check=check)
    exec("check('e_step')\ncheck('e_step', 'robustness', hidden=True)", namespace)
    assert capsys.readouterr().out.splitlines() == [
        "✓ e_step: correct (Bayes' rule with scipy densities, course data and random mixtures, D = 1..4)",
        "✓ e_step: robust on the hidden cases too"]


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)


def test_unknown_parts_are_a_programming_error(log_space):
    with pytest.raises(ValueError, match="no robustness check for 'run_em'"):
        check("run_em", "robustness", namespace=log_space)


def test_ipython_shows_only_the_cell_line_and_the_message(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from helpers.checks import check\n"
                       "def e_step(x, pi, mu, sigma):\n    raise NotImplementedError()\n")
        capsys.readouterr()
        result = shell.run_cell("n = 1\ncheck('e_step')")
        shown = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    finally:
        InteractiveShell.clear_instance()
    assert isinstance(result.error_in_exec, CheckFailed)
    assert "----> 2 check('e_step')" in shown
    assert shown.rstrip().endswith("CheckFailed: e_step is not implemented yet: replace "
                                   "`raise NotImplementedError()` with your code")
    assert "checks.py" not in shown and "hidden" not in shown


def test_run_all_never_raises_and_lists_every_graded_part():
    namespace = submission(IMPORTS + "def e_step(x, pi, mu, sigma):\n    return 'r'\n"
                           "def m_step(x, r, reg_covar=1e-6):\n    return {}\n"
                           "def run_em(*args, **kwargs):\n    return 1, 2, 3, [{'ll': 'high'}]\n"
                           "simulate = None\n")
    results = run_all(namespace)
    assert [(r.name, r.part) for r in results] == [(name, part) for name, part, _ in GRADED]
    assert not any(r.passed for r in results)
    messages = {(r.name, r.part): r.message for r in results}
    assert messages[("e_step", "correctness")] == \
        "e_step (course data): r must be an array of numbers; got str"
    assert messages[("m_step", "correctness")].startswith("m_step (course data, reg_covar = 0): must return pi, mu")
    assert messages[("run_em", "correctness")] == ("run_em (course data): history[0] must be a dict with keys "
                                                   "'ll', 'pi', 'mu', 'sigma'; it lacks 'pi', 'mu', 'sigma'")
    assert messages[("simulate", "correctness")].startswith("simulate is not defined")

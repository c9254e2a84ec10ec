"""Planted submissions: the student edition filled in as students do, to prove the grading.

A submission is the released student notebook with, for each exercise (by its nbgrader
grade_id), the code a student wrote in place of `# YOUR CODE HERE` / `raise NotImplementedError()`.
A few also add a cell of their own, or a line at the top of an exercise cell.

    solution     the instructor's answers, taken from the solution notebook
    textbook     correct, but not in log space: scipy's pdf, weighted densities over their
                 row sums, explicit weighted means and covariances (no guard for N_k = 0),
                 and `from scipy.stats import multivariate_normal` once, in a cell of its own
    cov_over_n, wrong_axis, weights_fixed, cov_before_mean, sigma_not_inverse,
    simulate_no_weights
                 the textbook answer (or the by-hand density) with one classic bug each
    syntax_error a SyntaxError in the e_step cell
    raises       the logsumexp_rows cell stops at an import that fails
    stub         the student edition, untouched

`python tests/planted/submissions.py RELEASED.ipynb FOLDER` writes them all as notebooks.
"""

import copy
import re
import sys
import textwrap
from pathlib import Path

import nbformat

STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)$", re.M)

IMPORTS = "from scipy.stats import multivariate_normal"

TEXTBOOK = {
    "log_gaussian": """
        return np.log(multivariate_normal(mu_k, sigma_k).pdf(x))
    """,
    "logsumexp_rows": """
        return np.log(np.sum(np.exp(a), axis=1))
    """,
    "ll": """
        total = np.zeros(len(x))
        for k in range(len(pi)):
            total += pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x)
        return np.mean(np.log(total))
    """,
    "e_step": """
        dens = np.zeros((len(x), len(pi)))
        for k in range(len(pi)):
            dens[:, k] = pi[k] * multivariate_normal(mu[k], sigma[k]).pdf(x)
        return dens / dens.sum(axis=1, keepdims=True)
    """,
    "m_step": """
        N, D = x.shape
        K = r.shape[1]
        pi = np.zeros(K)
        mu = np.zeros((K, D))
        sigma = np.zeros((K, D, D))
        for k in range(K):
            N_k = np.sum(r[:, k])
            pi[k] = N_k / N
            mu[k] = np.sum(r[:, k, None] * x, axis=0) / N_k
            diff = x - mu[k]
            sigma[k] = (r[:, k, None] * diff).T @ diff / N_k + reg_covar * np.eye(D)
        return pi, mu, sigma
    """,
    "init_params": """
        D = x.shape[1]
        mu = distinct[rng.choice(len(distinct), size=n_clusters, replace=False)]
        cov = np.cov(x.T, bias=True) + reg_covar * np.eye(D)
        sigma = np.array([cov] * n_clusters)
        pi = np.ones(n_clusters) / n_clusters
        return pi, mu, sigma
    """,
    "run_em": """
        history = [{"ll": ll(x, pi, mu, sigma), "pi": pi, "mu": mu, "sigma": sigma}]
        for i in range(max_iter):
            r = e_step(x, pi, mu, sigma)
            pi, mu, sigma = m_step(x, r, reg_covar)
            new_ll = ll(x, pi, mu, sigma)
            history.append({"ll": new_ll, "pi": pi, "mu": mu, "sigma": sigma})
            if new_ll - history[-2]["ll"] < tol:
                break
        return pi, mu, sigma, history
    """,
    "simulate": """
        K, D = mu.shape
        z = rng.choice(K, size=n_samples, p=pi)
        x = np.zeros((n_samples, D))
        for i in range(n_samples):
            x[i] = rng.multivariate_normal(mu[z[i]], sigma[z[i]])
        return x, z
    """,
    "manual-step": """
        r_d = e_step(x, pi_d, mu_d, sigma_d)
        pi_d, mu_d, sigma_d = m_step(x, r_d)
    """,
}

# The density written out by hand (correct, and in log space), to plant Sigma for Sigma^-1.
BY_HAND_LOG_GAUSSIAN = """
    D = x.shape[1]
    diff = x - mu_k
    mahalanobis = np.sum(diff @ np.linalg.inv(sigma_k) * diff, axis=1)
    return -0.5 * (D * np.log(2 * np.pi) + np.log(np.linalg.det(sigma_k)) + mahalanobis)
"""


TEXTBOOK = {grade_id: textwrap.dedent(answer).strip("\n") for grade_id, answer in TEXTBOOK.items()}
BY_HAND_LOG_GAUSSIAN = textwrap.dedent(BY_HAND_LOG_GAUSSIAN).strip("\n")


def bug(grade_id, *edits, base=None):
    """The textbook submission, with the answer for grade_id (or `base`) changed by (old, new) edits."""
    answer = base or TEXTBOOK[grade_id]
    for old, new in edits:
        assert answer.count(old) == 1, f"{grade_id}: {old!r} must occur once"
        answer = answer.replace(old, new)
    return {"answers": {**TEXTBOOK, grade_id: answer}, "new_cells": {"log_gaussian": IMPORTS}}


SUBMISSIONS = {
    "solution": {"answers": "solution"},
    "textbook": {"answers": TEXTBOOK, "new_cells": {"log_gaussian": IMPORTS}},
    "cov_over_n": bug("m_step", ("@ diff / N_k +", "@ diff / N +")),
    "wrong_axis": bug("e_step", ("dens.sum(axis=1, keepdims=True)", "dens.sum(axis=0, keepdims=True)")),
    "weights_fixed": bug("m_step", ("pi = np.zeros(K)", "pi = np.ones(K) / K"), ("    pi[k] = N_k / N\n", "")),
    "cov_before_mean": bug("m_step", ("    mu[k] = np.sum(r[:, k, None] * x, axis=0) / N_k\n", ""),
                           ("    sigma[k] = (r[:, k, None] * diff).T @ diff / N_k + reg_covar * np.eye(D)\n",
                            "    sigma[k] = (r[:, k, None] * diff).T @ diff / N_k + reg_covar * np.eye(D)\n"
                            "    mu[k] = np.sum(r[:, k, None] * x, axis=0) / N_k\n")),
    "sigma_not_inverse": bug("log_gaussian", ("diff @ np.linalg.inv(sigma_k)", "diff @ sigma_k"),
                             base=BY_HAND_LOG_GAUSSIAN),
    "simulate_no_weights": bug("simulate", ("rng.choice(K, size=n_samples, p=pi)", "rng.choice(K, size=n_samples)")),
    "syntax_error": bug("e_step", (".pdf(x)\nreturn", ".pdf(x\nreturn")),
    "raises": {"answers": {**TEXTBOOK, "logsumexp_rows": "return logsumexp(a, axis=1)"},
               "new_cells": {"log_gaussian": IMPORTS},
               "cell_tops": {"logsumexp_rows": "from scipy.misc import logsumexp\n\n"}},
    "stub": {"answers": {}},
}


def solution_answers(solution):
    """grade_id -> the code between the solution markers of each solution cell of `solution`."""
    answers = {}
    for cell in solution.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        region = re.search(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION", cell.source, re.M | re.S)
        if cell.cell_type == "code" and grade_id and region:
            answers[grade_id] = textwrap.dedent(region.group(1)).strip("\n")
    return answers


def build(name, released, solution=None):
    """Submission `name`: a copy of the `released` notebook filled in (solution: the solution notebook)."""
    spec = SUBMISSIONS[name]
    answers = solution_answers(solution) if spec["answers"] == "solution" else spec["answers"]
    nb = copy.deepcopy(released)
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        key = grade_id or cell.get("id")
        if key in spec.get("new_cells", {}):
            new = nbformat.v4.new_code_cell(spec["new_cells"][key])
            new.id = f"{name}-{len(cells)}"
            cells.append(new)
        if grade_id in answers:
            stubs = STUB.findall(cell.source)
            assert len(stubs) == 1, f"{grade_id}: expected one '# YOUR CODE HERE' stub"
            body = textwrap.indent(answers[grade_id], stubs[0])
            cell.source = STUB.sub(lambda _: body, cell.source)
        if key in spec.get("cell_tops", {}):
            cell.source = spec["cell_tops"][key] + cell.source
        cells.append(cell)
    nb.cells = cells
    return nb


def main(released, folder, solution="nb07_em.ipynb"):
    released, solution = nbformat.read(released, as_version=4), nbformat.read(solution, as_version=4)
    Path(folder).mkdir(parents=True, exist_ok=True)
    for name in SUBMISSIONS:
        nbformat.write(build(name, released, solution), Path(folder) / f"{name}.ipynb")
        print(f"wrote {Path(folder) / name}.ipynb")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    main(*sys.argv[1:])

"""Exercise simulate: draw samples from the mixture by ancestral sampling (the seed's contract:
-> x)."""

import inspect

import numpy as np

from helpers.checks import array, call, fail, fmt, mixture, unpack

USES = ()
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "SEED_CONTRACT", "SLIPS")


def reference(n_samples, pi, mu, sigma, rng=None, return_labels=False):
    rng = np.random.default_rng(rng)
    z = rng.choice(len(pi), size=n_samples, p=pi)
    x = np.empty((n_samples, np.shape(mu)[1]))
    for k in range(len(pi)):
        x[z == k] = rng.multivariate_normal(mu[k], sigma[k], size=np.sum(z == k))
    return (x, z) if return_labels else x


def separated(seed, K, D):
    """A random mixture whose means lie 12 standard deviations apart on a line: every sample's
    component is the nearest one, so the checks can tell which component drew it."""
    _, pi, _, sigma = mixture(seed, K, D)
    u = np.random.default_rng(seed).normal(size=D)
    spread = 12 * np.sqrt(np.linalg.eigvalsh(sigma).max())
    return pi, spread * np.arange(K)[:, None] * (u / np.linalg.norm(u)), sigma


def cases(hidden):
    if not hidden:
        pi = np.array([0.2, 0.5, 0.3])
        mu = np.array([[-20.0, 0.0], [15.0, 5.0], [0.0, 25.0]])
        sigma = np.array([[[1.0, 0.6], [0.6, 2.0]], [[0.5, -0.2], [-0.2, 0.3]],
                          [[2.0, 0.0], [0.0, 0.4]]])
        yield "K = 3, D = 2", pi, mu, sigma
        yield "K = 2, D = 3", *separated(601, 2, 3)             # D is not always 2
        return
    for seed, (K, D) in enumerate([(2, 1), (6, 5), (4, 3)], start=701):
        yield f"K = {K}, D = {D}", *separated(seed, K, D)
    pi, mu, sigma = separated(704, 3, 2)
    yield "K = 3 with a zero weight", np.array([pi[0] + pi[1], 0.0, pi[2]]), mu, sigma


def nearest(x, mu, sigma):
    """The component each sample is nearest to (in its own standard deviations): the one that drew
    it."""
    distances = [np.sum((x - mu[k]) * np.linalg.solve(sigma[k], (x - mu[k]).T).T, axis=1)
                 for k in range(len(mu))]
    return np.argmin(distances, axis=0)


def accepts(f, name):
    """Whether f takes a parameter `name` (the seed's simulate takes neither rng nor
    return_labels)."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in parameters)


def draw(f, n, pi, mu, sigma, seed, case, **kwargs):
    """f's samples (n, D); with return_labels=True, (x, z)."""
    args = (n, pi, mu, sigma) + ((np.random.default_rng(seed),) if accepts(f, "rng") else ())
    out = call("simulate", f, *args, case=case, **kwargs)
    if kwargs.get("return_labels"):
        x, z = unpack("simulate", out, ("x", "z"), case)
        return array("simulate", x, "x", (n, mu.shape[1]), "(n_samples, D)", case), \
            array("simulate", z, "z", (n,), "(n_samples,)", case)
    if isinstance(out, tuple):
        fail("simulate", f"returned {len(out)} values; return only the samples x", 
             "the labels come back only with return_labels=True", case)
    return array("simulate", out, "x", (n, mu.shape[1]), "(n_samples, D)", case)


def correctness(f, hidden):
    """frequencies match pi, components match mu and sigma, seeded"""
    n = 20000
    for case, pi, mu, sigma in cases(hidden):
        x = draw(f, n, pi, mu, sigma, 11, case)
        z = nearest(x, mu, sigma)
        for k in range(len(pi)):
            count = np.sum(z == k)
            if abs(count - n * pi[k]) > 5 * np.sqrt(n * pi[k] * (1 - pi[k])):
                fail("simulate", f"component {k} drew {count} of {n} samples ({count / n:.0%}), "
                                 f"expected about pi[{k}] = {fmt(pi[k])}",
                     "draw the labels with rng.choice(K, size=n_samples, p=pi)", case)
        for k in np.flatnonzero(pi > 0):
            compare_component(x[z == k], k, mu[k], sigma[k], case)
        if accepts(f, "return_labels"):
            x, labels = draw(f, 2000, pi, mu, sigma, 12, case, return_labels=True)
            drawn = nearest(x, mu, sigma)
            if np.mean(labels == drawn) < 0.999:
                i = int(np.flatnonzero(labels != drawn)[0])
                fail("simulate", f"with return_labels=True, z[{i}] is {fmt(labels[i])} but sample "
                                 f"{i} was drawn from component {drawn[i]}",
                     "return the label each sample was drawn with", case)
    if accepts(f, "rng"):
        uses_rng(f, *next(cases(False))[1:])


def compare_component(xs, k, mu_k, sigma_k, case):
    """The samples drawn from component k agree with mu_k and sigma_k (5 standard errors)."""
    n_k = len(xs)
    if n_k > 1 and np.all(np.ptp(xs, axis=0) <= 1e-9 * (1 + np.abs(xs).max())):
        fail("simulate", f"the samples of component {k} are all the same point",
             "every sample of a component gets the same noise: draw eps for each sample, "
             "rng.standard_normal((n_samples, D))", case)
    mean = xs.mean(axis=0)
    se = np.sqrt(np.diag(sigma_k) / n_k)
    if np.any(np.abs(mean - mu_k) > 5 * se):
        fail("simulate", f"the samples of component {k} have mean {fmt(mean, 3)}, not about "
                         f"mu[{k}] = {fmt(mu_k, 3)}",
             "each sample comes from the component of its own label", case)
    cov = np.cov(xs.T, bias=True).reshape(len(mu_k), len(mu_k))

    def agrees(target):
        var = np.diag(target)
        # standard error of each sample covariance
        se = np.sqrt((np.outer(var, var) + target**2) / n_k)
        return np.all(np.abs(cov - target) <= 5 * se)

    if not agrees(sigma_k):
        L = np.linalg.cholesky(sigma_k)
        hint = ("draw mu[k] + eps @ L.T with L = np.linalg.cholesky(sigma[k]) and eps standard "
                "normal")
        if agrees(sigma_k @ sigma_k):
            hint = "multiply by the Cholesky factor L of sigma[k] (sigma = L L^T), not by sigma[k]"
        elif agrees(L.T @ L):
            hint = "use eps @ L.T, not eps @ L (sigma = L L^T)"
        fail("simulate",
             f"the samples of component {k} have covariance {fmt(cov, 3)}, not about sigma[{k}]",
             hint, case)


def uses_rng(f, pi, mu, sigma):
    n, case = 200, "a seeded generator"
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    first = array("simulate", call("simulate", f, n, pi, mu, sigma, rng, case=case), "x",
                  (n, mu.shape[1]), "(n_samples, D)", case)
    if rng.bit_generator.state == state:
        fail("simulate", "does not draw from the rng it was given",
             "use the rng you were given (rng.choice, rng.standard_normal), not np.random")
    again = call("simulate", f, n, pi, mu, sigma, np.random.default_rng(5), case=case)
    if not np.array_equal(first, again):
        fail("simulate", "the same seed gives different draws",
             "draw only from rng, not from np.random")
    other = call("simulate", f, n, pi, mu, sigma, np.random.default_rng(6), case=case)
    if np.array_equal(first, other):
        fail("simulate", "different generators give the same draws", "draw from the rng passed in")


TEXTBOOK = """
K, D = mu.shape
z = rng.choice(K, size=n_samples, p=pi)
x = np.zeros((n_samples, D))
for k in range(K):
    x[z == k] = rng.multivariate_normal(mu[k], sigma[k], size=np.sum(z == k))
"""

# Written against the course's skeleton (the seed): no rng, no labels, np.random.  Full marks.
SEED_CONTRACT = '''
def simulate(n_samples, pi, mu, sigma):
    z = np.random.choice(len(pi), size=n_samples, p=pi)
    x = np.zeros((n_samples, mu.shape[1]))
    for k in range(len(pi)):
        x[z == k] = np.random.multivariate_normal(mu[k], sigma[k], size=np.sum(z == k))
    return x
'''

SLIPS = [
    ("textbook", "size=n_samples, p=pi)", "size=n_samples)", "correctness",
     "simulate (K = 3, D = 2): component 0 drew 6"),
    ("solution", "@ L.T", "@ sigma[k]", "correctness",
     "- multiply by the Cholesky factor L of sigma[k] (sigma = L L^T), not by sigma[k]"),
    ("solution", "@ L.T", "@ L", "correctness", "- use eps @ L.T, not eps @ L (sigma = L L^T)"),
    ("solution", "z = rng.choice(", "z = np.random.choice(", "correctness",
     "simulate: the same seed gives different draws - draw only from rng, not from np.random"),
    ("textbook", "rng.", "np.random.", "correctness",
     "simulate: does not draw from the rng it was given - use the rng you were given"),
    ("solution", "eps = rng.standard_normal((n_samples, D))",
     "eps = np.tile(rng.standard_normal(D), (n_samples, 1))",
     "correctness",
     "simulate (K = 3, D = 2): the samples of component 0 are all the same point - every sample of "
     "a component gets the same noise: draw eps for each sample, "
     "rng.standard_normal((n_samples, D))"),
]

"""The manual demo: ``demo = ManualDemo(x, pi0, mu0, sigma0, e_step, ll)``, then one EM step per
run of a cell (the E-step into ``demo.r``, the M-step into ``demo.pi``, ``demo.mu``,
``demo.sigma``, then ``demo.show()``), drawn in place.  Its own state: cells further down do not
disturb it."""

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from helpers.plotting import DPI, make_plot


class ManualDemo:
    def __init__(self, x, pi, mu, sigma, e_step, ll):
        self.x, self._ll = x, ll
        self.pi, self.mu, self.sigma = pi, mu, sigma
        self.r = e_step(x, pi, mu, sigma)
        self.step, self.ll, self.converged = 0, ll(x, pi, mu, sigma), False
        self._drawn = self._state()
        # 756 x 418 CSS px, so that this figure and the step cell below it fit on a 720p screen
        # together
        self.fig, self.ax = plt.subplots(figsize=(756 / DPI, 418 / DPI), dpi=DPI,
                                         layout="constrained")
        plt.close(self.fig)  # shown by display() below, not by itself
        self.view = display(self._draw(), display_id=True)

    def _state(self):
        return [np.array(a, dtype=float) for a in (self.r, self.pi, self.mu, self.sigma)]

    def _draw(self):
        self.ax.clear()
        note = "\n(converged: this is what run_em does in a loop)" if self.converged else ""
        make_plot(self.x, self.r, self.mu, self.sigma, ax=self.ax,
                  title=f"manual step {self.step}: ℓ = {self.ll:.4f}{note}")
        return self.fig

    def show(self):
        """Count the step just made and redraw; raise if the step changed nothing."""
        state = self._state()
        # False if the shapes differ
        if all(np.array_equal(a, b) for a, b in zip(state, self._drawn)):
            raise ValueError("the demo's state did not change: "
                             "assign the E-step's result to demo.r, and "
                             "the M-step's to demo.pi, demo.mu, demo.sigma")
        before = self.ll
        self.step += 1
        self.ll = self._ll(self.x, self.pi, self.mu, self.sigma)
        self.converged = self.ll - before < 1e-6  # run_em's stopping test
        self._drawn = state
        self.view.update(self._draw())

"""Helpers for the EM notebook (nb07_em.ipynb): figures, input checks, the exercise checks, a loader.

- plotting: figures (and animation: the player);
- validate: the input checks every EM function calls first;
- checks: `check("e_step")`, the one-line checks after each exercise (one module per exercise);
- demo: the manual demo's figure, one EM step per run of a cell;
- nbload: loads the notebook's functions for the tests.

The EM maths itself lives in the notebook only; nothing here fits a model.
"""

from helpers.animation import animate_em, animation_html
from helpers.checks import check
from helpers.demo import ManualDemo
from helpers.nbload import load_notebook
from helpers.plotting import (
    COLORS,
    LINESTYLES,
    MARKERS,
    SIGMA_LEVELS,
    add_cov_ellipses,
    default_limits,
    draw_component,
    ellipse_params,
    figure_alt_text,
    find_plateau,
    make_plot,
    params_table,
    plot_bic,
    plot_data_vs_simulated,
    plot_ll,
    plot_panels,
    plot_snapshots,
    scatter_figure,
    use_class_style,
)

__all__ = [
    "ManualDemo",
    "COLORS",
    "LINESTYLES",
    "MARKERS",
    "SIGMA_LEVELS",
    "add_cov_ellipses",
    "animate_em",
    "animation_html",
    "check",
    "default_limits",
    "draw_component",
    "ellipse_params",
    "figure_alt_text",
    "find_plateau",
    "load_notebook",
    "make_plot",
    "params_table",
    "plot_bic",
    "plot_data_vs_simulated",
    "plot_ll",
    "plot_panels",
    "plot_snapshots",
    "scatter_figure",
    "use_class_style",
]

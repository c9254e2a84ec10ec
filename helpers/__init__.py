"""Plotting helpers for the EM notebook (nb07_em.ipynb), and a loader for its EM functions.

The EM maths itself lives in the notebook only; nothing here fits a model.
"""

from helpers.animation import animate_em, animation_html
from helpers.nbload import load_notebook
from helpers.plotting import (
    COLORS,
    SIGMA_LEVELS,
    add_cov_ellipses,
    default_limits,
    draw_component,
    ellipse_params,
    make_plot,
    params_table,
    plot_ll,
    plot_snapshots,
    use_class_style,
)

__all__ = [
    "COLORS",
    "SIGMA_LEVELS",
    "add_cov_ellipses",
    "animate_em",
    "animation_html",
    "default_limits",
    "draw_component",
    "ellipse_params",
    "load_notebook",
    "make_plot",
    "params_table",
    "plot_ll",
    "plot_snapshots",
    "use_class_style",
]

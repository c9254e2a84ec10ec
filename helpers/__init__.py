"""Plotting helpers for the EM notebook (nb07_em.ipynb), and a loader for its EM functions.

The EM maths itself lives in the notebook only; nothing here fits a model.
"""

from helpers.nbload import load_notebook
from helpers.plotting import (
    COLORS,
    LINESTYLES,
    MARKERS,
    SIGMA_LEVELS,
    add_cov_ellipses,
    animate_em,
    animation_html,
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
    "COLORS",
    "LINESTYLES",
    "MARKERS",
    "SIGMA_LEVELS",
    "add_cov_ellipses",
    "animate_em",
    "animation_html",
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

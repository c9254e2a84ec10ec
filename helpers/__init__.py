"""Helpers for the EM notebook (nb07_em.ipynb); the EM maths itself lives in the notebook only.

plotting: the figures; animation: the script-free player; demo: the manual demo, one EM step
per run of a cell; validate: the input checks every EM function calls first; checks: the
one-line checks after each exercise, `check("e_step")`; nbload: the notebook's functions for the tests.
"""

from helpers.animation import animate_em, animation_html
from helpers.checks import check
from helpers.demo import ManualDemo
from helpers.nbload import load_notebook
from helpers.plotting import (COLORS, LINESTYLES, MARKERS, SIGMA_LEVELS, add_cov_ellipses, default_limits,
                              draw_component, ellipse_params, figure_alt_text, find_plateau, make_plot,
                              params_table, plot_bic, plot_data_vs_simulated, plot_ll, plot_panels,
                              plot_snapshots, use_class_style)

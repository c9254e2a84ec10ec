"""Helpers for nb07_em.ipynb: figures (plotting, animation), the manual demo, input checks (validate),
the exercises' checks (checks), a loader of the notebook's functions (nbload).  No EM maths here."""

from helpers.animation import animate_em, animation_html
from helpers.demo import ManualDemo
from helpers.nbload import load_notebook
from helpers.plotting import (COLORS, LINESTYLES, MARKERS, SIGMA_LEVELS, add_cov_ellipses, default_limits,
                              draw_component, figure_alt_text, find_plateau, make_plot,
                              params_table, plot_bic, plot_data_vs_simulated, plot_ll, plot_panels,
                              plot_snapshots, use_class_style)

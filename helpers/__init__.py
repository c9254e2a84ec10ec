"""Helpers for nb07_em.ipynb: figures (plotting, animation), the manual demo, input checks
(validate), the exercises' checks (checks), a loader of the notebook's functions (nbload).  No EM
maths here.

Importing it limits the numerical libraries to one thread each (see `one_thread_each`).
"""

import os

# Libraries loaded from here on read these when they start (OpenMP: scikit-learn; OpenBLAS, MKL).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def one_thread_each():
    """Limit every BLAS and OpenMP library loaded so far to one thread (threadpoolctl).

    The arrays of this course are small (5000 x 2): a second thread makes no product faster, and
    a thread that waits for a core another program holds makes every product slower.  The
    environment variables above do the same for libraries loaded later.  A limit the user set
    (OMP_NUM_THREADS and the like) is kept."""
    from threadpoolctl import threadpool_limits
    if not any(os.environ.get(v, "1") != "1"
               for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")):
        threadpool_limits(1)


one_thread_each()

from helpers.animation import animate_em, animation_html
from helpers.demo import ManualDemo
from helpers.nbload import load_notebook
from helpers.plotting import (COLORS, LINESTYLES, MARKERS, SIGMA_LEVELS, add_cov_ellipses,
                              default_limits, draw_component, figure_alt_text, find_plateau,
                              make_plot, params_table, plot_bic, plot_data_vs_simulated, plot_ll,
                              plot_panels, plot_snapshots, use_class_style)

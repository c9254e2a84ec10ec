# Configuration of every IPython kernel that .venv starts (`make` copies this file to
# .venv/etc/ipython/, where IPython looks for it): the notebook under `make run`, `make
# execute`, the tests and grading.
#
# Since ipykernel 7.4 a kernel started over TCP without CurveZMQ keys logs, on every start,
# "Kernel is running over TCP without encryption ...".  These kernels listen on 127.0.0.1
# only, and the warning lands in the terminal of every export and test run, so that one
# message is dropped; the kernel's other log messages are kept.
import logging

logging.getLogger("IPKernelApp").addFilter(
    lambda record: "Kernel is running over TCP without encryption" not in record.getMessage())

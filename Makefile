# One entry point for people and CI.  `make run` and `make test` need only Python 3.11,
# 3.12, 3.13, 3.14 or 3.15; `make PYTHON=python3.12 test` picks one that is not called `python3`.
#
#   PYTHON     the interpreter that builds .venv.  It is checked before anything is built,
#              and a .venv built by another interpreter is thrown away and rebuilt.
#   STAMP      $(VENV)/.student: the student set is installed (requirements.txt): enough to run
#              the notebook.  `run` and `lab` need it.
#   DEV_STAMP  $(VENV)/.dev: the dev set is installed on top (requirements-dev.txt): tests,
#              grading and instructor tools.  `test` and every target that calls pytest or
#              nbgrader need it.
#   BROWSER_STAMP  $(VENV)/.browser: the browser set on top of that (requirements-browser.txt,
#              playwright): only the targets that drive Chromium through it need it.
#   TOOLS      build/tools/: uv and nox (requirements-tools.txt), for `make lock` and
#              `make matrix` only, apart from .venv.
# A failed install removes .venv, so no half-built environment is left behind.
PYTHON    ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
PIP       := $(BIN)/python -m pip
PY_STAMP  := $(VENV)/.python
STAMP     := $(VENV)/.student
DEV_STAMP := $(VENV)/.dev
BROWSER_STAMP := $(VENV)/.browser
NB        := nb07_em.ipynb
SUPPORTED := 3.11 3.12 3.13 3.14 3.15
# Find the kernel that ships with the venv's ipykernel before any other "python3" kernel.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export JUPYTER_PLATFORM_DIRS := 1
# pip's notice that a newer pip exists says nothing about this project.
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup setup-dev test test-all test-slow run lab student grade course mutants slides \
        test-browser bench data execute lock matrix clean FORCE

help:
	@echo "make run      set up .venv if needed, execute $(NB) headless, write build/nb07_em.html"
	@echo "make test     set up .venv with the test tools if needed; unit tests, checks, grading," \
	  "nbval (~75 s)"
	@echo "make test-all make test, then the slow tests and the browser tests (what CI runs)"
	@echo "make lab      open the notebook in JupyterLab"
	@echo "make student  write the student edition (nbgrader's release) to build/student/"
	@echo "make grade NOTEBOOK=f  points per function for a submission, as nbgrader gives them"
	@echo "make course   nbgrader course in build/course: release, autograde, feedback"
	@echo "make mutants  generated slips of every answer: what the notebook's checks and grading catch"
	@echo "make slides   offline reveal.js slides in build/slides/nb07_em.slides.html"
	@echo "make test-browser  JupyterLab, the handout and the slides in headless Chromium"
	@echo "make bench    time one EM iteration against scikit-learn, and Run All, idle and beside" \
	  "busy loops"
	@echo "make execute  re-run $(NB) in place (Restart & Run All) to refresh its stored outputs"
	@echo "make data     regenerate data/gmm.csv from data/gmm_true.json"
	@echo "make lock     regenerate the requirements-*.txt locks from the .in files with uv" \
	  "(UPGRADE=1: newest versions)"
	@echo "make matrix   run the tests on every supported Python found and on other package" \
	  "versions (nox)"
	@echo "make clean    remove build/, caches and .venv (the next make rebuilds .venv)"

# ---------------------------------------------------------------------------------------
# The environment.

# What `python -c "$(PROBE)"` prints identifies an interpreter: "3.12.1 /usr/local".
PROBE := import sys; print("%d.%d.%d %s" % (sys.version_info[:3] + (sys.base_prefix,)))
# Run once, on first use: PYTHON's identity, or nothing when it does not run.
PY_ID = $(eval PY_ID := $(shell $(PYTHON) -c '$(PROBE)' 2>/dev/null))$(PY_ID)
PY_VERSION = $(firstword $(PY_ID))
PY_MISSING = '$(PYTHON)' does not run: install Python 3.11 to 3.15 (python.org), then run \
  make $(MAKECMDGOALS) PYTHON=python3.14 (or the one you installed)
PY_UNSUPPORTED = Python $(PY_VERSION) ('$(PYTHON)') is not supported: install Python 3.11 to \
  3.15 (python.org), then run make $(MAKECMDGOALS) PYTHON=python3.14 (or the one you installed)
PY_PROBLEM = $(if $(PY_VERSION),$(PY_UNSUPPORTED),$(PY_MISSING))
# Stops make with one line, before anything is built, unless PYTHON is supported.
check_python = $(if $(filter $(SUPPORTED),$(basename $(PY_VERSION))),,$(error $(PY_PROBLEM)))

# Always checked, and written only when .venv is built (or has none), so that the stamps
# below are remade only then.  A .venv whose python is not PYTHON's (another version, or
# one that no longer runs) is removed first.
$(PY_STAMP): FORCE
	$(check_python)
	@have="$$($(BIN)/python -c '$(PROBE)' 2>/dev/null)"; \
	if [ "$$have" != "$(PY_ID)" ]; then \
	  if [ -n "$$have" ]; then echo "rebuilding $(VENV) with Python $(PY_VERSION)" \
	    "(it was built by Python $${have%% *})"; \
	  elif [ -e $(VENV) ]; then echo "rebuilding $(VENV) with Python $(PY_VERSION)" \
	    "(its python does not run)"; fi; \
	  rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) \
	    || { rm -rf $(VENV); echo "could not create $(VENV) with '$(PYTHON) -m venv'" \
	         "(on Debian or Ubuntu: apt install python3-venv)"; exit 1; }; \
	  echo "$(PY_ID)" > $@; \
	elif [ ! -f $@ ]; then echo "$(PY_ID)" > $@; fi

# For install recipes: `stage WHAT COMMAND...` prints "  WHAT ... ", runs COMMAND and ends
# the line with the seconds it took, so that a long install shows where it is.
STAGE = stage() { printf '  %s ... ' "$$1"; t=$$(date +%s); shift; \
  "$$@" || { s=$$?; echo; return $$s; }; echo "$$(( $$(date +%s) - t )) s"; }
FAILED = { rm -rf $(VENV); echo "installing $(1) failed (see above); removed $(VENV)"; exit 1; }

# Reinstalled only when a requirements file changes.  The numerical packages come first,
# pinned by requirements.txt, then the rest of it.  Importing pyplot once builds
# matplotlib's font cache here, so its one-off message never lands in a notebook cell.
# The kernel configuration drops ipykernel's warning about TCP without encryption; JupyterLab's
# settings overrides wrap long code lines, so that nothing is cut in Presentation Mode.
$(STAMP): $(PY_STAMP) requirements.txt instructor/kernel/ipython_kernel_config.py \
          instructor/lab/overrides.json
	@echo "installing the student set into $(VENV) (Python $(PY_VERSION)), in 3 stages:"
	@$(STAGE); \
	stage "1/3 numpy, scipy, matplotlib" \
	  $(PIP) install --quiet -c requirements.txt numpy scipy matplotlib \
	&& stage "2/3 JupyterLab, nbconvert and the rest of requirements.txt" \
	  $(PIP) install --quiet -r requirements.txt \
	&& stage "3/3 matplotlib's font cache" $(BIN)/python -c "import matplotlib.pyplot" \
	|| $(call FAILED,requirements.txt)
	@mkdir -p $(VENV)/etc/ipython && cp instructor/kernel/ipython_kernel_config.py $(VENV)/etc/ipython/
	@mkdir -p $(VENV)/share/jupyter/lab/settings \
	  && cp instructor/lab/overrides.json $(VENV)/share/jupyter/lab/settings/
	@touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.txt pyproject.toml
	@echo "installing the dev set into $(VENV):"
	@$(STAGE); stage "scikit-learn, pytest, nbval, nbgrader and the rest (requirements-dev.txt)" \
	  $(PIP) install --quiet -r requirements-dev.txt \
	&& stage "this project, editable: helpers and instructor (pyproject.toml)" \
	  $(PIP) install --quiet --no-deps --editable . \
	|| $(call FAILED,requirements-dev.txt)
	@touch $@

$(BROWSER_STAMP): $(DEV_STAMP) requirements-browser.txt
	@echo "installing the browser set into $(VENV):"
	@$(STAGE); stage "playwright (requirements-browser.txt)" \
	  $(PIP) install --quiet -r requirements-browser.txt \
	|| $(call FAILED,requirements-browser.txt)
	@touch $@

setup: $(STAMP)
setup-dev: $(DEV_STAMP)

# uv and nox, for `make lock` and `make matrix`: in their own environment, never in .venv.
TOOLS       := build/tools
TOOLS_STAMP := $(TOOLS)/.installed
$(TOOLS_STAMP): requirements-tools.txt
	$(check_python)
	@echo "installing uv and nox into $(TOOLS) (requirements-tools.txt)"
	@rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS) \
	  && $(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.txt \
	  || { rm -rf $(TOOLS); echo "installing requirements-tools.txt failed (see above)"; exit 1; }
	@touch $@

FORCE:

# ---------------------------------------------------------------------------------------
# Running the notebook: the student set is enough.  Targets that only execute or export the
# notebook belong here, on $(STAMP).

# The handout: build/nb07_em.html, one file that works offline (formulas in MathML).
run: $(STAMP)
	$(BIN)/python -m instructor.export_html --execute $(NB) build

lab: $(STAMP)
	$(BIN)/jupyter lab $(NB)

# No timings stored, and each cell's printing in one stream output (the kernel splits it by
# timing), so that a re-run rewrites only the outputs that changed.
execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False \
	  --NotebookExporter.preprocessors=nbconvert.preprocessors.CoalesceStreamsPreprocessor $(NB)

data: $(STAMP)
	$(BIN)/python data/make_gmm.py

# ---------------------------------------------------------------------------------------
# Tests and instructor tools: the dev set on top.  Targets that call pytest, nbgrader or a
# browser (grading, the course folder, browser tests, ...) belong here, on $(DEV_STAMP).

# Two tiers.  `make test`, after a change: the unit tests, the graded checks on the notebook's
# answers, grading in its worker, and nbval re-running every cell.  `make test-all` adds the
# slow tests (marked slow: nbgrader round trips, the student edition, reproducibility, the
# manual demo in a live kernel, every figure of the notebook measured) and the browser tests.
# CI (.ci/run) runs `make test-all`.  noxfile.py runs `make test`'s command in every stack
# (TESTS there): change the two together.
# One test process per core (pytest-xdist), each test file whole in one of them, in order: the
# notebook's cells (nbval) share one kernel.  Most of a grading test is spent waiting for a
# kernel or a sandbox, which the other process uses.
test: $(DEV_STAMP)
	$(BIN)/python -m pytest -m "not slow" -n auto --dist loadfile

test-all: test test-slow test-browser

test-slow: $(DEV_STAMP)
	$(BIN)/python -m pytest -m slow

# The student edition is what nbgrader releases: build/student/, the notebook with data/ and
# helpers/.
student: $(DEV_STAMP)
	$(BIN)/python -m instructor.course --student build/student/$(NB)

# Points per function for one submission, as nbgrader's autograde gives them.
grade: $(DEV_STAMP)
	@test -n "$(NOTEBOOK)" || { echo "usage: make grade NOTEBOOK=path/to/submission.ipynb"; exit 2; }
	@$(BIN)/python -m instructor.grade "$(NOTEBOOK)"

# An nbgrader course in build/course: release, autograde (the solution, or SUBMISSIONS), feedback.
course: $(DEV_STAMP)
	$(BIN)/python -m instructor.course $(SUBMISSIONS)

# Hundreds of mutants of the answers (instructor/mutants.py), each through the student edition's
# check and the grader: each exercise's kill rate, the survivors and the equivalent mutants.
mutants: $(DEV_STAMP)
	$(BIN)/python -m instructor.mutants

# Slides: reveal.js from the npm registry, pinned by instructor/slides/package-lock.json
# and installed again only when that changes.
SLIDES := build/slides
$(SLIDES)/node_modules/.installed: instructor/slides/package.json \
                                   instructor/slides/package-lock.json
	mkdir -p $(SLIDES)
	cp instructor/slides/package.json instructor/slides/package-lock.json $(SLIDES)/
	cd $(SLIDES) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

slides: $(STAMP) $(SLIDES)/node_modules/.installed
	$(BIN)/python -m instructor.make_slides $(NB) $(SLIDES)

# Real JupyterLab in headless Chromium (Debian's chromium): Run All, the manual demo, the
# player, every figure's size, the exported page and the slides.  About two minutes.
test-browser: $(BROWSER_STAMP) slides
	BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_em.py
	$(BIN)/python benchmarks/bench_runall.py

# The tests on every supported Python and on the other stacks of noxfile.py: one nox
# session each, with a fresh environment (slow; not part of `make test`).  Pythons that are
# not installed are skipped; `make matrix SESSIONS="lock-3.12 hosted"` runs only those.
SESSIONS ?=
matrix: $(TOOLS_STAMP)
	$(TOOLS)/bin/nox $(if $(SESSIONS),--sessions $(SESSIONS))

# ---------------------------------------------------------------------------------------
# Regenerating the locks with uv: one lock per set, valid on every supported Python (uv's
# universal resolution: where the newest version of a package needs a newer Python, the
# lock pins one version per range of Pythons, with a marker).  The dev set is resolved with
# the student pins as constraints, the browser set with the dev pins, so that all agree.
# Pins already in a lock are kept where the .in files allow; UPGRADE=1 takes the newest.
# Then every pin is checked to have a wheel on each supported Python, on Linux, macOS
# (Apple silicon and Intel) and Windows, so that no student needs a compiler.
UPGRADE ?=
COMPILE = $(TOOLS)/bin/uv pip compile --quiet --custom-compile-command "make lock"
UNIVERSAL = --universal --python-version $(firstword $(SUPPORTED)) $(if $(UPGRADE),--upgrade)
WHEEL_PLATFORMS := x86_64-manylinux_2_28 aarch64-apple-darwin x86_64-apple-darwin \
                   x86_64-pc-windows-msvc
LOCKS := requirements.txt requirements-dev.txt requirements-browser.txt
NEW   := build/lock
# $(call LOCK,SET,LOCKS BENEATH): SET.txt from SET.in.  uv writes it in $(NEW)/, starting from
# the current pins, and it replaces SET.txt only if it changed, so that an unchanged lock
# reinstalls nothing.  A set with locks beneath it is constrained by them, leaves out their
# packages and starts with `-r` of the first of them, so that installing it alone works.
LOCK = mkdir -p $(NEW) && grep -v '^-r ' $(1).txt > $(NEW)/$(1).txt 2>/dev/null; \
	$(COMPILE) $(UNIVERSAL) $(1).in $(addprefix -c ,$(2)) $(if $(2),$(call NOT_AGAIN,$(2))) \
	  -o $(NEW)/$(1).txt \
	&& { $(if $(2),echo "-r $(firstword $(2))";) cat $(NEW)/$(1).txt; } > $(NEW)/$(1).new \
	&& { cmp -s $(NEW)/$(1).new $(1).txt || cp $(NEW)/$(1).new $(1).txt; }
NOT_AGAIN = $$(sed -n 's/^\([A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' $(1))

lock: $(TOOLS_STAMP)
	@$(call LOCK,requirements)
	@$(call LOCK,requirements-dev,requirements.txt)
	@$(call LOCK,requirements-browser,requirements-dev.txt requirements.txt)
	@$(call LOCK,requirements-tools)
	@for version in $(SUPPORTED); do for platform in $(WHEEL_PLATFORMS); do \
	  $(COMPILE) --no-header --python-version $$version --python-platform $$platform \
	    --only-binary :all: $(LOCKS:.txt=.in) $(addprefix -c ,$(LOCKS)) -o /dev/null \
	  || { echo "a pin above has no wheel for Python $$version on $$platform"; exit 1; }; \
	done; done; \
	echo "locks written; every pin has a wheel for Python $(SUPPORTED) on" "$(WHEEL_PLATFORMS)"

clean:
	rm -rf build .pytest_cache .hypothesis .nox $(VENV)

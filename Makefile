# One entry point for people and CI.  `make run` and `make test` need only Python 3.11,
# 3.12 or 3.13; `make PYTHON=python3.12 test` picks one that is not called `python3`.
#
#   PYTHON     the interpreter that builds .venv.  It is checked before anything is built,
#              and a .venv built by another interpreter is thrown away and rebuilt.
#   STAMP      $(VENV)/.student: the student set is installed (requirements.txt, then
#              requirements-nodeps.txt): enough to run the notebook.  `run` and `lab` need it.
#   DEV_STAMP  $(VENV)/.dev: the dev set is installed on top (requirements-dev.txt): tests,
#              grading and instructor tools.  `test` and every target that calls pytest or
#              nbgrader need it.
# A failed install removes .venv, so no half-built environment is left behind.
PYTHON    ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
PIP       := $(BIN)/python -m pip
PY_STAMP  := $(VENV)/.python
STAMP     := $(VENV)/.student
DEV_STAMP := $(VENV)/.dev
NB        := nb07_em.ipynb
SUPPORTED := 3.11 3.12 3.13
# Find the kernel that ships with the venv's ipykernel before any other "python3" kernel.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export JUPYTER_PLATFORM_DIRS := 1

.PHONY: help setup setup-dev test run lab student grade course slides test-browser bench data execute lock matrix clean FORCE

help:
	@echo "make run      set up .venv if needed, execute $(NB) headless, write build/nb07_em.html"
	@echo "make test     set up .venv with the test tools if needed, run the unit tests and nbval on $(NB)"
	@echo "make lab      open the notebook in JupyterLab"
	@echo "make student  write the student edition (nbgrader's release) to build/student/"
	@echo "make grade NOTEBOOK=f  points per function for a submission, as nbgrader gives them"
	@echo "make course   nbgrader course in build/course: release, autograde, feedback"
	@echo "make slides   offline reveal.js slides in build/slides/nb07_em.slides.html"
	@echo "make test-browser  JupyterLab, the handout and the slides in headless Chromium"
	@echo "make bench    time one EM iteration against scikit-learn and a textbook loop"
	@echo "make execute  re-run $(NB) in place (Restart & Run All) to refresh its stored outputs"
	@echo "make data     regenerate data/gmm.csv from data/gmm_true.json"
	@echo "make lock     regenerate requirements.txt and requirements-dev.txt from the .in files"
	@echo "make matrix   run the tests on every Python under pyenv and on other package versions"
	@echo "make clean    remove build/, caches and .venv (the next make rebuilds .venv)"

# ---------------------------------------------------------------------------------------
# The environment.

# What `python -c "$(PROBE)"` prints identifies an interpreter: "3.12.1 /usr/local".
PROBE := import sys; print("%d.%d.%d %s" % (sys.version_info[:3] + (sys.base_prefix,)))
# Run once, on first use: PYTHON's identity, or nothing when it does not run.
PY_ID = $(eval PY_ID := $(shell $(PYTHON) -c '$(PROBE)' 2>/dev/null))$(PY_ID)
PY_VERSION = $(firstword $(PY_ID))
PY_MISSING = '$(PYTHON)' does not run: install Python 3.11, 3.12 or 3.13 (python.org), then run make $(MAKECMDGOALS) PYTHON=python3.12 (or the one you installed)
PY_UNSUPPORTED = Python $(PY_VERSION) ('$(PYTHON)') is not supported: install Python 3.11, 3.12 or 3.13 (python.org), then run make $(MAKECMDGOALS) PYTHON=python3.12 (or the one you installed)
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
	  if [ -n "$$have" ]; then echo "rebuilding $(VENV) with Python $(PY_VERSION) (it was built by Python $${have%% *})"; \
	  elif [ -e $(VENV) ]; then echo "rebuilding $(VENV) with Python $(PY_VERSION) (its python does not run)"; fi; \
	  rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) \
	    || { rm -rf $(VENV); echo "could not create $(VENV) with '$(PYTHON) -m venv' (on Debian or Ubuntu: apt install python3-venv)"; exit 1; }; \
	  echo "$(PY_ID)" > $@; \
	elif [ ! -f $@ ]; then echo "$(PY_ID)" > $@; fi

# Reinstalled only when a requirements file changes.  Importing pyplot once builds
# matplotlib's font cache here, so its one-off message never lands in a notebook cell.
$(STAMP): $(PY_STAMP) requirements.txt requirements-nodeps.txt
	@echo "installing the student set into $(VENV) (requirements.txt)"
	@$(PIP) install --quiet -r requirements.txt \
	  && $(PIP) install --quiet --no-deps -r requirements-nodeps.txt \
	  && $(BIN)/python -c "import matplotlib.pyplot" \
	  || { rm -rf $(VENV); echo "installing requirements.txt failed (see above); removed $(VENV)"; exit 1; }
	@touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	@echo "installing the dev set into $(VENV) (requirements-dev.txt)"
	@$(PIP) install --quiet -r requirements-dev.txt \
	  || { rm -rf $(VENV); echo "installing requirements-dev.txt failed (see above); removed $(VENV)"; exit 1; }
	@touch $@

setup: $(STAMP)
setup-dev: $(DEV_STAMP)

FORCE:

# ---------------------------------------------------------------------------------------
# Running the notebook: the student set is enough.  Targets that only execute or export the
# notebook belong here, on $(STAMP).

# The handout: build/nb07_em.html, one file that works offline (formulas in MathML).
run: $(STAMP)
	$(BIN)/python scripts/export_html.py --execute $(NB) build

lab: $(STAMP)
	$(BIN)/jupyter lab $(NB)

execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $(NB)

data: $(STAMP)
	$(BIN)/python data/make_gmm.py

# ---------------------------------------------------------------------------------------
# Tests and instructor tools: the dev set on top.  Targets that call pytest, nbgrader or a
# browser (grading, the course folder, browser tests, ...) belong here, on $(DEV_STAMP).

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

# The student edition is what nbgrader releases: build/student/, the notebook with data/ and helpers/.
student: $(DEV_STAMP)
	$(BIN)/python scripts/make_student.py $(NB) build/student/$(NB)

# Points per function for one submission, as nbgrader's autograde gives them.
grade: $(DEV_STAMP)
	@test -n "$(NOTEBOOK)" || { echo "usage: make grade NOTEBOOK=path/to/submission.ipynb"; exit 2; }
	@$(BIN)/python scripts/grade.py "$(NOTEBOOK)"

# An nbgrader course in build/course: release, autograde (the solution, or SUBMISSIONS), feedback.
course: $(DEV_STAMP)
	$(BIN)/python scripts/course.py $(SUBMISSIONS)

# Slides: reveal.js from the npm registry, pinned by scripts/slides/package-lock.json
# and installed again only when that changes.
SLIDES := build/slides
$(SLIDES)/node_modules/.installed: scripts/slides/package.json scripts/slides/package-lock.json
	mkdir -p $(SLIDES)
	cp scripts/slides/package.json scripts/slides/package-lock.json $(SLIDES)/
	cd $(SLIDES) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

slides: $(STAMP) $(SLIDES)/node_modules/.installed
	$(BIN)/python scripts/make_slides.py $(NB) $(SLIDES)

# Real JupyterLab in headless Chromium (Debian's chromium): Run All, the manual demo, the
# player, every figure's size, the exported page and the slides.  About two minutes.
test-browser: $(DEV_STAMP) slides
	BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_em.py
	$(BIN)/python benchmarks/bench_runall.py

# Pythons and package versions other than the lock, each in a clean copy under build/matrix/.
# Slow (a fresh environment per stack); not part of `make test`.
matrix:
	$(check_python)
	$(PYTHON) scripts/matrix.py

# ---------------------------------------------------------------------------------------
# Regenerating the locks, in a fresh environment: the student set first, then the dev set
# on top of it with the student pins as constraints, so that the two files agree.  Pins
# already in the files are kept where the .in files allow; delete a line to upgrade it.
LOCK_VENV := build/lock-venv
LOCK_PIP  := $(LOCK_VENV)/bin/python -m pip
DEV_PINS   = $(if $(wildcard requirements-dev.txt),-c requirements-dev.txt)

lock:
	$(check_python)
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_PIP) install --quiet -r requirements.in -c requirements.txt
	{ echo "# The student set, every package pinned: generated from requirements.in by \`make lock\`"; \
	  echo "# (Python $(PY_VERSION)).  Install requirements-nodeps.txt after it, with --no-deps."; \
	  $(LOCK_PIP) freeze; } > requirements.txt.tmp
	mv requirements.txt.tmp requirements.txt
	$(LOCK_PIP) install --quiet -r requirements-dev.in -c requirements.txt $(DEV_PINS)
	{ echo "# The dev set, every package pinned beyond requirements.txt: generated from"; \
	  echo "# requirements-dev.in by \`make lock\` (Python $(PY_VERSION))."; \
	  echo "-r requirements.txt"; \
	  $(LOCK_PIP) freeze --all --exclude pip | grep -vxF -f requirements.txt; } > requirements-dev.txt.tmp
	mv requirements-dev.txt.tmp requirements-dev.txt
	rm -rf $(LOCK_VENV)

clean:
	rm -rf build .pytest_cache .hypothesis $(VENV)

# One entry point for people and CI.  `make test` and `make run` need only python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NB     := nb07_em.ipynb
# Find the kernel that ships with the venv's ipykernel before any other "python3" kernel.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export JUPYTER_PLATFORM_DIRS := 1

.PHONY: help setup test run lab student bench data execute lock clean

help:
	@echo "make test     set up .venv if needed, run the unit tests and nbval on $(NB)"
	@echo "make run      set up .venv if needed, execute $(NB) headless, write build/nb07_em.html"
	@echo "make lab      open the notebook in JupyterLab"
	@echo "make student  write the student edition to build/student/$(NB)"
	@echo "make bench    time one EM iteration against scikit-learn and a textbook loop"
	@echo "make execute  re-run $(NB) in place (Restart & Run All) to refresh its stored outputs"
	@echo "make data     regenerate data/gmm.csv from data/gmm_true.json"

setup: $(STAMP)

# Reinstall only when requirements.txt changes.  Importing pyplot once builds
# matplotlib's font cache here, so its one-off message never lands in a notebook cell.
$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest

run: $(STAMP)
	mkdir -p build
	$(BIN)/jupyter nbconvert --to html --execute $(NB) --output-dir build

lab: $(STAMP)
	$(BIN)/jupyter lab $(NB)

student: $(STAMP)
	$(BIN)/python scripts/make_student.py $(NB) build/student/$(NB)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_em.py
	$(BIN)/python benchmarks/bench_runall.py

execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $(NB)

data: $(STAMP)
	$(BIN)/python data/make_gmm.py

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements.in
	{ sed -n '1,2p' requirements.txt; $(BIN)/python -m pip freeze; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.txt

clean:
	rm -rf build .pytest_cache

# `make test` and `make demo` create .venv from the exact pins when needed
# (a stamp file makes the set-up a no-op when nothing changed), then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
STAMP := $(VENV)/.mmprp-installed
PYTEST_ARGS ?=

LINT_PATHS := mmprp tools demo benchmarks tests configs setup.py

.PHONY: setup lint format test test-fast demo gpu-check clean

$(STAMP): requirements/ci.txt requirements/runtime.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/ci.txt
	$(PIP) --no-deps --no-build-isolation -e .
	$(PY) -m mmprp.utils.mmaction_compat
	touch $@

setup: $(STAMP)

# OpenMMLab's lint (setup.cfg): flake8, isort and yapf must find nothing
lint: $(STAMP)
	$(VENV)/bin/flake8 $(LINT_PATHS)
	$(VENV)/bin/isort --check-only --diff $(LINT_PATHS)
	$(VENV)/bin/yapf --diff --recursive $(LINT_PATHS)

format: $(STAMP)
	$(VENV)/bin/isort $(LINT_PATHS)
	$(VENV)/bin/yapf --in-place --recursive $(LINT_PATHS)

test: lint
	$(PY) -m pytest $(PYTEST_ARGS) tests

# the development loop: every test not marked slow (pytest.ini), no lint
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS) tests

demo: $(STAMP)
	$(PY) -m demo

# on one CUDA GPU: step times, memory, decoder fusion, data loading, DDP
# (docs/performance.md, "GPU check"); GPU_CHECK_ARGS="--device cpu --quick"
# checks the tool on a CPU
GPU_CHECK_ARGS ?=
gpu-check: $(STAMP)
	$(PY) tools/gpu_check.py $(GPU_CHECK_ARGS)

clean:
	rm -rf $(VENV) work_dirs

# `make test` and `make demo` create .venv from the exact pins when needed
# (a stamp file makes the set-up a no-op when nothing changed), then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
STAMP := $(VENV)/.mmprp-installed
PYTEST_ARGS ?=

.PHONY: setup test demo clean

$(STAMP): requirements/ci.txt requirements/runtime.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/ci.txt
	$(PIP) --no-deps --no-build-isolation -e .
	$(PY) -m mmprp.utils.mmaction_compat
	touch $@

setup: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS) tests

demo: $(STAMP)
	$(PY) -m demo

clean:
	rm -rf $(VENV) work_dirs

# revsync — every target bootstraps what it needs. Run `make help` for the list.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install demo test lint bench clean db-start db-stop

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "revsync needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# uv resolves and installs the pinned set in seconds; pip would take about half a minute.
	@$(PY) -m pip install --quiet --disable-pip-version-check uv 2>/dev/null || true
	@# If uv is missing or cannot reach the index (proxy, certificates), pip does the same work.
	@if [ -x $(VENV)/bin/uv ] && $(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode -e ".[dev]"; then \
		true; \
	else \
		echo "uv unavailable; installing with pip"; \
		$(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -e ".[dev]" && $(PY) -m compileall -q $(VENV)/lib; \
	fi
	@touch $(INSTALLED)
	@echo "installed into $(VENV)"

install: $(INSTALLED)  ## create .venv and install revsync with its pinned dependencies

demo: install  ## database, sandbox, demo account, first sync, Dagster UI (Ctrl-C stops all)
	@$(VENV)/bin/revsync demo

test: install  ## bootstrap and run the whole test suite (real PostgreSQL, sandbox, dbt, Dagster)
	@$(PY) -m pytest $(PYTEST_ARGS); code=$$?; \
	if [ $$code -eq 5 ]; then echo "pytest collected no tests (exit 5); nothing failed"; exit 0; fi; \
	exit $$code

bench: install  ## benchmarks; figures go to bench/results/
	@$(PY) -m bench.sandbox

lint: install  ## ruff
	@$(VENV)/bin/ruff check .

db-start: install  ## start the embedded PostgreSQL
	@$(VENV)/bin/revsync db start

db-stop: install  ## stop the embedded PostgreSQL
	@$(VENV)/bin/revsync db stop

clean:  ## remove the venv and every local state (database included)
	-@test -x $(VENV)/bin/revsync && $(VENV)/bin/revsync db stop >/dev/null 2>&1
	rm -rf $(VENV) .revsync dbt_project/target dbt_project/logs

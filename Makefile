# revsync — every target bootstraps what it needs. Run `make help` for the list.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install lock demo test test-long lint bench clean db-start db-stop

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml requirements.lock scripts/install.sh
	@flock .install.lock scripts/install.sh $(PYTHON) $(VENV)

install: $(INSTALLED)  ## create .venv and install revsync with the locked dependency tree (requirements.lock)

lock:  ## re-resolve requirements.lock from pyproject.toml (every package pinned, with hashes)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# The pinned uv of scripts/install.sh, even where the install fell back to pip.
	@test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet "uv==$$(sed -n 's/^UV_VERSION=\([0-9.]*\).*/\1/p' scripts/install.sh)"
	@$(VENV)/bin/uv pip compile --quiet pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --output-file requirements.lock
	@echo "requirements.lock refreshed; the next make target installs it"

demo: install  ## database, sandbox, demo account, first sync, Dagster UI (Ctrl-C stops all)
	@$(VENV)/bin/revsync demo

test: install  ## bootstrap and run the whole test suite (real PostgreSQL, sandbox, dbt, Dagster)
	@$(PY) -m pytest $(PYTEST_ARGS); code=$$?; \
	if [ $$code -eq 5 ]; then echo "pytest collected no tests (exit 5): a run that tests nothing fails"; fi; \
	exit $$code

test-long: install  ## the soak variants of the fault tests (a two-minute outage, ...): minutes each
	@$(PY) -m pytest -m long $(PYTEST_ARGS)

QUICK ?=
bench: install  ## benchmarks (QUICK=1: under 5 minutes; full: under 30); see bench/README.md
	@$(PY) -m bench.sandbox $(if $(QUICK),--engagements 100000,)
	@$(PY) -m bench $(if $(QUICK),--quick,)

lint: install  ## ruff
	@$(VENV)/bin/ruff check .

db-start: install  ## start the embedded PostgreSQL
	@$(VENV)/bin/revsync db start

db-stop: install  ## stop the embedded PostgreSQL
	@$(VENV)/bin/revsync db stop

clean:  ## remove the venv and every local state (database included)
	-@test -x $(VENV)/bin/revsync && $(VENV)/bin/revsync db stop >/dev/null 2>&1
	@# As root in a private folder the database lives under /var/lib/revsync/, behind a symlink.
	-@test -L .revsync/pg && rm -rf "$$(readlink -f .revsync/pg)"
	rm -rf $(VENV) .revsync .install.lock dbt_project/target dbt_project/logs

# OpenOMS — `make run` starts the demo, `make test` runs every test. Both set up what they need
# (`make test` also builds QuickFIX into .venv-bench once, for the FIX interop tests: ~9 min,
# and installs Debian's chromium for the browser tests when it is missing).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# QuickFIX's Python package, an independent FIX engine: the interop tests' client and the FIX
# benchmark's reference. It lives in its own venv; the first install builds it from source
# (~9 minutes), pip's wheel cache makes later ones fast. QUICKFIX_PIP_ARGS may add e.g.
# --find-links DIR with a prebuilt wheel.
BENCH_VENV := .venv-bench
QUICKFIX_PIP_ARGS ?=
export OPENOMS_DATA_DIR ?= ./var

.PHONY: run test install lint typecheck bench clean services

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/openoms db upgrade
	$(BIN)/openoms serve --demo

services:
	@bash scripts/ensure-services.sh

$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet $(QUICKFIX_PIP_ARGS) quickfix==1.16.0
	touch $@

# The browser tests drive Debian's Chromium through Playwright (no Playwright browser download).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get install -y chromium || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

test: $(STAMP) $(BENCH_VENV)/.installed $(CHROMIUM) services
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_rest.py

.PHONY: bench-fix

bench-fix: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python bench/bench_fix.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) var .pytest_cache .mypy_cache .ruff_cache

# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run   installs Revalue and serves the demo on SQLite at http://127.0.0.1:8000
#   make test  installs what the tests need and runs lint, layering checks and the suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/revalue db upgrade
	$(BIN)/revalue demo --if-empty
	$(BIN)/revalue serve

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n auto

clean:
	rm -rf $(VENV) revalue.db revalue.db-wal revalue.db-shm

# hirebot — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_WORKERS ?= 2

.PHONY: run test test-moved-clock lint format typecheck bench clean

$(STAMP): pyproject.toml
	@echo "Installing hirebot and its dependencies into $(VENV) (the first time takes a few minutes)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)
	@echo "Installed."

## run: the console channel on SQLite (var/hirebot.db) with config.yaml
run: $(STAMP)
	$(BIN)/hirebot console

## lint: formatting, ruff, mypy and the layers (import-linter)
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy bot storage tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## test: lint, then the whole suite on SQLite and PostgreSQL
test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

## test-moved-clock: the suite with the wall clock a year ahead (DAYS=-365 for a year back)
DAYS ?= 365
test-moved-clock: $(STAMP)
	SUITE_CLOCK_SHIFT_DAYS=$(DAYS) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

## bench: benchmarks (not part of `make test`); see docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache

# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest fuzz bench console check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

run: $(STAMP)  ## run the bot (without a token: explains, and offers the offline console)
	$(BIN)/dramabot run --console-fallback

console: $(STAMP)  ## try the bot offline in the terminal
	$(BIN)/dramabot console

test: lint typecheck pytest  ## everything CI runs

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

fuzz: $(STAMP)  ## the fuzz suite at length (make test runs a few examples of it)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz.py

check: $(STAMP)  ## check the data packs
	$(BIN)/dramabot db check

bench: $(STAMP)  ## benchmarks (not part of the tests)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var

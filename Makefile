# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest fuzz bench console check clean i18n-extract i18n-update i18n-compile i18n-init

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/pybabel compile --domain dramabot --directory bot/locales --statistics
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

# Catalogues (bot/locales): extract the English strings, merge them into every language,
# compile. The bot also compiles a stale or missing .mo itself when it starts.
LOCALES := bot/locales
POT := $(LOCALES)/dramabot.pot
KEYWORDS := -k _ -k N_ -k ngettext:1,2 -k counted:2,3 -k locale_str -k described

i18n-extract: $(STAMP)  ## the template of every user-facing string
	$(BIN)/pybabel extract --no-default-keywords $(KEYWORDS) --no-location --sort-output \
		--project dramabot -o $(POT) bot cogs

i18n-update: i18n-extract  ## merge new strings into every catalogue
	$(BIN)/pybabel update --domain dramabot -i $(POT) -d $(LOCALES) --no-fuzzy-matching

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile --domain dramabot --directory $(LOCALES) --statistics

i18n-init: i18n-extract  ## a new language: make i18n-init LANG=ja
	$(BIN)/pybabel init --domain dramabot -i $(POT) -d $(LOCALES) -l $(LANG)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var

# appraisal — the two commands that matter: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test bench lint lint-fix typecheck translations install install-dev clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(STAMP) translations

## translations: compile the message catalogues (.po -> .mo)
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d appraisal/translations -f

## demo: the product on its embedded default (SQLite in instance/, jobs in-process)
demo: install
	APPRAISAL_ENV=demo $(BIN)/flask --app wsgi db upgrade
	APPRAISAL_ENV=demo $(BIN)/flask --app wsgi demo load --host $(HOST) --port $(PORT)
	APPRAISAL_ENV=demo $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite unless TEST_DATABASE_URL is set), with branch coverage of appraisal/
test: install-dev
	$(BIN)/python -m pytest --cov=appraisal --cov-branch --cov-report=term:skip-covered $(PYTEST_ARGS)

## bench: reproducible performance measurements, one JSON line per benchmark
bench: install-dev
	$(BIN)/python -m benchmarks.run

## lint: the same checks as the pre-commit hooks (settings in ruff.toml)
LINT_PATHS := appraisal tests benchmarks tools wsgi.py
lint: install-dev
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

## lint-fix: apply ruff's safe fixes and its formatting (tools/lint_fix.sh)
lint-fix: install-dev
	RUFF=$(BIN)/ruff tools/lint_fix.sh

## typecheck: mypy on the engine and the platform (settings in setup.cfg [mypy])
typecheck: install-dev
	$(BIN)/mypy appraisal/engine appraisal/platform

## update the catalogue after adding strings: make extract, translate, commit
extract: install-dev
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o appraisal/translations/messages.pot .
	$(BIN)/pybabel -q update -N -i appraisal/translations/messages.pot -d appraisal/translations

clean:
	rm -rf $(VENV) instance/appraisal.db .pytest_cache

# WBL — the two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup catalogs translations db demo bench lint format clean

## Create .venv and install the pinned requirements (again only when requirements.txt changes).
$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "WBL needs Python 3.11 (set PYTHON=python3.11)")'
	@echo "== Creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "== Installing the pinned packages of requirements.txt (a few minutes the first time; pip lists each one)"
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	@echo "== Packages installed"
	@touch $@

setup: $(VENV)/.installed catalogs

## Compile the translations (wbl/translations/*/LC_MESSAGES/messages.po) to the .mo files the
## app reads; they are built here, never committed.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard wbl/translations/*/LC_MESSAGES/messages.po))
catalogs: $(CATALOGS)
%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -f -i $< -o $@

## After marking new strings: extract them (messages.pot) and merge them into every catalog.
## (--ignore-dirs: pybabel skips folders starting with "_" otherwise, as templates/_macros;
## PYTHONPATH: babel.cfg names an extractor of ours, wbl/babel_extract.py.)
translations: setup
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F wbl/translations/babel.cfg -k _l -k lazy_gettext \
		--ignore-dirs ".* __pycache__" --sort-by-file --no-wrap --project WBL \
		-o wbl/translations/messages.pot .
	$(VENV)/bin/pybabel update -i wbl/translations/messages.pot -d wbl/translations \
		--no-wrap --ignore-obsolete --no-fuzzy-matching

## Create or upgrade the database, load reference data, and the demo county when empty.
db: setup
	@mkdir -p instance
	@echo "== Creating or upgrading the database (instance/wbl.sqlite unless DATABASE_URL is set)"
	$(FLASK) db upgrade
	@echo "== Loading the reference data"
	$(FLASK) seed-reference

demo: db
	@echo "== Loading the demo county (only into an empty database)"
	WBL_BASE_URL="$${WBL_BASE_URL:-http://$(HOST):$(PORT)}" $(FLASK) seed-demo --if-empty

## Set everything up and serve on http://127.0.0.1:5000, with the scheduler beside the web
## server (its jobs deliver e-mail, send the weekly hours e-mails, ...); Ctrl+C stops both.
## Links in e-mails point here too (PORT=5077 make run: at port 5077) unless WBL_BASE_URL is set.
run: demo
	@echo "== Starting WBL and its scheduler"
	@WBL_BASE_URL="$${WBL_BASE_URL:-http://$(HOST):$(PORT)}" $(FLASK) serve --host $(HOST) --port $(PORT)

## The whole test suite (SQLite by default; TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL),
## on two workers (each with its own database); WORKERS=0 runs it in one process.
WORKERS ?= 2
test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -p no:cacheprovider -n $(WORKERS)

## Benchmarks (figures recorded in docs/performance.md). Not part of the test suite.
## bench_load.py loads pages with wrk (apt-get install wrk); without it, it says so and skips.
bench: setup
	$(PY) tests/benchmarks/bench_matching.py
	$(PY) tests/benchmarks/bench_relevance.py
	$(PY) tests/benchmarks/bench_pages.py
	$(PY) tests/benchmarks/bench_catalog_growth.py
	$(PY) tests/benchmarks/bench_round.py
	$(PY) tests/benchmarks/bench_allocation_modes.py
	$(PY) tests/benchmarks/bench_roster.py
	$(PY) tests/benchmarks/bench_wblr.py
	$(PY) tests/benchmarks/bench_reports.py
	$(PY) tests/benchmarks/bench_load.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict matching

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/artifacts

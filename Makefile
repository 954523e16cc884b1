# Cabas — la caisse et la gestion. `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= cabas-demo-2026
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: run test lint format caisse bench faults clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.server: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[server,caisse,release]'
	@touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[server,caisse,release,postgres,dev]'
	@touch $@ $(VENV)/.server

run: $(VENV)/.server
	$(BIN)/cabas migrate --noinput
	$(BIN)/cabas demo --password '$(DEMO_PASSWORD)'
	@echo "La caisse pour cet ordinateur (la première fois, une minute : ses bibliothèques sont téléchargées)…"
	@$(BIN)/cabas build_caisse --host-platform --if-changed >/dev/null \
	  || $(BIN)/cabas build_caisse --code-only >/dev/null  # what the Caisse page offers
	@echo ""
	$(BIN)/cabas runserver $(HOST)

test: $(VENV)/.dev
	$(BIN)/cabas build_caisse --fetch-only >/dev/null  # the bundles' wheels, for the tests
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# The fault harness at full size (tests/faults, CABAS_FAULTS_FULL=1) on each database server.
FAULTS_DATABASES ?= postgres://postgres@127.0.0.1:5432/cabas_faults mysql://root@127.0.0.1:3306/cabas_faults
faults: $(VENV)/.dev
	$(BIN)/pip install --quiet -e '.[server,caisse,postgres,mysql,dev]'
	@for url in $(FAULTS_DATABASES); do \
	  echo "=== faults on $$url"; \
	  CABAS_FAULTS_FULL=1 DATABASE_URL=$$url $(BIN)/python -m pytest -p no:cacheprovider -s \
	    tests/faults $(PYTEST_ARGS) || exit 1; \
	done

# The till's release, signed with CABAS_PACKAGE_SIGNING_KEY (or the development key in var/):
# the code package and one bundle per platform, into dist/ (docs/caisse.md).
caisse: $(VENV)/.server
	$(BIN)/cabas build_caisse

format: $(VENV)/.dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(VENV)/.dev
	@for script in bench/[a-z]*.py; do echo "=== $$script"; $(BIN)/python $$script --small || exit 1; done

clean:
	rm -rf $(VENV) dist build var/static .pytest_cache .mypy_cache .ruff_cache

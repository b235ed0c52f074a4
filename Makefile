# PartnerScope: `make demo` runs the API with the demo programme, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432

.PHONY: demo serve test test-pg lint typecheck format bench clean

$(BIN)/partnerscope: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/partnerscope  ## API on embedded SQLite with the demo programme loaded
	$(BIN)/partnerscope migrate
	$(BIN)/partnerscope seed --demo
	@echo "Reference portal: http://127.0.0.1:8000/portal/ (sign in with a demo login above)"
	PARTNERSCOPE_INTROSPECTION=public $(BIN)/partnerscope serve

serve: $(BIN)/partnerscope
	$(BIN)/partnerscope serve

test: $(BIN)/partnerscope  ## the whole suite on SQLite
	$(BIN)/pytest

test-pg: $(BIN)/partnerscope  ## the same suite on a fresh PostgreSQL database, dropped afterwards
	@db=partnerscope_test_$$$$; \
	$(BIN)/python -m tests.pgdb create "$(PG_URL)" $$db && \
	PARTNERSCOPE_TEST_DATABASE_URL="$(PG_URL)/$$db" $(BIN)/pytest; rc=$$?; \
	$(BIN)/python -m tests.pgdb drop "$(PG_URL)" $$db; exit $$rc

lint: $(BIN)/partnerscope
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/partnerscope  ## mypy over the packages pyproject.toml names
	$(BIN)/mypy

format: $(BIN)/partnerscope
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) partnerscope.db partnerscope.db-* partnerscope.secret

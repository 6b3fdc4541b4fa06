# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# A development server on your own machine: SQLite in instance/, the built-in secret key, mail
# written to the log, and demo users and claims. Production is described in README.md.
run: export EXPENSES_ENV_NAME ?= development
run: export EXPENSES_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in as one of the demo users above. Ctrl+C stops the server."
	@echo
	$(FLASK) run --port $(PORT)

# PYTEST_ARGS: more options for pytest, e.g. PYTEST_ARGS="-x tests/web".
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/rules_eval.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

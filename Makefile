# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint bench clean translations compile pot

# Two gettext domains (README, "Translations"): the app's `messages` and the rules engine's `rules`.
# The keywords live here only; tests/i18n/test_catalogues.py extracts through `make pot` to compare.
PYBABEL ?= $(BIN)/pybabel
APP_PO := $(wildcard expenses/translations/*/LC_MESSAGES/messages.po)
RULES_PO := $(wildcard rules/locale/*/LC_MESSAGES/rules.po)
MO_FILES := $(APP_PO:.po=.mo) $(RULES_PO:.po=.mo)
# _l/lazy_gettext for form labels, N_ marks a string translated later (e-mail subjects).
APP_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k N_
# The engine marks text with text._(...) and text.n_(...) (Babel takes the name before "(") and the
# module-level _ marker; nothing else, so that unrelated gettext-looking calls stay out.
RULES_KEYWORDS := --no-default-keywords -k _ -k n_:1,2
POT_DIR ?= build/i18n

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
run: $(STAMP) compile
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in as one of the demo users above. Ctrl+C stops the server."
	@echo "Finance and admin users first set up two-factor sign-in with an authenticator app (EXPENSES_REQUIRE_2FA_ROLES);"
	@echo "to try the demo without it: EXPENSES_REQUIRE_2FA_ROLES= make run"
	@echo
	$(FLASK) run --port $(PORT)

# PYTEST_ARGS: more options for pytest, e.g. PYTEST_ARGS="-x tests/web".
test: lint compile
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Every benchmark of benchmarks/ (README, "Performance"): JSON lines, then a table; a few minutes.
# wrk loads the HTTP benchmarks; it is installed here when missing (root with apt-get), else they say why not.
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--only startup --only pdf_render".
bench: $(STAMP) compile
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }; } || \
	  echo "wrk is not installed and cannot be installed here: the HTTP benchmarks will report it."
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# Catalogues: `make translations` (developers) brings every .po up to date with the sources;
# `compile` (run by `make run` and `make test`) builds the .mo files, which are not committed.
# `pot` needs only pybabel (tests/i18n/test_catalogues.py calls it with PYBABEL=…); `translations` installs first.
pot:
	@mkdir -p $(POT_DIR)
	$(PYBABEL) -q extract -F babel.cfg $(APP_KEYWORDS) --add-location=file --sort-output -o $(POT_DIR)/messages.pot .
	$(PYBABEL) -q extract -F rules/babel.cfg $(RULES_KEYWORDS) --add-location=file --sort-output -o $(POT_DIR)/rules.pot .

translations: $(STAMP)
	$(MAKE) --no-print-directory pot
	$(PYBABEL) update -i $(POT_DIR)/messages.pot -d expenses/translations -D messages --ignore-obsolete
	$(PYBABEL) update -i $(POT_DIR)/rules.pot -d rules/locale -D rules --ignore-obsolete

compile: $(MO_FILES)

%.mo: %.po | $(STAMP)
	$(PYBABEL) compile --statistics -i $< -o $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build
	rm -f $(MO_FILES)

# Station kiosk: `make run` serves it, `make test` tests it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run serve init test test-sqlite test-postgres bench screenshots deps dev-deps system-deps clean

$(VENV)/.deps: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt constraints.txt
	$(PIP) install -q -r requirements-dev.txt -c constraints.txt
	touch $@

deps: $(VENV)/.deps build/translations
dev-deps: $(VENV)/.dev-deps build/translations

## The message catalogues, merged and compiled (the code tree stays read-only at run time).
build/translations: $(VENV)/.deps $(wildcard i18n/*/*.po)
	$(PY) -m core.i18n
	touch $@

## Debian packages the tests need: Chromium, CJK fonts, PDF rendering, PostgreSQL.
system-deps:
	@bash deploy/system-deps.sh

init: deps
	$(FLASK) first-run

run: init
	@echo ""
	@echo "  Kiosk:  http://$(HOST):$(PORT)/kiosk/   (enroll it first: Admin > Kiosk devices)"
	@echo "  Admin:  http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(PY) deploy/serve.py

test: dev-deps system-deps
	bash tests/run.sh

bench: dev-deps system-deps
	$(PY) -m bench

## Regenerate docs/screenshots/ (kiosk and admin, tablet sizes) for the README.
screenshots: dev-deps system-deps
	$(PY) -m tests.browser.screenshots
	$(PY) -m tests.browser.admin_screenshots

clean:
	rm -rf $(VENV) .pytest_cache

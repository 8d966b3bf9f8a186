# The commands people run. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-fast lint format messages serve clean-demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Installs, migrates, loads the real provinces and communes, seeds the demo and serves it.
# Embedded defaults: a SQLite file, and jobs queued in a folder for a background worker
# that `serve` starts, so no server is needed. Rerunning it keeps the data (seconds).
demo: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_units
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@$(MAKE) --no-print-directory serve

# Serves the database as it is, without seeding: the web server and, without REDIS_URL,
# the Celery worker (with the nightly and weekly schedules) that runs the jobs. It runs
# with production settings (DEBUG off: the app's own error pages, compressed static files
# served by WhiteNoise), on a secret key made once for this machine, over plain HTTP on
# this host only: with no HTTPS there, cookies are not HTTPS-only and plain HTTP is not
# redirected to HTTPS (a real deployment keeps both defaults; README "Deployment").
# DEMO_MODE=1: it is the demo, whose accounts share the public password (nowhere else may
# a password be set to it), and it installs the development app (nq57/devtools), where
# `serve` and `seed_demo` live (DEBUG=1 turns DEMO_MODE on for the other demo steps).
SERVE_ENV = DEBUG=0 DEMO_MODE=1 SECRET_KEY="$$(cat $(SECRET_FILE))" ALLOWED_HOSTS=$(HOST),localhost SECURE_COOKIES=0 SECURE_SSL_REDIRECT=0
SECRET_FILE := var/demo-secret-key

$(SECRET_FILE):
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

serve: $(STAMP) $(SECRET_FILE)
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "NQ57 Monitor: http://$(HOST):$(PORT)/"
	$(SERVE_ENV) $(BIN)/python manage.py serve $(HOST):$(PORT)

# The whole suite. Honours DATABASE_URL and REDIS_URL (CI sets both); SQLite otherwise.
test: $(STAMP)
	$(BIN)/python -m pytest

# Without the national-scale seed.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# Style and types: ruff, then mypy with django-stubs over nq57/, tasks_app/ and reports/
# (configured in pyproject.toml). CI runs it before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract translatable strings after changing them, then translate and compile.
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l vi -i ".venv/*" -i "tests/*" --no-location
	DEBUG=1 $(BIN)/python manage.py compilemessages -i .venv

clean-demo:
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm
	rm -rf var/media

# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint format serve bench clean

# The venv is (re)built when pyproject.toml changes; a stamp per extra.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	touch $@

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production mode: gunicorn threaded workers, DEBUG off, hashed and compressed
# static files. Needs SECRET_KEY; add DATABASE_URL / REDIS_URL as you like.
# Several workers share invalidation only through Redis, so without
# REDIS_URL one worker (with threads) is started.
WORKERS = $${WEB_CONCURRENCY:-$$( [ -n "$$REDIS_URL" ] && echo 2 || echo 1 )}
# manage.py defaults to the local settings (DEBUG on); serve uses production.
serve: export DJANGO_SETTINGS_MODULE = comparison.settings
serve: $(VENV)/.installed
	@test -n "$$SECRET_KEY" || { echo "make serve runs in production mode: set SECRET_KEY (and ALLOWED_HOSTS)."; exit 1; }
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	@if [ "$${LOAD_DEMO:-1}" = 1 ]; then DEBUG=0 $(BIN)/python manage.py load_demo; fi
	DEBUG=0 $(BIN)/gunicorn comparison.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT) --worker-class gthread \
		--workers $(WORKERS) --threads $${THREADS:-8} --access-logfile -

# Load test on loopback with wrk (installed from Debian when missing).
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-output

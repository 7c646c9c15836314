# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Test processes (pytest-xdist): one per core; TEST_WORKERS=0 runs in this one.
TEST_WORKERS ?= auto

.PHONY: run test lint format serve bench bench-sync bench-scale sync audit screenshots clean \
	cluster cluster-stop bench-cluster backup-check

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

# axe-core (browser tests) and Lighthouse (make audit) from npm, reinstalled
# when package.json or its lock changes. Without npm the accessibility tests
# are skipped (and fail in CI, where REQUIRE_BROWSER=1).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: axe-core is missing, so the accessibility tests will not run (apt-get install npm)"; fi

# Fetches nothing from outside: the demo's statistics and history come from
# comparison/demo/catalogue.toml. `make sync` reads the live figures.
run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Production mode: gunicorn threaded workers, DEBUG off, hashed and compressed
# static files. Needs SECRET_KEY; add DATABASE_URL / REDIS_URL as you like.
# Workers share the page cache through Redis (REDIS_URL: 2 workers by
# default) or, without it, through Django's file-based cache in CACHE_DIR
# when WEB_CONCURRENCY asks for several; otherwise one worker with threads.
WORKERS = $${WEB_CONCURRENCY:-$$( [ -n "$$REDIS_URL" ] && echo 2 || echo 1 )}
# manage.py defaults to the local settings (DEBUG on); serve uses production.
serve: export DJANGO_SETTINGS_MODULE = config.settings
serve: $(VENV)/.installed
	@test -n "$$SECRET_KEY" || { echo "make serve runs in production mode: set SECRET_KEY (and ALLOWED_HOSTS)."; exit 1; }
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	@if [ "$${LOAD_DEMO:-1}" = 1 ]; then DEBUG=0 $(BIN)/python manage.py load_demo; fi
	DEBUG=0 $(BIN)/gunicorn config.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT) --worker-class gthread \
		--workers $(WORKERS) --threads $${THREADS:-8} --access-logfile -

# Load test on loopback with wrk (installed from Debian when missing).
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

# Several hosts on one machine (ops/cluster.py, docs/operations.md): nginx in
# front of two gunicorn app hosts, a PostgreSQL primary and streaming replica
# of their own, Redis and moto's S3 for media, all under .cluster/. Needs
# root (PostgreSQL runs as the postgres user) and Debian's nginx.
cluster: $(VENV)/.installed-dev
	$(BIN)/python ops/cluster.py start

cluster-stop:
	$(BIN)/python ops/cluster.py stop

# Load and faults on a cluster of its own (bench/cluster.py): votes on one
# host while the other serves readers, a host killed, Redis restarted, the
# replica stopped; prints the numbers in docs/benchmarks/2026-12-07.md.
bench-cluster: $(VENV)/.installed-dev
	$(BIN)/python bench/cluster.py

# pg_dump of a demo database restored into a fresh one: export_catalogue
# must match byte for byte (ops/backup_check.py; needs PostgreSQL, DATABASE_URL).
backup-check: $(VENV)/.installed
	$(BIN)/python ops/backup_check.py

# Read GitHub, PyPI, pypistats and npm (see docs/statistics.md); exits 1 when
# a source failed. SYNC_ARGS passes options, e.g. SYNC_ARGS="--only django".
sync: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py sync_stats $(SYNC_ARGS)

# sync_stats for 20,000 frameworks against a local fake of the APIs (loopback
# only), in four scheduled runs: time, CPU and HTTP requests of each (about
# half an hour; SYNC_FRAMEWORKS=2000 for a quicker run). See bench/sync.py.
bench-sync: $(VENV)/.installed-dev
	$(BIN)/python bench/sync.py

# The site with 18, 2,000 and 20,000 synthetic frameworks (generate_catalogue)
# on SQLite and PostgreSQL: uncached pages, the import, votes and the admin;
# see bench/scale.py. SCALE_SIZES=18,2000 for a quicker run.
bench-scale: $(VENV)/.installed
	$(BIN)/python bench/scale.py

# Lighthouse scores (mobile and desktop) of a local production server, run
# with Debian's chromium; see bench/audit.py. AUDIT_RUNS=3 for medians.
audit: $(VENV)/.installed node_modules/.installed
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	CHROME_PATH=$${CHROME_PATH:-$$(command -v chromium)} $(BIN)/python bench/audit.py

# The main pages at 375 px and 1280 px into docs/screenshots/ (README.md shows one).
screenshots: $(VENV)/.installed-dev
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/python bench/screenshots.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache test-output .cache bench-output

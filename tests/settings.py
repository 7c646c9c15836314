"""Test settings: the real settings, made fast and self-contained."""

import copy
import os

import jinja2

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, DATABASES, TEMPLATES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The pool is a production concern; tests open plain connections.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The vote concurrency test runs threads, each on its own connection: they
    # need a file (an in-memory test database is not shared with waiting
    # locks). One file per pytest process, so parallel runs never clash.
    (BASE_DIR / "test-output").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "test-output" / f"test-{os.getpid()}.sqlite3")
    }
# Static files straight from static/ (no collectstatic), also for live_server.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests run inside transactions that never commit, so on-commit invalidation
# never fires: the page cache is off except in the tests that are about it.
PAGE_CACHE = False

# A variable a Jinja2 template uses but the view does not pass fails the test
# (production prints nothing for it, as Django's engine would).
TEMPLATES = copy.deepcopy(TEMPLATES)
TEMPLATES[0]["OPTIONS"]["undefined"] = jinja2.StrictUndefined

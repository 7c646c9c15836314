"""Settings for the comparison portal.

Everything that differs between a laptop and production comes from the
environment; the defaults are safe for local use (SQLite file, local-memory
cache). With DEBUG off the site refuses to start without a SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    email_settings_from_environment,
    env_bool,
    env_list,
    media_storage_from_environment,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=1 for a local run)."
        )
    SECRET_KEY = "insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",  # search and pg_trgm lookups (frameworks/search.py)
    "django_filters",
    "axes",
    "simple_history",
    # Ours, from the bottom up: an app imports only from those above it in
    # this list (docs/architecture.md; tests/test_layers.py holds it).
    "core",
    "frameworks",
    "stats",
    "members",
    "comparison",
    "history",
    "pages",
    "api",
    "assistants",
]

MIDDLEWARE = [
    # The script prefix, read once per request for the memoised links.
    "core.links.ScriptPrefixMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Example.COM, example.com. and example.com:443 redirect to example.com.
    "core.middleware.CanonicalHostMiddleware",
    # /api/v1/: rate limit, CORS and ETag/304, for cached answers too.
    "api.middleware.ApiMiddleware",
    # The text policy (core/text.py): an address holding a NUL or another
    # control character is a 400 before anything reads it, the page cache
    # first; form bodies lose their control characters, cookies holding one
    # are ignored.
    "core.middleware.TextPolicyMiddleware",
    # Cached anonymous pages are served from here, before sessions and auth.
    "core.cache.pages.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private (no-store with a form token) for signed-in pages.
    "core.middleware.PrivateSignedInPagesMiddleware",
    # A POST body Django cannot parse: the 400 page before anything reads it.
    "core.middleware.UnreadableBodyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Tells history rows (django-simple-history) which signed-in user made a change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
]
TEMPLATES = [
    # The public pages (templates/) are Jinja2: about 3x faster to render
    # than Django's engine (docs/benchmarks/2026-11-22.md). core.jinja2 gives them
    # url(), static() and the filters of the libraries listed here.
    {
        "BACKEND": "core.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "core.jinja2.environment",
            "context_processors": _CONTEXT_PROCESSORS,
            "libraries": [
                "core.templatetags.site",
                "comparison.templatetags.compare",
                "frameworks.templatetags.markup",
                "stats.templatetags.statistics",
                "django.contrib.humanize.templatetags.humanize",
            ],
        },
    },
    # The admin's and form widgets' templates, from the installed apps.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"


def _database(url, *, pool_timeout=10):
    """Django's settings for one database address, with our engine options."""
    db = dj_database_url.parse(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Several gunicorn threads/workers write at once: WAL lets readers go on
        # while one writes, IMMEDIATE takes the write lock at BEGIN (no upgrade
        # deadlocks), and the busy timeout makes writers queue instead of failing
        # with "database is locked".
        db["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Reuse each thread's connection instead of opening the file and running
        # the PRAGMAs on every request.
        db["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
        db["CONN_HEALTH_CHECKS"] = True
    elif db["ENGINE"] == "django.db.backends.postgresql":
        if env_bool("DATABASE_POOL", True):
            # Django's psycopg 3 pool; it requires persistent connections off.
            db["CONN_MAX_AGE"] = 0
            db.setdefault("OPTIONS", {})["pool"] = {
                "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
                "max_size": int(os.environ.get("DATABASE_POOL_MAX", "16")),
                "timeout": pool_timeout,
            }
        else:
            db["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
            db["CONN_HEALTH_CHECKS"] = True
        # The written-out statements of votes and signed-in requests (core.rows)
        # are prepared once per connection. psycopg prepares only server-bound
        # statements and Django's ORM binds on the client, so nothing else is.
        # Behind a pooler that drops prepared statements (PgBouncer in
        # transaction mode before 1.21), set DATABASE_PREPARE=0.
        if env_bool("DATABASE_PREPARE", True):
            db.setdefault("OPTIONS", {})["prepare_threshold"] = 0
    return db


DATABASES = {"default": _database(DATABASE_URL)}

# A streaming replica of the primary (docs/operations.md, "Several hosts"):
# anonymous readers' reads go there when no write is recent (core.replica);
# with it down, everything reads the primary. REPLICA_LAG (seconds) must
# exceed the replica's worst lag: a client reads the primary this long after
# its own write, and a page is rendered from the replica only this long
# after the last write anyone made.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
REPLICA_LAG = float(os.environ.get("REPLICA_LAG", "5"))
if DATABASE_REPLICA_URL:
    # A replica down costs a request at most this long (then one per 5 s).
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL, pool_timeout=1)
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 1
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
    # Before the page cache, which renders what it stores inside it.
    _at = MIDDLEWARE.index("core.cache.pages.AnonymousPageCacheMiddleware")
    MIDDLEWARE.insert(_at, "core.replica.ReplicaMiddleware")

# The number of app hosts serving the site (behind one load balancer). With
# more than one, nothing may be kept on a host: core.checks refuses a local
# cache, sessions, database or media storage.
DEPLOYMENT_HOSTS = int(os.environ.get("DEPLOYMENT_HOSTS", "1"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------
# One cache for every process of one site holds the pages, their tags'
# versions and the rate-limit counters (docs/architecture.md, "Caching"):
# the server's workers and the management commands (sync_stats, imports,
# load_demo, a shell) see the same entries, so a change shows at once.
# - REDIS_URL set: Redis, with short timeouts so an outage degrades to
#   uncached pages instead of hanging requests;
# - otherwise: Django's file-based cache in CACHE_DIR (default .cache/ in
#   the project folder), shared through the file system.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_DIR = os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache"))
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, with one client object per pool.
            "BACKEND": "core.cache_backends.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "stackcompare"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions live in the database and are read through Redis; if Redis is
    # down they are read from the database (core.sessions).
    SESSION_ENGINE = "core.sessions"
else:
    CACHES = {
        "default": {
            "BACKEND": "core.cache_backends.SharedFileCache",
            "LOCATION": CACHE_DIR,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Anonymous pages are cached whole; every cache above is shared by all the
# workers that use it, so the page cache is on unless PAGE_CACHE=0.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
# New page-cache entries one client address may fill per window: bounds what
# a crawler of odd URLs can add (the rest of its requests render uncached).
PAGE_CACHE_FILL_RATE = os.environ.get("PAGE_CACHE_FILL_RATE", "300/m")

# --- Auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses every login from an address with too many failures.
    "core.backends.AddressLockoutBackend",
    # Then: refuses logins while a username + address pair is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Signs members in; a member's requests read them with one statement.
    "core.backends.MemberBackend",
    # Only for sessions signed in before MemberBackend, which name this one:
    # they stay signed in. It never checks a log-in (MemberBackend refuses
    # first).
    "django.contrib.auth.backends.ModelBackend",
]
# A username + address pair is locked for 15 minutes after 5 failures: a
# stranger elsewhere cannot lock a member out. One address is locked after
# LOGIN_ADDRESS_FAILURE_LIMIT failures across all usernames.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "429.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind a proxy every client arrives from the proxy's address: the client is
# the address the proxy appends to X-Forwarded-For (one trusted hop); what a
# client writes into that header itself comes before it and is ignored.
# Lockouts and rate limits read the address through one function.
# (django-ipware's proxy_count=1 returns no address for a one-entry header.)
BEHIND_PROXY = env_bool("BEHIND_TLS_PROXY", False)
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
# Votes, decisions and suggestions per member; accounts created and sign-up
# attempts per address,
# counted in the cache.
VOTE_RATE = os.environ.get("VOTE_RATE", "60/m")
DECISION_RATE = os.environ.get("DECISION_RATE", "5/h")
SUGGESTION_RATE = os.environ.get("SUGGESTION_RATE", "10/h")
# Watch/unwatch toggles per member.
WATCH_RATE = os.environ.get("WATCH_RATE", "30/m")
# Suggested edits of assessment cells and statistics, per member.
EDIT_SUGGESTION_RATE = os.environ.get("EDIT_SUGGESTION_RATE", "10/h")
# The vote report (admin): a burst is this many votes on one item within an
# hour; an address is shared when this many accounts voted from it; the
# report looks back this many days.
VOTE_BURST_THRESHOLD = int(os.environ.get("VOTE_BURST_THRESHOLD", "20"))
VOTE_SHARED_ADDRESS_ACCOUNTS = int(os.environ.get("VOTE_SHARED_ADDRESS_ACCOUNTS", "3"))
VOTE_REPORT_DAYS = int(os.environ.get("VOTE_REPORT_DAYS", "30"))
# Requests to /api/v1/ and /mcp/ per client address, in one budget (cached
# answers count too).
API_RATE = os.environ.get("API_RATE", "120/m")
# Decisions of accounts younger than this (in hours) wait for a curator,
# unless the member already has a published one.
DECISION_REVIEW_HOURS = float(os.environ.get("DECISION_REVIEW_HOURS", "72"))
# Decision views are counted in the cache and written to the database every
# N views or T seconds (frameworks.services.count_decision_view); a client
# address counts once per decision per window, whatever cookie it shows.
DECISION_VIEWS_FLUSH_EVERY = int(os.environ.get("DECISION_VIEWS_FLUSH_EVERY", "50"))
DECISION_VIEWS_FLUSH_SECONDS = int(os.environ.get("DECISION_VIEWS_FLUSH_SECONDS", "300"))
DECISION_VIEWS_ADDRESS_WINDOW = int(os.environ.get("DECISION_VIEWS_ADDRESS_WINDOW", "86400"))
SIGNUP_RATE = os.environ.get("SIGNUP_RATE", "5/h")
# Follow toggles and stack edits per member.
FOLLOW_RATE = os.environ.get("FOLLOW_RATE", "60/m")
# Comments, comment edits and comment reports per member (each counted apart).
COMMENT_RATE = os.environ.get("COMMENT_RATE", "20/h")
# Wrong current passwords on the settings pages, per member.
PASSWORD_CHECK_RATE = os.environ.get("PASSWORD_CHECK_RATE", "5/h")
SIGNUP_ATTEMPT_RATE = os.environ.get("SIGNUP_ATTEMPT_RATE", "30/h")

# Password reset links stay valid this long (seconds) and work once.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60 * 24)))
# Reset mails asked for per client address.
PASSWORD_RESET_RATE = os.environ.get("PASSWORD_RESET_RATE", "5/h")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Email (password reset) -------------------------------------------------
# EMAIL_URL, e.g. smtp://user:password@mail.example.com:587?tls=1, or
# Django's EMAIL_HOST, EMAIL_PORT, ... variables (config.env).
globals().update(email_settings_from_environment())
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "StackCompare <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- I18N -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# English only: without the translation machinery every rendered variable
# and date is cheaper (measured on the comparison page).
USE_I18N = False
USE_TZ = True
# One way to write a date everywhere, "1 Jun 2025" (core/formats/en/formats.py).
FORMAT_MODULE_PATH = ["core.formats"]

# --- Static files and media -------------------------------------------------
# Static files: whitenoise, compressed and content-hashed.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Media (uploaded logos, core/media.py): local files in MEDIA_ROOT, served
# at MEDIA_URL; or an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO)
# named by MEDIA_STORAGE_URL, e.g. s3://bucket/prefix?endpoint_url=https://...,
# or by AWS_STORAGE_BUCKET_NAME and the AWS_S3_* variables (config.env).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
try:
    _media_storage = media_storage_from_environment()
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600

# --- Security -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_traceback": {"()": "core.logs.WithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        # A foreign Host header: one line naming the host, not a traceback.
        "django.security.DisallowedHost": {"filters": ["without_traceback"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Statistics sync (manage.py sync_stats) ---------------------------------
# Base URLs of the APIs the sync reads; tests and operators point them elsewhere.
GITHUB_API_URL = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
GITHUB_TOKEN = os.environ.get("GITHUB_TOKEN", "")
PYPI_URL = os.environ.get("PYPI_URL", "https://pypi.org").rstrip("/")
PYPISTATS_URL = os.environ.get("PYPISTATS_URL", "https://pypistats.org").rstrip("/")
NPM_REGISTRY_URL = os.environ.get("NPM_REGISTRY_URL", "https://registry.npmjs.org").rstrip("/")
NPM_DOWNLOADS_URL = os.environ.get("NPM_DOWNLOADS_URL", "https://api.npmjs.org").rstrip("/")
# Release series, advisories and health (stats/releases.py).
ENDOFLIFE_API_URL = os.environ.get("ENDOFLIFE_API_URL", "https://endoflife.date").rstrip("/")
OSV_API_URL = os.environ.get("OSV_API_URL", "https://api.osv.dev").rstrip("/")
SCORECARD_API_URL = os.environ.get(
    "SCORECARD_API_URL", "https://api.securityscorecards.dev"
).rstrip("/")
# Seconds per request in all (connecting, headers and body), not per read.
SYNC_TIMEOUT = float(os.environ.get("SYNC_TIMEOUT", "10"))
SYNC_RETRIES = int(os.environ.get("SYNC_RETRIES", "3"))  # attempts after the first
SYNC_BACKOFF = float(os.environ.get("SYNC_BACKOFF", "1"))  # seconds, doubled per retry
# A larger answer (decompressed) is that source's failure; reading stops there.
SYNC_MAX_BYTES = int(os.environ.get("SYNC_MAX_BYTES", "10000000"))
# Freshness: older statistics and assessments carry an "out of date" marker.
STATS_STALE_DAYS = int(os.environ.get("STATS_STALE_DAYS", "30"))
ASSESSMENT_STALE_DAYS = int(os.environ.get("ASSESSMENT_STALE_DAYS", "365"))

"""Production settings, read from the environment in a fresh interpreter."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

ROOT = settings.BASE_DIR

#: Variables the settings read; each subprocess starts without them.
SETTINGS_VARIABLES = [
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DATABASE_POOL",
    "DATABASE_PREPARE",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY",
    "MEDIA_STORAGE_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "DATABASE_REPLICA_URL",
    "REPLICA_LAG",
    "DEPLOYMENT_HOSTS",
    "RELEASE",
]


def run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    clean.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


SETUP = ["-c", "import django; django.setup()"]


@pytest.mark.parametrize("debug", [None, "0", "", "false"])
def test_production_refuses_to_start_without_secret_key(debug):
    result = run(SETUP, DEBUG=debug)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_starts_with_secret_key():
    result = run(SETUP, SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stderr


def test_debug_starts_without_secret_key():
    result = run(SETUP, DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_deploy_check_passes():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(64),
        DEBUG="0",
        ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_flags_a_weak_secret_key():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="short",
        DEBUG="0",
        ALLOWED_HOSTS="example.com",
    )

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


PRINT_DATABASE = [
    "-c",
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({k: db.get(k) for k in ('ENGINE', 'NAME', 'HOST', 'PORT', 'USER', "
    "'OPTIONS', 'CONN_MAX_AGE')}, default=str))",
]


def database_settings(**env):
    result = run(PRINT_DATABASE, SECRET_KEY="x" * 50, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PRINT_MEDIA = [
    "-c",
    "import django, json; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(json.dumps([settings.STORAGES['default'], type(s).__name__, "
    "getattr(s, 'bucket_name', None)]))",
]


def test_media_storage_url_puts_media_on_an_s3_bucket():
    result = run(
        PRINT_MEDIA,
        SECRET_KEY="x" * 50,
        MEDIA_STORAGE_URL="s3://logos/site?endpoint_url=http://127.0.0.1:9100&region_name=us-east-1",
    )

    assert result.returncode == 0, result.stderr
    storage, backend, bucket = json.loads(result.stdout)
    assert storage["BACKEND"] == "core.media.S3MediaStorage"
    assert (backend, bucket) == ("S3MediaStorage", "logos")
    assert storage["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9100"


def test_media_are_local_files_by_default():
    result = run(PRINT_MEDIA, SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[:2] == [
        {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "FileSystemStorage",
    ]


def test_a_bad_media_storage_url_stops_the_start_with_a_clear_message():
    result = run(SETUP, SECRET_KEY="x" * 50, MEDIA_STORAGE_URL="s3://bucket?endpoint=x")

    assert result.returncode != 0
    assert "ImproperlyConfigured: MEDIA_STORAGE_URL: unknown option 'endpoint'" in result.stderr


def test_database_url_sqlite():
    db = database_settings(DATABASE_URL="sqlite:////tmp/x.sqlite3")

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/tmp/x.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] == 20


def test_database_defaults_to_sqlite_file_in_project():
    db = database_settings()

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(ROOT / "db.sqlite3")


def test_database_url_postgres_uses_a_pool():
    db = database_settings(DATABASE_URL="postgres://portal:secret@db.example:5433/portal")

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["PORT"], db["USER"]) == (
        "portal",
        "db.example",
        5433,
        "portal",
    )
    assert db["OPTIONS"]["pool"]["max_size"] >= db["OPTIONS"]["pool"]["min_size"] > 0
    assert db["CONN_MAX_AGE"] == 0
    assert "transaction_mode" not in db["OPTIONS"]
    # Only server-bound statements (core.rows.cursor) are prepared; at once.
    assert db["OPTIONS"]["prepare_threshold"] == 0


def test_database_prepare_off_prepares_nothing():
    db = database_settings(DATABASE_URL="postgres://portal@db.example/portal", DATABASE_PREPARE="0")

    assert "prepare_threshold" not in db["OPTIONS"]


def test_database_url_postgres_without_pool_keeps_connections():
    db = database_settings(
        DATABASE_URL="postgres://portal@db.example/portal", DATABASE_POOL="0", CONN_MAX_AGE="30"
    )

    assert "pool" not in db["OPTIONS"]
    assert db["CONN_MAX_AGE"] == 30


@pytest.mark.django_db
def test_sqlite_connection_uses_immediate_transactions_and_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    assert "PRAGMA journal_mode=WAL" in options["init_command"]

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL


def test_test_settings_are_fast_and_self_contained():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert "pool" not in settings.DATABASES["default"].get("OPTIONS", {})


def test_production_security_settings():
    # The test settings run the production settings with DEBUG off.
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 60 * 60 * 24 * 365
    assert settings.X_FRAME_OPTIONS == "DENY"

"""The multi-host check (core.checks): a site on several app hosts keeps no
state on any one of them."""

import secrets

import pytest

from core.checks import multi_host
from tests.test_settings import run

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
REDIS = {
    "BACKEND": "core.cache_backends.ReusedClientRedisCache",
    "LOCATION": "redis://cache:6379/0",
}
POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "site"}
# The check only reads the setting; no connection is opened.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

S3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "media"}}


@pytest.fixture
def shared(settings, monkeypatch):
    """Two hosts, everything they keep in Redis, PostgreSQL and S3."""
    monkeypatch.setenv("RELEASE", "abc123")
    settings.DEPLOYMENT_HOSTS = 2
    settings.CACHES = {"default": REDIS}
    settings.SESSION_ENGINE = "core.sessions"
    settings.DATABASES = {"default": POSTGRES, "replica": POSTGRES | {"HOST": "replica"}}
    settings.STORAGES = settings.STORAGES | {"default": S3}
    return settings


def ids():
    return [message.id for message in multi_host()]


def test_one_host_is_never_refused(settings):
    settings.DEPLOYMENT_HOSTS = 1  # and the tests' locmem cache, SQLite, local media

    assert multi_host() == []


def test_shared_state_passes(shared):
    assert multi_host() == []


def test_without_release_the_hosts_are_warned_they_share_no_pages(shared, monkeypatch):
    monkeypatch.delenv("RELEASE")

    assert ids() == ["core.W101"]


@pytest.mark.parametrize(
    "backend",
    [
        "core.cache_backends.SharedFileCache",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ],
)
def test_a_local_cache_is_refused(shared, backend, tmp_path):
    shared.CACHES = {"default": {"BACKEND": backend, "LOCATION": str(tmp_path)}}

    # Sessions read through it are refused too.
    assert ids() == ["core.E101", "core.E103"]


def test_file_sessions_are_refused(shared):
    shared.SESSION_ENGINE = "django.contrib.sessions.backends.file"

    assert ids() == ["core.E102"]


def test_sessions_in_a_local_cache_of_their_own_are_refused(shared):
    shared.CACHES = shared.CACHES | {"sessions": LOCMEM}
    shared.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    shared.SESSION_CACHE_ALIAS = "sessions"

    assert ids() == ["core.E103"]


def test_database_sessions_pass(shared):
    shared.SESSION_ENGINE = "django.contrib.sessions.backends.db"

    assert multi_host() == []


def test_sqlite_is_refused(shared):
    shared.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}

    assert ids() == ["core.E104"]


@pytest.mark.parametrize(
    "backend",
    ["django.core.files.storage.FileSystemStorage", "django.core.files.storage.InMemoryStorage"],
)
def test_local_media_are_refused(shared, backend):
    shared.STORAGES = shared.STORAGES | {"default": {"BACKEND": backend}}

    assert ids() == ["core.E105"]


def test_lockouts_in_a_local_cache_are_refused(shared):
    shared.CACHES = shared.CACHES | {"axes": LOCMEM}
    shared.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    shared.AXES_CACHE = "axes"

    assert ids() == ["core.E106"]


def test_lockouts_in_the_shared_cache_pass(shared):
    shared.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"

    assert multi_host() == []


def test_the_environment_turns_the_check_on():
    """``DEPLOYMENT_HOSTS=2`` on the defaults (SQLite, files): ``check`` fails."""
    result = run(["manage.py", "check"], SECRET_KEY=secrets.token_urlsafe(50), DEPLOYMENT_HOSTS="2")

    assert result.returncode != 0
    for code in ("core.E101", "core.E104", "core.E105"):
        assert code in result.stderr

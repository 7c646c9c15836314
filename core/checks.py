"""System checks of ours (run by ``manage.py check``, ``migrate`` and
``runserver``).

With more than one app host (``DEPLOYMENT_HOSTS``), a reader's requests
land on any of them: whatever one host keeps for itself (a page-cache
entry, the write clock, a rate-limit counter, a session, a lockout, an
uploaded file) the others do not see, and a vote on one would leave the
other serving the old count. Such a configuration is refused.
"""

import os

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.utils.module_loading import import_string

LOCAL_CACHES = (FileBasedCache, LocMemCache, DummyCache)
LOCAL_STORAGES = (FileSystemStorage, InMemoryStorage)


def _local_cache(alias):
    return isinstance(caches[alias], LOCAL_CACHES)


@checks.register()
def multi_host(app_configs=None, **kwargs):
    """Errors for every piece of state a multi-host site would keep on a host."""
    if settings.DEPLOYMENT_HOSTS <= 1:
        return []
    hosts = f"DEPLOYMENT_HOSTS={settings.DEPLOYMENT_HOSTS}"
    errors = []

    def refuse(code, message, hint):
        errors.append(checks.Error(f"{hosts}, but {message}.", hint=hint, id=f"core.E{code}"))

    if _local_cache("default"):
        refuse(
            "101",
            "the cache (pages, the write clock, rate limits) is kept on this host",
            "Set REDIS_URL to a Redis every host reaches.",
        )
    engine = settings.SESSION_ENGINE
    if engine.endswith(".file"):
        refuse("102", "sessions are files on this host", "Use core.sessions (REDIS_URL) or db.")
    elif engine.endswith((".cache", ".cached_db", "core.sessions")) and _local_cache(
        settings.SESSION_CACHE_ALIAS
    ):
        refuse(
            "103",
            "sessions are read through a cache kept on this host",
            "Set REDIS_URL, or use django.contrib.sessions.backends.db.",
        )
    for alias, database in settings.DATABASES.items():
        if database["ENGINE"].endswith("sqlite3"):
            refuse(
                "104",
                f"the database {alias!r} is an SQLite file on this host",
                "Set DATABASE_URL (and DATABASE_REPLICA_URL) to PostgreSQL.",
            )
    storage = import_string(settings.STORAGES["default"]["BACKEND"])
    if issubclass(storage, LOCAL_STORAGES):
        refuse(
            "105",
            "uploaded media are stored on this host",
            "Set MEDIA_STORAGE_URL to an S3-compatible bucket.",
        )
    handler = getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler")
    if "cache" in handler.rsplit(".", 1)[-1].lower() and _local_cache(
        getattr(settings, "AXES_CACHE", "default")
    ):
        refuse(
            "106",
            "login lockouts (django-axes) are counted in a cache kept on this host",
            "Use axes.handlers.database.AxesDatabaseHandler, or a shared cache.",
        )
    if not errors and not os.environ.get("RELEASE"):
        errors.append(
            checks.Warning(
                f"{hosts}, but RELEASE is not set: each host names its cached pages "
                "after its own files' times, so the hosts do not share them.",
                hint="Set RELEASE to the deployed version (e.g. the git commit) on every host.",
                id="core.W101",
            )
        )
    return errors

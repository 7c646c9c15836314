"""Talking to the shared cache: an outage is logged, never raised to a reader.

Every process of one site shares one cache (Redis, or Django's file-based
cache in ``CACHE_DIR``: see the settings), so what one process stores or
bumps every other one sees, management commands included.
"""

import hashlib
import logging
import os
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("core.cache")

_last_warning = 0.0


def warn(action, error):
    """Log an unreachable cache at most once a minute per process."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("Cache unavailable (%s: %s); serving uncached.", action, error)


def get_many(keys):
    """``{key: value}`` of the keys found, or None when the cache is down."""
    try:
        return cache.get_many(keys)
    except Exception as error:
        warn("get", error)
        return None


def set(key, value, timeout):
    try:
        cache.set(key, value, timeout)
    except Exception as error:
        warn("set", error)


def add(key, value, timeout):
    """True when ``key`` was free and now holds ``value``; None on an outage."""
    try:
        return cache.add(key, value, timeout=timeout)
    except Exception as error:
        warn("add", error)
        return None


def delete(key):
    try:
        cache.delete(key)
    except Exception as error:
        warn("delete", error)


def build_id():
    """Identifies the code and templates that render pages, so a deploy never
    serves what the previous release cached. RELEASE (e.g. a git sha) wins;
    otherwise the size and mtime of every source file of our installed apps
    (found through the app registry) and of the site's templates and static
    files are hashed."""
    release = os.environ.get("RELEASE")
    if release:
        return release
    base = Path(settings.BASE_DIR).resolve()
    folders = {
        Path(app.path).resolve()
        for app in apps.get_app_configs()
        if Path(app.path).resolve().is_relative_to(base)
    }
    folders.update(Path(d).resolve() for t in settings.TEMPLATES for d in t.get("DIRS", []))
    folders.update(Path(d).resolve() for d in settings.STATICFILES_DIRS)
    digest = hashlib.blake2b(digest_size=8)
    for folder in sorted(folders):
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".html", ".css", ".js", ".svg", ".toml"}:
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


BUILD_ID = build_id()


def key(kind, name):
    """A bounded cache key for ``name`` (any text) of one release."""
    digest = hashlib.blake2b(f"{BUILD_ID}|{name}".encode(), digest_size=16).hexdigest()
    return f"{kind}:{digest}"

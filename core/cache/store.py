"""Talking to the shared cache (an outage is logged, never raised to a
reader), the release's keys, and what a process holds of it."""

import collections
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("core.cache")
_last_warning = 0.0


def warn(action, error):
    """Log an unreachable cache at most once a minute per process."""
    global _last_warning
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        logger.warning("Cache unavailable (%s: %s); serving uncached.", action, error)


def _safely(action, call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Exception as error:
        warn(action, error)
        return None


def get_many(keys):
    """``{key: value}`` of the keys found, or None when the cache is down."""
    return _safely("get", cache.get_many, keys)


def set(key, value, timeout):
    _safely("set", cache.set, key, value, timeout)


def add(key, value, timeout):
    """True when ``key`` was free and now holds ``value``; None on an outage."""
    return _safely("add", cache.add, key, value, timeout=timeout)


def delete(key):
    _safely("delete", cache.delete, key)


def build_id():
    """Identifies the code and templates that render pages, so a deploy never
    serves what the previous release cached: RELEASE (e.g. a git sha), or a
    hash of the size and mtime of every source file of our installed apps
    and of the site's templates and static files."""
    if os.environ.get("RELEASE"):
        return os.environ["RELEASE"]
    base = Path(settings.BASE_DIR).resolve()
    folders = {Path(app.path).resolve() for app in apps.get_app_configs()}
    folders = {folder for folder in folders if folder.is_relative_to(base)}
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
    """A bounded cache key for ``name`` (any text) of this release."""
    digest = hashlib.blake2b(f"{BUILD_ID}|{name}".encode(), digest_size=16).hexdigest()
    return f"{kind}:{digest}"


@dataclass(frozen=True, eq=False)
class Entry:
    """A value kept under the versions of the tags it shows."""

    versions: dict  # {tag key: version}
    value: object


class Held:
    """Entries this process holds unpickled, newest last, up to ``limit`` in
    all by ``weigh(entry)`` (1 each by default). The shared cache stays the
    only judge of freshness: the copy saves moving and unpickling it."""

    def __init__(self, limit, weigh=lambda entry: 1):
        self.limit, self.weigh, self.size = limit, weigh, 0
        self.entries, self.lock = collections.OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        with self.lock:
            old = self.entries.pop(key, None)
            self.size -= 0 if old is None else self.weigh(old)
            if self.weigh(entry) > self.limit:
                return
            self.entries[key] = entry
            self.size += self.weigh(entry)
            while self.size > self.limit:
                self.size -= self.weigh(self.entries.popitem(last=False)[1])

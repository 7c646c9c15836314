"""The shared cache (an outage is logged, never raised to a reader), the
release's keys, and what a process holds of it."""

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


def _safely(action, call, *args, **kwargs):
    """``call``'s answer, or None when the cache is down (logged at most
    once a minute per process)."""
    global _last_warning
    try:
        return call(*args, **kwargs)
    except Exception as error:
        if time.monotonic() - _last_warning > 60:
            _last_warning = time.monotonic()
            logger.warning("Cache unavailable (%s: %s); serving uncached.", action, error)
        return None


def get_many(keys):
    """``{key: value}`` of the keys found, or None when the cache is down."""
    return _safely("get", cache.get_many, keys)


def set_many(values, timeout):
    _safely("set", cache.set_many, values, timeout)


def add(key, value, timeout):
    """True when ``key`` was free and now holds ``value``; None on an outage."""
    return _safely("add", cache.add, key, value, timeout=timeout)


def delete_many(keys):
    _safely("delete", cache.delete_many, keys)


LOCK_TIMEOUT = 10  # seconds a render may hold its lock
WAIT_SECONDS = 2.0  # how long a reader waits for another's render


def polls():
    """The pauses of a reader waiting for another process's render."""
    deadline, pauses = time.monotonic() + WAIT_SECONDS, iter((0.002, 0.004, 0.008, 0.015))
    while time.monotonic() < deadline:
        yield time.sleep(next(pauses, 0.025))


def build_id():
    """The code and templates that render pages, so a deploy never serves
    what the previous release cached: RELEASE (e.g. a git sha), or a hash of
    the size and mtime of our apps' sources, templates and static files."""
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
    """A value kept under the versions (``{tag key: version}``) of its tags."""

    versions: dict
    value: object


class Held:
    """Entries this process holds unpickled, newest last, up to ``limit`` by
    ``weigh(entry)``, each with ``checked``: the write clock's value when its
    tags were last seen to stand. While the clock still reads that, nothing
    was bumped since and the entry needs no other reading."""

    def __init__(self, limit, weigh=lambda entry: 1):
        self.limit, self.weigh, self.size = limit, weigh, 0
        self.entries, self.lock = collections.OrderedDict(), threading.Lock()

    def get(self, key):
        """``(entry, checked)``, or ``(None, None)``."""
        with self.lock:
            held = self.entries.get(key)
            if held is not None:
                self.entries.move_to_end(key)
            return held or (None, None)

    def put(self, key, entry, checked=None):
        with self.lock:
            old = self.entries.pop(key, None)
            self.size -= 0 if old is None else self.weigh(old[0])
            if self.weigh(entry) > self.limit:
                return
            self.entries[key] = (entry, checked)
            self.size += self.weigh(entry)
            while self.size > self.limit:
                self.size -= self.weigh(self.entries.popitem(last=False)[1][0])


class Flight(threading.Event):
    """One piece of work under way in this process: set once it ended, with
    its ``result`` (None if it left none)."""

    result = None


class Flights:
    """Work under way in this process, by key: one thread does it, the others
    wait for it and take its result instead of doing it again."""

    def __init__(self):
        self.flights, self.lock = {}, threading.Lock()

    def take(self, keys):
        """``(mine, theirs)``: ``{key: Flight}`` this thread now does, and
        those under way that it should wait for."""
        with self.lock:
            theirs = {key: self.flights[key] for key in keys if key in self.flights}
            mine = {
                key: self.flights.setdefault(key, Flight()) for key in keys if key not in theirs
            }
        return mine, theirs

    def land(self, mine):
        with self.lock:
            for key in mine:
                self.flights.pop(key, None)
        for flight in mine.values():
            flight.set()

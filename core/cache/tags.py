"""Tags with versions, the write clock, and the render that collects tags.

Whatever is cached (a page, a hole, a piece of data) records the *tags* of
what it shows (``framework:12``, ``criteria``...) with each tag's version
when it was computed. A committed write bumps the tags it touches; an entry
is served only while every tag it recorded still has that version.

Versions are values of one shared *write clock*. A render reads the clock
before it reads any data; it may store its result only if every tag it
declared has a version no newer than that reading. A render that overlapped
a write to one of its own tags is served to its own reader and not kept.
"""

import contextlib
import fcntl
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from . import store

#: The bound on staleness if a bump was lost (the cache was down).
PAGE_TIMEOUT = 60 * 60
CLOCK_KEY = "cache:clock"
TAG_PREFIX = "cache:tag:"


def tag_key(tag):
    return TAG_PREFIX + tag


@dataclass
class Render:
    """What one page, hole or piece of data is being computed from: the
    clock read before its data, and the tags it declared."""

    clock: int | None
    tags: set = field(default_factory=set)
    #: Set by the page cache on the page's own render: what its templates
    #: printed, as ``(html, literal parts, hole keys)`` (``holes.fill``).
    pages: list | None = None


_render = ContextVar("cache_render", default=None)


def depends_on(*tags):
    """Declare that what is being rendered or computed shows these tags."""
    render = _render.get()
    if render is not None:
        render.tags.update(tags)


def current():
    return _render.get()


@contextlib.contextmanager
def rendering(clock, *, inherit=True):
    """A render of its own; with ``inherit`` its tags are the enclosing
    one's too (data read for a page), without (a hole) they are not."""
    parent = _render.get()
    render = Render(clock)
    token = _render.set(render)
    try:
        yield render
    finally:
        _render.reset(token)
        if inherit and parent is not None:
            parent.tags |= render.tags


def read_clock(found=None):
    """The write clock (from a ``get_many`` answer holding it, if given),
    started when missing; None when the cache is down."""
    clock = (found or {}).get(CLOCK_KEY)
    if clock is None:
        try:
            cache.add(CLOCK_KEY, time.time_ns(), timeout=None)
            clock = cache.get(CLOCK_KEY)
        except Exception as error:
            store.warn("clock", error)
    return clock


def versions(*renders):
    """For each render, ``{tag key: version}`` to store with what it
    computed, or None when that must not be kept: no tag declared, the
    cache unreachable, or one of its tags bumped after its clock was read.
    One round trip for all of them."""
    wanted = sorted({tag_key(t) for r in renders if r.clock is not None for t in r.tags})
    found = store.get_many(wanted) if wanted else {}
    if found is None:
        return [None] * len(renders)
    missing = [k for k in wanted if k not in found]
    if missing:
        # Never bumped since the cache started, or evicted: the clock's
        # current value, equal to an evicted version only if nothing at all
        # was written since.
        try:
            now = read_clock(cache.get_many([CLOCK_KEY]))
            for k in missing:
                cache.add(k, now, timeout=None)
            found.update(cache.get_many(missing))
        except Exception as error:
            store.warn("add", error)
            found = None
    result = []
    for render in renders:
        keys = [tag_key(tag) for tag in sorted(render.tags)]
        if (
            not keys
            or render.clock is None
            or found is None
            or any(found.get(k) is None or found[k] > render.clock for k in keys)
        ):
            result.append(None)
        else:
            result.append({k: found[k] for k in keys})
    return result


def holds(recorded, found):
    """True when every tag still has its recorded version in ``found``."""
    return all(found.get(k) == v for k, v in recorded.items())


def bump(*tags):
    """Make every entry that shows one of these tags stale at once: the tags
    take the write clock's next value. Advancing the clock and setting the
    tags is one step, so a tag never moves back to an older version."""
    keys = sorted({tag_key(tag) for tag in tags})
    if not keys:
        return
    try:
        atomic = getattr(cache, "advance_and_stamp", None)
        if atomic is not None:  # Redis: one script
            atomic(CLOCK_KEY, keys, start=time.time_ns())
            return
        with _one_bump_at_a_time():
            cache.set_many(dict.fromkeys(keys, _advance_clock()), timeout=None)
    except Exception:
        store.logger.exception("Could not invalidate cached pages for %s", keys)


def bump_on_commit(*tags):
    """Bump the tags once the current transaction commits (at once outside one)."""
    if tags:
        transaction.on_commit(lambda: bump(*tags))


def _is_file_cache():
    return settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache")


def _advance_clock():
    if _is_file_cache():
        # No atomic incr: bumps take turns under a lock file, and max()
        # survives the wall clock stepping back.
        value = max(time.time_ns(), (cache.get(CLOCK_KEY) or 0) + 1)
        cache.set(CLOCK_KEY, value, timeout=None)
        return value
    try:
        return cache.incr(CLOCK_KEY)
    except ValueError:  # missing (evicted, flushed): restart above earlier values
        cache.add(CLOCK_KEY, time.time_ns(), timeout=None)
        return cache.incr(CLOCK_KEY)


_bump_lock = threading.Lock()


@contextlib.contextmanager
def _one_bump_at_a_time():
    """This process's threads take turns (the local-memory cache is the
    process's own); with the file-based cache every process on the machine
    does, through a lock file beside the entries."""
    with _bump_lock:
        if not _is_file_cache():
            yield
            return
        folder = Path(settings.CACHES["default"]["LOCATION"])
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "bump.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

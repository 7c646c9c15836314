"""Data shared by many requests, and what is derived from it per process.

``cached()`` keeps a computed value (the comparison matrix, say) in the
shared cache under the tags it declared, like a page. Each process also
holds the values it served lately, so a hit on one costs one round trip
for its tags' versions and no unpickling; while those stand, every request
of the process gets the same object, and ``derived()``/``fragment()`` keep
what is computed from it (scores, structured data, rendered HTML) on it:
computed once per process and version of the data.
"""

import collections
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from . import store, tags


@dataclass(frozen=True, eq=False)
class Data:
    versions: dict  # {tag key: version}
    value: object


#: Values this process holds unpickled, newest last.
MEMO_SIZE = 64
_memo = collections.OrderedDict()
_memo_lock = threading.Lock()


def _hold(key, entry):
    with _memo_lock:
        _memo[key] = entry
        _memo.move_to_end(key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)


def _current(entry):
    if entry is None:
        return None
    found = store.get_many(list(entry.versions))
    return entry if found is not None and tags.holds(entry.versions, found) else None


def cached(name, compute, tags_of, timeout=tags.PAGE_TIMEOUT):
    """``compute()``, kept until one of ``tags_of(value)`` is bumped. The
    tags are declared to the enclosing render too."""
    if not settings.PAGE_CACHE:
        value = compute()
        tags.depends_on(*tags_of(value))
        return value
    key = store.key("data", name)
    with _memo_lock:
        entry = _current(_memo.get(key))
    found = {}
    if entry is None:
        found = store.get_many([key, tags.CLOCK_KEY]) or {}
        entry = _current(found.get(key))
    if entry is not None:
        _hold(key, entry)
        tags.depends_on(*(k.removeprefix(tags.TAG_PREFIX) for k in entry.versions))
        return entry.value
    with tags.rendering(tags.read_clock(found)) as render:
        value = compute()
        tags.depends_on(*tags_of(value))
    (recorded,) = tags.versions(render)
    if recorded is not None:
        entry = Data(recorded, value)
        store.set(key, entry, timeout)
        _hold(key, entry)
    return value


#: Most values kept on one owner: keys naming a request's host are bounded
#: by ALLOWED_HOSTS, which may allow a whole domain.
DERIVED_MAX = 96


def derived(owner, key, compute, *, timeout=None):
    """``compute()``, kept on ``owner`` (a ``cached()`` value) for the next
    calls with the same ``key``, at most ``timeout`` seconds. ``compute``
    may read only ``owner`` and what ``key`` names; what it returns is
    shared by the process's threads, so it is read-only by convention."""
    kept = getattr(owner, "__dict__", None)
    if kept is None:
        return compute()
    kept = kept.setdefault("_derived", {})
    now = time.monotonic()
    found = kept.get(key)
    if found is not None and (found[0] is None or found[0] > now):
        return found[1]
    value = compute()
    if key in kept or len(kept) < DERIVED_MAX:
        kept[key] = (None if timeout is None else now + timeout, value)
    return value


def fragment(owner, key, render):
    """HTML ``render()`` returns, kept on ``owner`` like ``derived()``: a
    part of a page that is the same for every reader while ``owner``'s
    data stands (holes in it are resolved per request). Kept at most as long
    as a cached page, as texts such as "checked 2 years ago" age."""
    return derived(owner, ("fragment", *key), render, timeout=tags.PAGE_TIMEOUT)

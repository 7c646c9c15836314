"""Data shared by many requests (``cached``), and what each process derives
from it once per version (``derived``, ``fragment``): the process holds the
values it served, so a hit costs one round trip for its tags' versions.
"""

import time

from django.conf import settings
from django.utils import timezone

from . import store, tags

_held = store.Held(64)


def cached(name, compute, tags_of, timeout=tags.PAGE_TIMEOUT):
    """``compute()``, kept until one of ``tags_of(value)`` is bumped. The
    tags are declared to the enclosing render too."""
    if not settings.PAGE_CACHE:
        value = compute()
        tags.depends_on(*tags_of(value))
        return value
    key, found = store.key("data", name), {}
    entry, checked = _held.get(key)
    if entry is not None and (checked is None or checked != tags.seen()):
        found, checked = tags.check(entry.versions)
        entry = entry if checked is not None else None
    if entry is None:
        found = store.get_many([key, tags.CLOCK_KEY]) or {}
        entry = found.get(key)
        checked = tags.check(entry.versions)[1] if entry is not None else None
        entry = entry if checked is not None else None
    if entry is not None:
        _held.put(key, entry, checked)
        tags.depends_on(*(k.removeprefix(tags.TAG_PREFIX) for k in entry.versions))
        return entry.value
    with tags.rendering(tags.read_clock(found)) as render:
        value = compute()
        tags.depends_on(*tags_of(value))
    (versions,) = tags.versions(render)
    if versions is not None:
        store.set_many({key: store.Entry(versions, value)}, timeout)
        _held.put(key, store.Entry(versions, value))
    return value


DERIVED_MAX = 96  # values kept on one owner: ALLOWED_HOSTS may allow a domain


def derived(owner, key, compute, *, timeout=None, fresh=None):
    """``compute()``, kept on ``owner`` (a ``cached()`` value) for calls with
    the same ``key``, at most ``timeout`` seconds and while ``fresh(value)``
    holds. ``compute`` may read only ``owner`` and what ``key`` names; its
    value is shared, so read-only."""
    kept = getattr(owner, "__dict__", None)
    if kept is None:
        return compute()
    kept, now = kept.setdefault("_derived", {}), time.monotonic()
    found = kept.get(key)
    current = found is not None and (found[0] is None or found[0] > now)
    if current and (fresh is None or fresh(found[1])):
        return found[1]
    value = compute()
    if key in kept or len(kept) < DERIVED_MAX:
        kept[key] = (None if timeout is None else now + timeout, value)
    return value


def fragment(owner, key, render):
    """HTML every reader sees alike, kept on ``owner`` like ``derived()`` (its
    holes filled per request), as long as a page and within one local day:
    "2 years ago" ages and "out of date" marks come with a new day. The
    tags it declared (``tags.DAY``) are declared again each time it serves."""

    def compute():
        with tags.rendering(None) as inner:
            html = render()
        return timezone.localdate(), html, frozenset(inner.tags)

    def today(kept):
        return kept[0] == timezone.localdate()

    _, html, shown = derived(
        owner, ("fragment", *key), compute, timeout=tags.PAGE_TIMEOUT, fresh=today
    )
    tags.depends_on(*shown)
    return html

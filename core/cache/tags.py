"""Tags with versions, the write clock, and the render that collects tags.

An entry records the versions of the tags it shows and is served only
while they stand. Versions are values of one write clock, read before any
data: a render that overlapped a write to its own tags is not kept.
"""

import contextlib
import fcntl
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache, caches
from django.db import transaction
from django.utils import timezone

from . import store

PAGE_TIMEOUT = 60 * 60  # the bound on staleness if a bump was lost (cache down)
CLOCK_KEY = "cache:clock"
#: When a tag was last bumped (ms since the epoch, the bumping host's clock):
#: the read replica is read only when that is long enough ago (core.replica).
WRITTEN_KEY = "cache:written"
TAG_PREFIX = "cache:tag:"
#: Advance the counter KEYS[1] (started at ARGV[1] when missing), set KEYS[2]
#: to ARGV[2] (the time) and the other keys to the counter's text (a Lua
#: double cannot hold 19 digits), as one step.
ADVANCE_AND_STAMP = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2])
local value = redis.call('GET', KEYS[1])
for i = 3, #KEYS do redis.call('SET', KEYS[i], value) end
"""


def tag_key(tag):
    return TAG_PREFIX + tag


#: What shows a date's age (an "out of date" mark): it stands until the
#: local date changes. The first request of a day bumps it (``new_day``).
DAY = "day"
DAY_KEY = "cache:day"
_today = [None]  # the local date this process last saw DAY_KEY hold


def today():
    """The local date, for what shows it or an age: declares ``DAY``, so
    what is cached of it stands only until the date changes."""
    depends_on(DAY)
    return timezone.localdate()


def new_day():
    """At the first request of a local day (in each process: one reading
    of the shared cache), bump ``DAY`` unless another process did."""
    today = timezone.localdate().isoformat()
    if _today[0] == today:
        return
    found = store.get_many([DAY_KEY])
    if found is None:  # the cache is down: nothing is kept meanwhile
        return
    if found.get(DAY_KEY) != today:
        bump(DAY)
        store.set_many({DAY_KEY: today}, None)
    _today[0] = today


@dataclass
class Render:
    """A page, hole or value being computed: the clock read before its data,
    the tags it declared, the clock as the request first read it (``seen``)
    and, for a page kept for everyone, what its templates printed
    (``(html, literal parts, hole keys)``)."""

    clock: int | None
    tags: set = field(default_factory=set)
    pages: list | None = None
    seen: int | None = None


_render = ContextVar("cache_render", default=None)
current = _render.get


def depends_on(*tags):
    """Declare that what is being rendered or computed shows these tags."""
    render = _render.get()
    if render is not None:
        render.tags.update(tags)


@contextlib.contextmanager
def rendering(clock, *, inherit=True):
    """A render of its own; with ``inherit`` its tags are the enclosing
    one's too (data read for a page), without (a hole) they are not."""
    parent = _render.get()
    render = Render(clock, seen=parent.seen if parent is not None else clock)
    token = _render.set(render)
    try:
        yield render
    finally:
        _render.reset(token)
        if inherit and parent is not None:
            parent.tags |= render.tags


def seen():
    """The write clock as this request first read it (None outside one)."""
    render = _render.get()
    return None if render is None else render.seen


def check(recorded, keys=()):
    """Read the clock, then the ``recorded`` versions' keys and ``keys``:
    ``(found, clock)``, ``clock`` the value at which the versions stand
    (None when they do not or cannot be read) until the clock moves on."""
    found = store.get_many(list(dict.fromkeys([CLOCK_KEY, *recorded, *keys])))
    if found is None or CLOCK_KEY not in found or not holds(recorded, found):
        return found, None
    return found, found[CLOCK_KEY]


def read_clock(found=None):
    """The write clock (from ``found``, a ``get_many`` answer, if there),
    started when missing; None when the cache is down."""
    found = found if found is not None else store.get_many([CLOCK_KEY]) or {}
    clock = found.get(CLOCK_KEY)
    if clock is None and store.add(CLOCK_KEY, time.time_ns(), None) is not None:
        clock = (store.get_many([CLOCK_KEY]) or {}).get(CLOCK_KEY)
    return clock


def versions(*renders):
    """For each render, ``{tag key: version}`` to store with what it computed,
    or None when that must not be kept: no tag declared, the cache down, or
    a tag bumped after its clock was read, or (read from the replica) a
    write within ``REPLICA_LAG``, which the replica may lack though the
    render read the clock after it (core.replica). One round trip for all."""
    from core import replica  # which reads this module

    wanted = sorted({tag_key(t) for r in renders if r.clock is not None for t in r.tags})
    lagging = wanted and replica.read_by_this_request()
    found = store.get_many([*wanted, WRITTEN_KEY] if lagging else wanted) if wanted else {}
    if lagging and (found is None or not replica.quiet(found.get(WRITTEN_KEY))):
        return [None] * len(renders)
    missing = [k for k in wanted if found is not None and k not in found]
    if missing:  # never bumped, or evicted: the clock's value
        now = read_clock()
        for k in missing if now is not None else ():
            store.add(k, now, None)
        found |= store.get_many(missing) or {}
    result = []
    for render in renders:
        keys = [tag_key(tag) for tag in sorted(render.tags)]
        kept = keys and render.clock is not None and found is not None
        if kept and all(k in found and found[k] <= render.clock for k in keys):
            result.append({k: found[k] for k in keys})
        else:
            result.append(None)
    return result


def holds(recorded, found):
    """True when every tag still has its recorded version in ``found``."""
    return all(found.get(k) == v for k, v in recorded.items())


def bump(*tags):
    """Make every entry that shows one of these tags stale: the tags take the
    clock's next value, in one step with advancing it, so a tag never moves
    back to an older version."""
    keys = sorted({tag_key(tag) for tag in tags})
    if not keys:
        return
    try:
        if hasattr(cache, "run_script"):  # Redis: one step
            now = time.time_ns()
            cache.run_script(
                ADVANCE_AND_STAMP, [CLOCK_KEY, WRITTEN_KEY, *keys], [now, now // 1_000_000]
            )
        else:
            _advance_clock_stamping(keys)
    except Exception:
        store.logger.exception("Could not invalidate cached pages for %s", keys)


_batch = ContextVar("cache_bump_batch", default=None)


def bump_on_commit(*tags):
    """Bump the tags once the current transaction commits (at once outside
    one); inside ``bumping_once()``, once when it ends."""
    batch = _batch.get()
    if batch is not None:
        batch.update(tags)
    elif tags:
        transaction.on_commit(lambda: bump(*tags))


@contextlib.contextmanager
def bumping_once():
    """For a transaction that writes many rows (an import): the tags its
    writes bump are collected and bumped in one step when it commits, not
    once per row. Use it inside the transaction: if the block fails, the
    transaction rolls back and nothing is bumped."""
    batch = set()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    bump_on_commit(*batch)


_bump_lock = threading.Lock()


def _advance_clock_stamping(keys):
    """Advance the clock to the wall clock's nanoseconds (or one more than
    its last value) and set ``keys`` to it. Bumps take turns: this process's
    threads and, with the file-based cache, every process on the machine
    through a lock file beside the entries."""
    with contextlib.ExitStack() as turn:
        turn.enter_context(_bump_lock)
        folder = getattr(caches["default"], "_dir", None)  # the file-based cache's
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
            handle = turn.enter_context(open(Path(folder) / "bump.lock", "a"))
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        value = max(time.time_ns(), (cache.get(CLOCK_KEY) or 0) + 1)
        cache.set_many(dict.fromkeys(keys, value) | {WRITTEN_KEY: value // 1_000_000}, None)
        cache.set(CLOCK_KEY, value, timeout=None)  # last: a reader who sees it sees the tags

"""The page cache and the data cache: tagged entries, exact invalidation.

What a cached entry depends on
    Every cached entry (a whole anonymous page, or a piece of data such as the
    comparison matrix that signed-in members' pages share) records the *tags*
    of what it shows: ``framework:12`` (Flask's own figures, pros, cons and
    votes), ``framework-refs`` (frameworks' names and taglines on alternative
    cards), ``criteria``, ``comparisons``, ``members``... Code that reads data
    for a page declares the tags with ``depends_on()`` (the apps' ``cache.py``
    modules name their tags and say which page shows what). When the page is
    stored, the current *version* of each tag is stored with it.

What a write does
    Each app's ``signals.py`` turns a committed change into the tags it
    touches and calls ``bump()`` from ``transaction.on_commit``: a vote on a
    Flask con bumps ``framework:<flask>`` and ``catalogue``, nothing else.
    Bumping gives the tag a new random version, so every entry that recorded
    the old one is stale; nothing else is touched. Django's page and
    ``/compare/django-vs-laravel-vs-nodejs/`` stay cached.

Why it is exact
    A hit re-reads the versions of the entry's tags from the shared cache
    and serves the entry only if all still match (each process also holds
    the entries it served lately, ``_HeldPages``, so a hit usually moves
    only those versions, in one round trip), so a bump made before
    a vote's response was sent is seen by every later request, on every
    worker that shares the cache. The one race is a page rendered *while* a
    write commits: its data may predate the write although the tag versions
    it reads afterwards do not. A write clock closes it: versions are values
    of a shared counter (``incr`` of one cache key, so every bump gets a new,
    larger value), which ``bump()`` advances after the commit. A render reads
    the clock before it reads any data; when it stores its result, every tag
    it shows must carry a version no newer than that reading, which proves
    the bump, and so the commit, happened before the data was read. A render
    that overlapped a write *to one of its own tags* is served to its own
    client and simply not kept; writes elsewhere do not disturb it. A tag
    missing from the cache (never bumped, or evicted) starts at the clock's
    current value, which equals an evicted version only if nothing at all was
    written since. Advancing the clock and setting the tags is one step (a
    script on Redis; elsewhere bumps take turns), so a tag never goes back
    to an older version. (Django's file-based cache has no atomic ``incr``;
    there the clock is the machine's nanosecond clock, which every worker
    on that one machine shares, advanced under a lock file.)

Coalescing
    When many readers miss the same page at once, the first takes a short
    lock and renders; the others poll for the entry (and validate it like any
    hit) instead of rendering the same page N times. If a write to the page
    overlapped the leader's render, its result is not kept but is handed to
    the waiters that arrived before the render read the clock: every write
    they could have seen finished before that, so the page is exact for
    them. Later arrivals, and waiters of a leader that left nothing (a 404),
    elect a new leader.

Live figures
    Some figures change far more often than the pages that show them: a vote
    changes one count on a page that otherwise stays the same for hours. Such
    figures are *live*: a template prints them with ``live()``, which, while
    an anonymous page is rendered for the cache, leaves a slot in the HTML
    instead of the number. The entry keeps the HTML cut at its slots, plus
    the *groups* the figures come from (``votes`` of framework 12: every
    count of Flask's pros and cons and their sum). Each group is a small
    cached entry of its own, kept exact like any other (a vote bumps the
    group's tag, ``votes:12``); a hit fetches the groups it needs in the same
    round trip as its tags, recomputes any stale group (one small query for
    all of them) and fills the slots. A vote therefore invalidates no page at
    all, only a group of numbers, and no reader ever sees an old count.
    Where the *order* of a list depends on live figures (pros by votes, the
    catalogue sorted by votes, the popular ranking), the code that builds it
    records the figures it was sorted by with ``live_order()``; a hit whose
    figures would now compare differently (a pro overtook another, two
    tied...) is a miss and the page is rendered again. The tags a live group
    covers are not recorded by the page, so they do not invalidate it: a
    page must print every figure of those tags through ``live()`` (a test
    renders every demo page after a vote and compares it with a hit). Only
    HTML pages are served this way: other formats (the API's JSON, CSV
    exports) print figures as they are and keep every tag they declared.
    Outside the page cache (signed-in members) ``live()`` prints the figure
    itself, read from the same groups (once per request, ``current_figures``).
    Data behind those pages can therefore outlive votes too: a
    ``cached(..., live=True)`` entry (the comparison matrix) does not record
    the tags of its live groups, and a hit checks the orders it recorded
    instead, computing the entry again only when a vote changed one. Lists
    whose order a vote changes often (pros and cons) are best ordered when
    the page is rendered (``live_sorted``): the data then holds no such
    order at all. A page that shows such a list whole lays it out for the
    cache (``LiveList``): each item is kept as a piece, and a hit puts the
    pieces in the order of the current figures, so a vote that reorders
    pros or cons re-renders nothing at all (lists shown in part, like the
    embed's top three, keep their order checked and re-render). Data
    printed as it is (the API, exports) keeps the vote tags. A vote stores
    its framework's group itself, in the same step as its bump
    (``bump_live``), so readers never find it stale and each run the query
    again.

Fragments
    Parts of a page that are the same for every reader (the comparison
    table's criteria, the decisions, the alternatives) are rendered once per
    process and version of their data and kept on the data-cache value they
    come from (``fragment()``, ``{% call fragment(page, ...) %}`` in
    templates): a signed-in member's page, which the page cache cannot
    serve, renders only what is theirs. A new version of the data has no
    fragments. A fragment that prints live figures (the pros and cons with
    their counts, the statistics) is kept cut at its slots like a stored
    page, and each use fills them from the request's figures and re-sorts
    its lists; what differs per reader inside it (whether they voted for an
    item, the CSRF field of its forms) is a slot too, filled from that
    reader (``Reader``). So a vote re-renders no fragment, and a member's
    page renders little more than its header and its own buttons.

Failure
    The cache is an optimisation. If it cannot be reached, pages are rendered
    uncached and a warning is logged (at most once a minute per process);
    nothing raises to the visitor. Bumps that fail are logged as errors: an
    entry can then outlive its data until PAGE_TIMEOUT (an hour), which is
    the bound on staleness after a cache outage.

Keys
    Page keys carry a build id (a deploy never serves the previous release's
    pages), the scheme, the host and the path with its query string. Views
    name the query parameters they read (``cache_anonymous(params=...)``);
    any other parameter redirects to the canonical URL, and one client may
    add at most ``PAGE_CACHE_FILL_RATE`` new keys (re-filling an invalidated
    page is free), so no one can flood the cache with ``?utm=1..300``.
"""

import collections
import contextlib
import contextvars
import fcntl
import hashlib
import itertools
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified, HttpResponsePermanentRedirect
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from markupsafe import escape

from core import ratelimit

logger = logging.getLogger(__name__)

PAGE_TIMEOUT = 60 * 60  # an hour: the bound on staleness if a bump was lost
CLOCK_KEY = "cache:clock"
TAG_PREFIX = "cache:tag:"
LOCK_TIMEOUT = 10  # seconds a render may hold the coalescing lock
WAIT_SECONDS = 2.0  # how long a follower waits for the leader's render
POLL_SECONDS = (0.002, 0.004, 0.008, 0.015, 0.025)


def build_id():
    """Identifies the code and templates that render pages, so a deploy never
    serves pages cached by the previous release. RELEASE (e.g. a git sha)
    wins; otherwise the size and mtime of every source file of our installed
    apps (found through the app registry, so a new app is never missed) and
    of the site-wide templates and static files are hashed."""
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


# --- Talking to the cache: never let an outage reach the visitor -------------

_last_warning = 0.0


def _warn(action, error):
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("Cache unavailable (%s: %s); serving uncached.", action, error)


def _get_many(keys):
    try:
        return cache.get_many(keys)
    except Exception as error:
        _warn("get", error)
        return None


def _set(key, value, timeout):
    try:
        cache.set(key, value, timeout)
    except Exception as error:
        _warn("set", error)


def _new_token():
    return secrets.randbits(62)


def _clock_is_wall():
    return settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache")


def _advance_clock():
    """The write clock's next value: larger than every value read before.
    Call it only inside ``_bumping()``."""
    if _clock_is_wall():
        # The file-based cache has no incr; bumps take turns (_bumping), so
        # read-and-set is safe, and max() survives the wall clock stepping back.
        value = max(time.time_ns(), (cache.get(CLOCK_KEY) or 0) + 1)
        cache.set(CLOCK_KEY, value, timeout=None)
        return value
    try:
        return cache.incr(CLOCK_KEY)
    except ValueError:  # missing (evicted, flushed): restart above earlier values
        if cache.add(CLOCK_KEY, time.time_ns(), timeout=None):
            return cache.get(CLOCK_KEY)
        return cache.incr(CLOCK_KEY)


_bump_lock = threading.Lock()


@contextlib.contextmanager
def _bumping():
    """One bump at a time among those that share the cache: this process's
    threads (the local-memory cache is the process's own) and, for the
    file-based cache, every process on the machine (a lock file beside the
    entries). Redis needs neither: there a bump is one script."""
    with _bump_lock:
        if not _clock_is_wall():
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


# --- Tags: what an entry depends on, and their versions ---------------------

_collecting = contextvars.ContextVar("cache_dependencies", default=None)


def depends_on(*tags):
    """Declare that what is being rendered or computed shows these tags."""
    collected = _collecting.get()
    if collected is not None:
        collected.update(tags)


class _Collect:
    """Collects the tags declared while an entry is computed, and the write
    clock read before any of its data. Nested collections (a data-cache entry
    inside a page) add their tags to the enclosing one."""

    def __init__(self, clock):
        self.clock = clock
        self.tags = set()

    def __enter__(self):
        self._token = _collecting.set(self.tags)
        return self

    def __exit__(self, *exc):
        _collecting.reset(self._token)
        depends_on(*self.tags)

    def versions(self):
        """The tags' versions, or None when the entry must not be kept: one of
        its tags was bumped after the clock was read (the data may predate
        that write), no tag was declared, or the cache is unreachable."""
        if not self.tags or self.clock is None:
            return None
        keys = [TAG_PREFIX + tag for tag in sorted(self.tags)]
        found = _get_many(keys)
        if found is None:
            return None
        missing = [key for key in keys if key not in found]
        try:
            if missing:
                # Never bumped since the cache started, or evicted: the clock's
                # current value. Equal to an evicted version only if nothing at
                # all was written since, so no entry becomes wrongly valid.
                now = _read_clock(cache.get_many([CLOCK_KEY]))
                for key in missing:
                    cache.add(key, now, timeout=None)
                found.update(cache.get_many(missing))
        except Exception as error:
            _warn("add", error)
            return None
        if any(found.get(key) is None or found[key] > self.clock for key in keys):
            return None
        return found


def _read_clock(found):
    """The write clock from a get_many answer, started when missing."""
    clock = found.get(CLOCK_KEY)
    if clock is None:
        try:
            cache.add(CLOCK_KEY, time.time_ns(), timeout=None)
            clock = cache.get(CLOCK_KEY)
        except Exception as error:
            _warn("add", error)
            return None
    return clock


def _is_fresh(versions, groups=()):
    """True when every tag still has the version recorded in an entry.

    ``groups``: live groups the request will print next (those a data
    entry's recorded orders name), read in the same round trip and kept as
    the request's reading of their figures (``current_figures``)."""
    wanted = _unread_groups(groups)
    found = _get_many([*versions, *(key for pair in wanted.values() for key in pair)])
    if found is None:
        return False
    if wanted:
        _keep_figures(wanted, found)
    return all(found.get(k) == v for k, v in versions.items())


def bump(*tags):
    """Make every entry that shows one of these tags stale, at once: the tags
    get the write clock's next value (see "Why it is exact" above)."""
    if not tags:
        return
    keys = [TAG_PREFIX + tag for tag in sorted(set(tags))]
    try:
        # Advancing the clock and setting the tags must be one step: two
        # bumps that interleave (A advances, B advances and sets, A sets)
        # would move a tag back to A's older version, and a page rendered
        # between B's commit and B's bump, which misses B's write, would
        # record that version and be served as fresh after B's response.
        _bump_storing(None, keys, {})
    except Exception:
        logger.exception("Could not invalidate cached pages for %s", sorted(set(tags)))


def write_clock():
    """The write clock's value, or None if the cache cannot be reached.

    For a write that computes its live groups' new figures itself, in its
    own statement, and hands them to ``bump_live``: read it before that
    statement starts (see there)."""
    try:
        return cache.get(CLOCK_KEY)
    except Exception as error:
        _warn("get", error)
        return None


def bump_live(source, groups, *tags, reading=None):
    """``bump(*tags)`` for a write to the figures of live ``groups`` (whose
    tags are among ``tags``) that also stores those groups' new figures in
    the same step, so that no reader finds them stale and each runs the
    query itself (a vote: the readers of every page showing its framework).

    The clock is read, then the figures; the bump then stamps the groups
    with the tags' new version too, if the clock has not moved since (one
    Lua script on Redis; elsewhere inside the bumps' turn-taking). Every
    write whose bump came before that reading committed before the figures
    were read, so they show it; a write that lands later bumps after, with
    a newer version. If another bump came between, the figures are not
    stored and the groups' next reader stores them: trying again would
    cost the voters of a busy site a second query each, exactly when votes
    are busiest.

    ``reading`` is ``(clock, {group: figures})`` when the writer read the
    clock (``write_clock``) before a statement that made its write and read
    the figures too, with the write's own change applied: PostgreSQL's
    vote does, which saves the figures' query. The same rule holds, as
    that statement's snapshot is taken after the clock was read."""
    groups = [(source, str(group)) for group in groups]
    tag_keys = [TAG_PREFIX + tag for tag in sorted(set(tags))]
    try:
        clock, computed = reading or (cache.get(CLOCK_KEY), None)
        if clock is not None:
            if computed is None:
                computed = _sources[source].compute([group for _, group in groups])
            figures = {
                entry_key: computed.get(group[1], {})
                for group, (entry_key, _) in _group_keys(groups).items()
            }
            _bump_storing(clock, tag_keys, figures)
            return
    except Exception:
        logger.exception("Could not store the figures of %s", groups)
    bump(*tags)


def _bump_storing(clock, tag_keys, figures):
    """Advance the clock and set the tags to its new value, as one step
    (see ``bump``); if the clock still read ``clock``, set the group
    entries ``{entry key: figures}`` to it too, in that same step. Returns
    whether the figures were stored."""
    atomic = getattr(cache, "advance_and_stamp", None)
    if atomic is not None:
        entries = {key: (clock + 1, values) for key, values in figures.items()}
        return atomic(
            CLOCK_KEY,
            tag_keys,
            start=time.time_ns(),
            expected=clock,
            entries=entries,
            timeout=PAGE_TIMEOUT,
        )
    with _bumping():
        unchanged = cache.get(CLOCK_KEY) == clock
        version = _advance_clock()
        cache.set_many(dict.fromkeys(tag_keys, version), timeout=None)
        if unchanged:
            entries = {key: (version, values) for key, values in figures.items()}
            cache.set_many(entries, PAGE_TIMEOUT)
        return unchanged


def bump_on_commit(*tags):
    """Bump the tags once the current transaction commits (at once outside one)."""
    if tags:
        transaction.on_commit(lambda: bump(*tags))


# --- The data cache -----------------------------------------------------------


def _data_key(name):
    return "data:" + hashlib.blake2b(f"{BUILD_ID}|{name}".encode(), digest_size=16).hexdigest()


def cached(name, compute, tags_of, timeout=PAGE_TIMEOUT, *, live=False):
    """``compute()``, kept until one of ``tags_of(value)`` is bumped.

    For data that many requests share but the page cache cannot hold, e.g.
    the comparison matrix behind a signed-in member's page. The tags are
    declared to the enclosing page too.

    ``live=True`` is for data that only pages print, whose live figures go
    through ``live()`` and whose lists sorted by them are recorded with
    ``live_order()``: like a stored page, the entry does not record the
    tags its live groups cover, so a vote keeps it (and the fragments
    rendered from it); a hit checks its recorded orders against the
    current figures instead, and is computed again if one changed. Data
    that prints figures as they are (exports, the API) must not use it."""
    if not settings.PAGE_CACHE:
        value = compute()
        depends_on(*tags_of(value))
        return value
    key = _data_key(name)
    with _memo_lock:
        entry = _memo.get(key)
    if entry is None or not _is_fresh(entry[0], _order_groups(entry[2]) if live else ()):
        found = _get_many([key, CLOCK_KEY]) or {}
        entry = found.get(key)
        if entry is not None and not _is_fresh(entry[0]):
            entry = None
    else:
        found = {}
    if entry is not None and live and entry[2]:
        figures = current_figures(_order_groups(entry[2]))
        if figures is None or not _orders_hold(entry[2], figures):
            entry = None
            found = _get_many([CLOCK_KEY]) or {}
    if entry is not None:
        _remember(key, entry)
        depends_on(*(k.removeprefix(TAG_PREFIX) for k in entry[0]))
        _record_orders(entry[2])
        return entry[1]
    orders = []
    token = _orders.set(orders)
    try:
        with _Collect(_read_clock(found)) as collect:
            value = compute()
            depends_on(*tags_of(value))
            if live:
                collect.tags -= _covered(_order_groups(orders))
    finally:
        _orders.reset(token)
    _record_orders(orders)
    versions = collect.versions()
    if versions is not None:
        entry = (versions, value, tuple(orders))
        _set(key, entry, timeout)
        _remember(key, entry)
    return value


#: Data-cache entries this process already holds unpickled, newest last. A
#: hit that finds its entry here checks its tags like any hit and skips
#: fetching and unpickling the value (the comparison matrix is some 60 KB
#: of model rows). Values are read-only by convention, so threads share them;
#: the one thing added to them is the fragments ``fragment()`` renders.
MEMO_SIZE = 64
_memo = collections.OrderedDict()
_memo_lock = threading.Lock()


def _remember(key, entry):
    with _memo_lock:
        _memo[key] = entry
        _memo.move_to_end(key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)


# --- Derived values: computed once per version of their data -----------------

#: Most values ``derived()`` keeps on one owner: keys naming a request's host
#: are bounded by ALLOWED_HOSTS, which may allow a whole domain.
DERIVED_MAX = 16


def derived(owner, key, compute):
    """``compute()``, kept on ``owner`` for the next calls with the same
    ``key``: what a view computes from a ``cached()`` value alone (the
    default scores of a comparison, its structured data for one host), once
    per process and version of the data, as ``fragment()`` keeps HTML.
    ``compute`` may read only ``owner`` and what ``key`` names; what it
    returns is shared by the threads, so it is read-only by convention."""
    values = getattr(owner, "__dict__", None)
    if values is None:
        return compute()
    values = values.setdefault("_derived", {})
    value = values.get(key, values)  # ``values`` itself: not kept yet
    if value is values:
        value = compute()
        if len(values) < DERIVED_MAX:
            values[key] = value
    return value


# --- Fragments: parts of pages rendered once per version of their data --------

#: How long a fragment is reused at most: texts that depend on the day
#: ("checked 2 years ago", stale marks) are as old as a cached page may be.
FRAGMENT_TIMEOUT = PAGE_TIMEOUT
_fragment_live = contextvars.ContextVar("fragment_live", default=None)


def fragment(owner, key, render, reader=None):
    """The HTML ``render()`` returns, kept on ``owner`` for the next calls
    with the same ``key``.

    ``owner`` is a value from ``cached()``; while its tags stand, every
    request of this process gets that same object from the memo, so the
    fragment is rendered once per process and version of the data: a
    signed-in member's page (which the page cache cannot serve) reuses the
    table every reader sees instead of rendering it again. When the data
    changes, ``cached()`` computes a new value, which has no fragments yet.
    ``render`` may read only ``owner``, what ``key`` names (e.g. whether
    the reader is signed in) and ``reader``.

    A fragment that prints live figures is kept like a stored page: cut at
    its slots, its laid-out lists in pieces (``LiveList``), its other
    recorded orders to be checked. Each use fills the slots with the
    request's current figures (``current_figures``: the same reading as
    every other figure of the page) and re-sorts the lists; if a recorded
    order no longer holds, the fragment is rendered again. What differs per
    reader inside it (a CSRF field, whether they voted) is printed through
    ``reader`` (a ``Reader``) and filled from the reader of each use.
    Inside an anonymous page rendered for the cache, the page cuts its own
    slots: a fragment with live figures is then rendered into it, not kept.
    """
    fragments = getattr(owner, "__dict__", None)
    if fragments is None:
        return render()
    fragments = fragments.setdefault("_fragments", {})
    now = time.monotonic()
    kept = fragments.get(key)
    page = _live.get()
    if kept is not None and kept[0] > now:
        _, html, piece = kept
        if piece is None:
            return html
        if page is None:
            html = _filled(piece, reader)
            if html is not None:
                return html
    if page is not None:
        printed = []
        token = _fragment_live.set(printed)
        try:
            html = render()
        finally:
            _fragment_live.reset(token)
        if not printed:
            _keep(fragments, key, (now + FRAGMENT_TIMEOUT, html, None))
        return html
    cut = _LiveRender(personal=True)
    tokens = _live.set(cut), _orders.set(cut.orders)
    try:
        html = render()
    finally:
        _orders.reset(tokens[1])
        _live.reset(tokens[0])
    if not cut.texts and not cut.orders:
        _keep(fragments, key, (now + FRAGMENT_TIMEOUT, html, None))
        return html
    if cut.readers - {reader}:
        # Each use fills reader slots from the reader it is given: texts of
        # any other Reader (or of one not passed) would be filled wrongly.
        raise ValueError(f"Fragment {key!r} printed texts of a Reader it was not given.")
    body, slots, groups, orders, lists = _cut(str(html), cut)
    _keep(fragments, key, (now + FRAGMENT_TIMEOUT, None, (body, slots, groups, orders, lists)))
    return cut.fill(str(html))


#: Most fragments kept on one owner: keys naming a request's host (absolute
#: addresses: the head's links, the embed snippets) are bounded by
#: ALLOWED_HOSTS, which may allow a whole domain; a comparison of four
#: frameworks keeps about thirty.
FRAGMENTS_MAX = 96


def _keep(fragments, key, kept):
    if key in fragments or len(fragments) < FRAGMENTS_MAX:
        fragments[key] = kept


def _filled(piece, reader):
    """A kept fragment's HTML for this request; None when a recorded order no
    longer holds (or the figures cannot be read): render it again."""
    body, slots, groups, orders, lists = piece
    figures = current_figures(groups) if groups else {}
    if figures is None or not _orders_hold(orders, figures):
        return None
    return _assemble(body, _live_texts(slots, figures, reader), lists, figures)


class Reader:
    """What differs per reader inside a fragment kept for everyone: named
    texts, each a value or a function of one argument (``reader("pressed",
    p.pk)``). Printed while a fragment is kept, a text is a slot, which each
    use of the fragment fills from its own reader; anywhere else it is just
    the text. Texts are escaped unless marked safe (a CSRF field)."""

    def __init__(self, **texts):
        self.texts = texts
        self.escaped = {}  # (name, arg) -> text: a list repeats them per item

    def text(self, name, arg=""):
        key = (name, str(arg))
        text = self.escaped.get(key)
        if text is None:
            value = self.texts[name]
            text = self.escaped[key] = escape(value(key[1]) if callable(value) else value)
        return text

    def __call__(self, name, arg=""):
        text = self.text(name, arg)
        printed = _fragment_live.get()
        if printed is not None:
            printed.append("reader")
        render = _live.get()
        if render is None or not render.personal:
            return text
        slot = f"@:{name}:{arg}"
        render.texts[slot] = text
        render.readers.add(self)
        return mark_safe(SLOT + slot + SLOT)


# --- Live figures: filled in when a page is served ----------------------------

#: Most groups a page may fill at serve time; a page with more (a catalogue
#: sorted by votes over hundreds of frameworks) is stored with its figures
#: printed and its live tags recorded, like any other page.
LIVE_MAX_GROUPS = 64
SLOT = "\x00"  # Django's forms refuse NUL in text, and PostgreSQL stores none


@dataclass(frozen=True)
class LiveSource:
    """Where a kind of live figure comes from.

    ``compute(groups)`` reads the figures of several groups from the
    database in one go: ``{group: {key: number}}``; ``tag(group)`` is the tag
    bumped when a group's figures change, and ``covers`` the tags whose
    figures the source serves live (e.g. the per-group tag and an "any vote"
    tag that lists depend on)."""

    name: str
    compute: object
    tag: object
    covers: object


_sources = {}


def register_live_source(name, *, compute, tag, covers):
    _sources[name] = LiveSource(name, compute, tag, covers)


def _compact(number):
    from core.templatetags.site import compact

    return compact(number)


FORMATS = {
    "int": str,
    "plural": lambda n: "" if n == 1 else "s",
    "compact": _compact,
}


class _LiveRender:
    """The live figures printed while one page is rendered for the cache, or
    one fragment to be kept for every reader (``personal``: then ``Reader``
    texts are slots too)."""

    def __init__(self, personal=False):
        self.personal = personal
        self.texts = {}  # slot -> the text printed at render time
        self.groups = set()  # (source, group) of the slots
        self.orders = []  # ((refs, score), ...) per ordered list (live_order)
        self.lists = {}  # list id -> its LiveList, laid out for re-sorting
        self.readers = set()  # the Readers whose texts are slots (fragments)

    def fill(self, content):
        """The page (bytes) or fragment (text) as rendered, slots replaced by
        their render-time text."""
        if isinstance(content, str):
            parts = content.split(SLOT)
            parts[1::2] = [self.texts[p] for p in parts[1::2]]
            return "".join(parts)
        parts = content.split(SLOT.encode())
        parts[1::2] = [self.texts[p.decode()].encode() for p in parts[1::2]]
        return b"".join(parts)


_live = contextvars.ContextVar("live_figures", default=None)
_orders = contextvars.ContextVar("live_orders", default=None)


def _slot(source, group, key, fmt):
    return f"{source}:{group}:{key}:{fmt}"


def live(source, group, key, value, fmt="int"):
    """The text of a live figure: ``value`` in format ``fmt``, or, while an
    anonymous page is rendered for the cache, a slot that every hit fills
    with the group's current figure."""
    printed = _fragment_live.get()
    if printed is not None:
        printed.append(source)
    memo = _current.get()
    if memo is not None and source in _sources:
        # Data from a live cached() entry may predate a vote: print the
        # current figure (the value stands for keys the group lacks).
        ref = (source, str(group))
        figures = memo.get(ref)
        if figures is None:
            figures = (current_figures([ref]) or {}).get(ref)
        if figures is not None:
            value = figures.get(key, value)
    text = FORMATS[fmt](value)
    render = _live.get()
    if render is None or source not in _sources:
        return text
    slot = _slot(source, group, key, fmt)
    render.texts[slot] = text
    render.groups.add((source, str(group)))
    return SLOT + slot + SLOT


def live_order(items, *, descending=True):
    """Record that a list was sorted by live figures, ties in a fixed order.

    ``items`` are ``(refs, score)`` pairs in the order shown: ``refs`` the
    figures whose sum is the item's score, as ``(source, group, key)``, and
    ``score`` its value when the list was read. A hit is rendered again when
    the list could now come out in another order: an item passed the one
    before it, caught up with it (how the database breaks that tie is not
    known here), or left a tie it shared and fell behind. Lists must be
    recorded whole, not only their shown part: an item below the cut may
    overtake one above it. Data-cache entries (``cached()``) keep the orders
    recorded while they were computed and record them again on every hit,
    as they do their tags."""
    _record_live(items, "list", 1 if descending else -1)


def live_sorted(items, *, refs, value, tiebreak):
    """``items`` most first by the sum of their live figures, ties by
    ``tiebreak(item)``, with the order recorded (``live_order``).

    ``refs(item)`` names an item's figures as ``(source, group, key)``;
    ``value(item)`` is its score as read with it. Within a request served
    with the page cache on, the current figures decide (read once per
    request): data kept in ``cached()`` then holds no order that a vote can
    make stale, and a vote that reorders a list re-renders only the pages
    showing it, not the data behind them."""
    figures = None
    if _current.get() is not None:
        figures = current_figures({(s, str(g)) for item in items for s, g, _ in refs(item)})

    def score(item):
        if figures is None:
            return value(item)
        found = [figures[(s, str(g))].get(k) for s, g, k in refs(item)]
        return value(item) if None in found else sum(found)

    scored = sorted(((score(item), item) for item in items), key=lambda p: (-p[0], tiebreak(p[1])))
    recorded = _record_live([(refs(item), points) for points, item in scored], "list", 1)
    shown = [item for _, item in scored]
    # Only a page rendered for the cache lays lists out (LiveList).
    movable = (
        _live.get() is not None
        and figures is not None
        and all(figures[(s, str(g))].get(k) is not None for item in items for s, g, k in refs(item))
    )
    if not movable:
        return LiveList(shown, (), None)
    # Each item's place among ties: its rank by tiebreak (stable, as above).
    ranks = {id(item): rank for rank, item in enumerate(sorted(items, key=tiebreak))}
    keys = tuple(
        (tuple((s, str(g), k) for s, g, k in refs(item)), ranks[id(item)]) for item in shown
    )
    return LiveList(shown, keys, recorded)


class LiveList(list):
    """What ``live_sorted`` returns: the items, and what a stored page needs
    to sort them again when it is served.

    A template that shows the whole list may lay it out for that: it prints
    ``items.item(loop.index0)`` before each item's markup and ``items.end()``
    after the last (``{% for p in items %}{{ items.item(loop.index0) }}<li>
    ...</li>{% endfor %}{{ items.end() }}``). Each prints a marker while an
    anonymous page is rendered for the cache, and nothing otherwise. The
    stored page then keeps each item's markup as a piece, and a hit puts the
    pieces in the order of the current figures (most first, ties as
    ``tiebreak`` put them), so a vote that lets one item overtake another
    re-renders nothing: the list's order is no longer recorded to be checked
    (``live_order``). A list laid out otherwise (shown in part, looped over
    twice, or not laid out at all) keeps its recorded order, and a change of
    order renders the page again, as before."""

    def __init__(self, items, keys, recorded):
        super().__init__(items)
        self.keys = keys  # ((refs, tiebreak rank), ...) of the items as shown
        self.recorded = recorded  # the order _record_live kept; None: not movable
        self.name = None

    def item(self, index):
        render = _live.get()
        if render is None or self.recorded is None:
            return ""
        if self.name is None or render.lists.get(self.name) is not self:
            self.name = str(len(render.lists))
            render.lists[self.name] = self
        return self._marker(render, f"i:{self.name}:{index}")

    def end(self):
        render = _live.get()
        if render is None or self.name is None:
            return ""
        return self._marker(render, f"e:{self.name}")

    @staticmethod
    def _marker(render, text):
        slot = "#" + text
        render.texts[slot] = ""  # the page as rendered shows no marker
        return SLOT + slot + SLOT


def _laid_out_lists(slots, render):
    """The lists of ``render`` that the page laid out whole (LiveList), as
    ``{slot index of the first item's marker: (item ranges, item keys, the
    order recorded for it)}``: an item is the slots from its marker up to
    the next (the list's end marker after the last). A list whose markers
    are not exactly items 0..n-1 in order, then its end, with no other
    list's marker among them, is left out, and its recorded order stays to
    be checked."""
    where = collections.defaultdict(list)  # list name -> [(slot index, slot)]
    for index, slot in enumerate(slots):
        if slot[0] in ("#i", "#e"):
            where[slot[1]].append((index, slot))
    laid_out = {}
    for name, markers in where.items():
        live_list = render.lists.get(name)
        count = len(live_list.keys) if live_list is not None else -1
        expected = [("#i", name, str(n)) for n in range(count)] + [("#e", name)]
        indexes = [index for index, _ in markers]
        if [slot for _, slot in markers] != expected or any(
            slots[k][0] in ("#i", "#e") and slots[k][1] != name
            for k in range(indexes[0], indexes[-1])
        ):
            continue
        ranges = tuple(itertools.pairwise(indexes))
        laid_out[indexes[0]] = (ranges, live_list.keys, live_list.recorded)
    return laid_out


def live_marks(items):
    """Record figures whose comparisons the page shows (the highest marked,
    whether they differ): any two that now compare otherwise, ties
    included, render the page again."""
    _record_live(items, "marks", 1)


def _record_live(items, kind, sign):
    printed = _fragment_live.get()
    if printed is not None:
        printed.append(kind)
    capture = _orders.get()
    if capture is None:
        return
    entries = [
        (tuple((source, str(group), key) for source, group, key in refs), sign * score)
        for refs, score in items
    ]
    # Stable: tied items keep the order shown.
    entries.sort(key=lambda entry: entry[1], reverse=True)
    recorded = (kind, sign, tuple(entries))
    capture.append(recorded)
    return recorded


def _record_orders(orders):
    capture = _orders.get()
    if capture is not None:
        capture.extend(orders)


def _order_groups(orders):
    return {
        (source, group)
        for _, _, entries in orders
        for refs, _ in entries
        for source, group, _ in refs
    }


def _group_key(source, group):
    return _data_key(f"live|{source}|{group}")


def _group_keys(groups):
    """{(source, group): (entry key, tag key)}."""
    return {
        (source, group): (_group_key(source, group), TAG_PREFIX + _sources[source].tag(group))
        for source, group in groups
    }


def _covered(groups):
    """The tags whose figures these live groups serve."""
    tags = set()
    for source in {source for source, _ in groups}:
        tags.update(_sources[source].covers([group for name, group in groups if name == source]))
    return tags


#: The live figures this request has read, {(source, group): figures}: set
#: for each request by the page-cache middleware, so that every figure a
#: request prints, and every order it checks, comes from one reading.
_current = contextvars.ContextVar("current_figures", default=None)


def current_figures(groups):
    """{(source, group): {key: number}}, the groups' current figures, read
    once per request; None if the cache could not be read."""
    memo = _current.get()
    if memo is None:
        memo = {}
    needed = [group for group in groups if group not in memo]
    if needed:
        keys = _group_keys(needed)
        found = _get_many([key for pair in keys.values() for key in pair])
        figures = _live_figures(needed, found) if found is not None else None
        if figures is None:
            return None
        memo.update(figures)
    return {group: memo[group] for group in groups}


def _unread_groups(groups):
    """{(source, group): (entry key, tag key)} of the groups this request
    has not read yet (none outside a request)."""
    memo = _current.get()
    if memo is None:
        return {}
    return _group_keys([group for group in groups if group not in memo])


def _keep_figures(keys, found):
    """Keep as this request's reading the figures of the groups (``keys``:
    ``_unread_groups``) whose entries in ``found`` are current; the others
    are read again, and computed, when the request needs them."""
    memo = _current.get()
    for group, (entry_key, tag_key) in keys.items():
        entry = found.get(entry_key)
        version = found.get(tag_key)
        if entry is not None and version is not None and entry[0] == version:
            memo.setdefault(group, entry[1])


def _live_figures(groups, found):
    """{(source, group): {key: number}} for the groups, from their entries in
    ``found`` (a get_many answer that holds each group's entry and tag) or,
    for groups whose entry is missing or stale, from the database; None if
    the cache could not be read."""
    keys = _group_keys(groups)
    figures, stale = {}, {}
    for group, (entry_key, tag_key) in keys.items():
        entry = found.get(entry_key)
        version = found.get(tag_key)
        if entry is not None and version is not None and entry[0] == version:
            figures[group] = entry[1]
        else:
            stale[group] = version
    if not stale:
        return figures
    missing = [keys[group][1] for group, version in stale.items() if version is None]
    if missing:  # never bumped, or evicted: start at the clock (see _Collect)
        try:
            now = _read_clock(cache.get_many([CLOCK_KEY]))
            for tag_key in missing:
                cache.add(tag_key, now, timeout=None)
            started = cache.get_many(missing)
        except Exception as error:
            _warn("add", error)
            return None
        for group in stale:
            if stale[group] is None:
                stale[group] = started.get(keys[group][1])
    # The versions were read before the figures: a write the figures miss
    # bumps its tag after this read, so the stored group is stale from then.
    for source, members in itertools.groupby(sorted(stale), key=lambda g: g[0]):
        members = [group for _, group in members]
        computed = _sources[source].compute(members)
        for group in members:
            values = computed.get(group, {})
            figures[(source, group)] = values
            if stale[(source, group)] is not None:
                _set(keys[(source, group)][0], (stale[(source, group)], values), PAGE_TIMEOUT)
    return figures


def _score(refs, figures):
    return sum(figures.get((source, group), {}).get(key, 0) for source, group, key in refs)


def _orders_hold(orders, figures):
    """True when every recorded list would still come out in the order shown
    and every recorded mark still stands (see live_order and live_marks).
    Checking neighbours suffices: scores sorted then must still be sorted,
    and items tied now must have been tied, in the order shown, before."""
    for kind, sign, entries in orders:
        previous = None
        for refs, score in entries:
            now = sign * _score(refs, figures)
            if previous is not None:
                was, then = previous
                if was > score:
                    if not then > now:
                        return False
                elif then < now or (kind == "marks" and then != now):
                    return False
            previous = (score, now)
    return True


def _live_texts(slots, figures, reader=None):
    """The text of each slot: a figure in its format; a reader's text
    (fragments, ``Reader``); a list marker, none."""
    texts = []
    for slot in slots:
        if slot[0] == "@":
            texts.append(reader.text(slot[1], ":".join(slot[2:])))
        elif len(slot) == 4:
            group = figures.get((slot[0], slot[1]))
            value = 0 if group is None else group.get(slot[2], 0)
            texts.append(str(value) if slot[3] == "int" else FORMATS[slot[3]](value))
        else:
            texts.append("")
    return texts


def _assemble(body, texts, lists, figures):
    """The page: ``body``'s literal parts with the slots' ``texts`` between
    them, each laid-out list's items (ranges of slots) in the order of the
    current ``figures``: most first, ties by their tiebreak rank, as
    ``live_sorted`` orders them when a page is rendered."""
    literals = body[0::2]
    empty = literals[0][:0]  # a page's bytes or a fragment's text
    if not lists:
        parts = list(body)
        parts[1::2] = texts
        return empty.join(parts)
    out = [literals[0]]

    def emit(index, stop, *, item=False):
        while index < stop:
            found = None if item else lists.get(index)
            item = False
            if found is None:
                out.append(texts[index])
                out.append(literals[index + 1])
                index += 1
                continue
            ranges, keys = found
            order = sorted(
                range(len(ranges)), key=lambda i: (-_score(keys[i][0], figures), keys[i][1])
            )
            for i in order:
                emit(*ranges[i], item=True)  # from the item's own marker
            index = ranges[-1][1]  # the list's end marker

    emit(0, len(texts))
    return empty.join(out)


def _cut(template, render):
    """A page (bytes) or fragment (text) rendered with slots, cut for
    keeping: ``(body, slots, groups, orders, lists)``, where ``body`` has the
    literal parts with None between them, one per slot (parsed, ``slots``),
    ``groups`` the live groups it needs, ``orders`` those recorded to be
    checked when served, and ``lists`` the ones laid out to be sorted then
    (their orders need no checking: ``LiveList``)."""
    separator = SLOT if isinstance(template, str) else SLOT.encode()
    parts = template.split(separator)
    slots = tuple(
        tuple((p if isinstance(p, str) else p.decode()).split(":", 3)) for p in parts[1::2]
    )
    parts[1::2] = [None] * len(slots)
    laid_out = _laid_out_lists(slots, render)
    moved = [recorded for _, _, recorded in laid_out.values()]
    orders = tuple(o for o in render.orders if not any(o is m for m in moved))
    lists = {start: (ranges, keys) for start, (ranges, keys, _) in laid_out.items()}
    groups = tuple(sorted(render.groups | _order_groups(render.orders)))
    return tuple(parts), slots, groups, orders, lists


def _page_etag(etag, texts):
    """The validator of a page with live figures: its HTML's and the figures'."""
    if not texts:
        return etag
    return etag_of(f"{etag}|{'|'.join(texts)}".encode())


# --- The anonymous page cache -------------------------------------------------


def etag_of(content):
    """The validator of a page's bytes: stored pages and the API's rendered
    answers use this one formula, so a miss and its later hits share it."""
    return '"' + hashlib.blake2b(content, digest_size=12).hexdigest() + '"'


def page_key(request):
    raw = f"{BUILD_ID}|{request.scheme}|{request.get_host()}|{request.get_full_path()}".encode()
    return "page:" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def canonical_query(request, params):
    """The query string with only ``params``, in a stable order."""
    items = sorted((k, v) for k in request.GET for v in request.GET.getlist(k) if k in params)
    return urlencode(items)


def cache_anonymous(view=None, *, params=(), param_prefixes=()):
    """Mark a view's successful anonymous responses as cacheable.

    ``params`` are the query parameters the view reads; ``param_prefixes``
    admit a family whose names depend on data (``w-`` for ``w-<criterion>``).
    A request carrying any other parameter (tracking tags, typos) is
    redirected to the URL without it, so pages never echo them; new keys stay
    bounded by ``PAGE_CACHE_FILL_RATE``."""

    def decorate(view):
        allowed = frozenset(params)
        prefixes = tuple(param_prefixes)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            known = {k for k in request.GET if k in allowed or k.startswith(prefixes)}
            if request.method in ("GET", "HEAD") and len(known) < len(request.GET):
                query = canonical_query(request, known)
                return HttpResponsePermanentRedirect(request.path + (f"?{query}" if query else ""))
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not request.user.is_authenticated:
                response.anonymous_cacheable = True
            return response

        wrapped.cache_params = allowed
        wrapped.cache_param_prefixes = prefixes
        return wrapped

    return decorate(view) if view is not None else decorate


def is_anonymous_request(request):
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


class AnonymousPageCacheMiddleware:
    """Serves cached anonymous pages before sessions, auth or CSRF run.

    Sits right after WhiteNoise, so a hit costs one cache round trip (the
    tags' versions and live groups of a page this process holds; two for a
    page it does not: the entry, then those) and little more Python than a
    static file. Misses of one page are coalesced (see the module docstring).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE:
            return self.get_response(request)
        token = _current.set({})
        try:
            return self.serve(request)
        finally:
            _current.reset(token)

    def serve(self, request):
        if not is_anonymous_request(request):
            return self.get_response(request)
        key = page_key(request)
        held = _pages.get(key)
        if held is not None:
            # One round trip: the held entry's tags and groups, and the clock.
            found = _get_many([*_freshness_keys(held), CLOCK_KEY])
            page = _stored_page(held, found) if found is not None else None
            if page is not None:
                return self.hit(request, page)
        found = _get_many([key, CLOCK_KEY])
        if found is None:  # the cache is down: render, keep nothing
            return self.get_response(request)
        entry = found.get(key)
        page = _stored_page(entry) if entry is not None else None
        if page is not None:
            _pages.hold(key, entry)
            return self.hit(request, page)
        lock = key + ":lock"
        # Every write finished before this request has a clock value no
        # larger than this reading: a render that read the clock no earlier
        # shows all of them, stored or not.
        arrived = _read_clock(found)
        owner = self.lead_or_wait(request, key, lock, arrived)
        if isinstance(owner, HttpResponse):
            return owner
        try:
            clock = _read_clock(_get_many([CLOCK_KEY]) or {})
            render = _LiveRender()
            live_token, orders_token = _live.set(render), _orders.set(render.orders)
            try:
                with _Collect(clock) as collect:
                    response = self.get_response(request)
            finally:
                _orders.reset(orders_token)
                _live.reset(live_token)
            template = None
            if (render.texts or render.orders) and not response.streaming:
                template = response.content
                if render.texts:
                    response.content = render.fill(template)
                    if response.has_header("Content-Length"):
                        response["Content-Length"] = str(len(response.content))
            if getattr(response, "anonymous_cacheable", False) and not response.cookies:
                self.store(request, response, key, collect, render, template, entry is None)
            return response
        finally:
            if owner:
                self.release(lock, owner)

    def lead_or_wait(self, request, key, lock, arrived):
        """The lock token when this request renders as leader; a response
        when a leader's render arrived meanwhile that is fresh enough for
        this request; or None to render without the lock (waited too long,
        or cache trouble)."""
        token = _new_token()
        deadline = time.monotonic() + WAIT_SECONDS
        polls = iter(POLL_SECONDS)
        handoff = key + ":handoff"
        while True:
            try:
                if cache.add(lock, token, timeout=LOCK_TIMEOUT):
                    return token
            except Exception as error:
                _warn("add", error)
                return None
            if time.monotonic() >= deadline:
                return None
            time.sleep(next(polls, POLL_SECONDS[-1]))
            found = _get_many([key, handoff])
            if found is None:
                return None
            entry = found.get(key)
            page = _stored_page(entry) if entry is not None else None
            if page is not None:
                _pages.hold(key, entry)
                return self.hit(request, page)
            # A leader whose render overlapped a write could not store it,
            # but it is fresh for every request that arrived before that
            # render read the clock.
            passed = found.get(handoff)
            if passed is not None and arrived is not None and arrived <= passed[0]:
                return self.hit(request, passed[1:])
            # Otherwise keep waiting while the leader renders; if it let go
            # without leaving anything usable, try to lead (loop).

    @staticmethod
    def release(lock, token):
        found = _get_many([lock])
        if found and found.get(lock) == token:
            try:
                cache.delete(lock)
            except Exception as error:
                _warn("delete", error)

    @staticmethod
    def hit(request, page):
        status, headers, content, etag = page
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["ETag"] = etag
        response["X-Cache"] = "hit"
        if request.method == "HEAD":
            response.content = b""
        return response

    @staticmethod
    def store(request, response, key, collect, render, template, new_key=True):
        """Keep the page, its live figures cut out (``template`` is the
        rendered HTML with its slots, or None when it printed none)."""
        if response.streaming or request.method != "GET":
            return
        headers = [
            (k, v)
            for k, v in response.items()
            if k.lower() not in ("content-length", "x-cache", "etag", "cache-control")
        ]
        headers.append(("Cache-Control", "no-cache"))  # browsers revalidate: 304 via ETag
        response["Cache-Control"] = "no-cache"
        response["X-Cache"] = "miss"
        live = None
        groups = render.groups | _order_groups(render.orders)
        # Only HTML pages print their figures through live(); other formats
        # (the API, exports) print them as they are and keep the live tags.
        is_html = response.get("Content-Type", "").startswith("text/html")
        if template is not None and is_html and len(groups) <= LIVE_MAX_GROUPS:
            body, slots, groups, orders, lists = _cut(template, render)
            texts = [render.texts[":".join(slot)] for slot in slots]
            etag = etag_of(template)
            response["ETag"] = _page_etag(etag, texts)
            live = (slots, groups, orders, lists)
            # The live groups' own tags keep their figures exact; the page
            # does not depend on them (module docstring, "Live figures").
            collect.tags -= _covered(groups)
        else:
            body = response.content
            etag = etag_of(body)
            response["ETag"] = etag
            # Stored with its figures printed: the tags they stand for are
            # the page's (live data entries did not record them).
            collect.tags |= _covered(groups)
        if not collect.tags:
            logger.warning("%s declared no cache tags; not cached.", request.path)
            return
        # Only a key the cache does not hold yet counts against the client's
        # budget: re-filling a page a write invalidated adds nothing, and
        # every reader behind one proxy address would otherwise share it.
        address = ratelimit.client_ip(request)
        if new_key and ratelimit.hit("page-cache-fill", address, settings.PAGE_CACHE_FILL_RATE):
            return  # this client has filled its share of the cache
        versions = collect.versions()
        if versions is not None:
            entry = (versions, response.status_code, headers, body, etag, live)
            _set(key, entry, PAGE_TIMEOUT)
            _pages.hold(key, entry)
            if live is not None:
                _prime(live[1])
        elif collect.clock is not None:
            # A write to one of its tags overlapped the render: not kept, but
            # handed to the readers that waited since before it began.
            page = (response.status_code, headers, response.content, response["ETag"])
            _set(key + ":handoff", (collect.clock, *page), LOCK_TIMEOUT)


def _prime(groups):
    """Store the groups a new page needs that the cache lacks, so that its
    first hit, like every later one, runs no query."""
    keys = [key for pair in _group_keys(groups).values() for key in pair]
    found = _get_many(keys)
    if found is not None:
        _live_figures(groups, found)


class _HeldPages:
    """Stored pages this process already holds unpickled, newest last, up to
    ``PAGE_MEMO_BYTES`` of body. A hit on a held page fetches only its tags'
    versions and its live groups (one round trip of a few hundred bytes)
    instead of the whole entry (82 KB for Django vs Flask) and checks them
    exactly like any hit: the shared cache stays the only judge of
    freshness, the copy here only saves moving and unpickling the bytes."""

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self.entries = collections.OrderedDict()  # key -> (entry, size)
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            held = self.entries.get(key)
            if held is None:
                return None
            self.entries.move_to_end(key)
            return held[0]

    def hold(self, key, entry):
        body = entry[3]
        size = len(body) if isinstance(body, bytes) else sum(len(p or b"") for p in body)
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            if size > self.limit:
                return
            self.entries[key] = (entry, size)
            self.size += size
            while self.size > self.limit:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.size -= dropped


#: Bytes of page bodies each process holds (see _HeldPages).
PAGE_MEMO_BYTES = 32 * 1024 * 1024
_pages = _HeldPages(PAGE_MEMO_BYTES)


def _freshness_keys(entry):
    """The cache keys a stored page's freshness is read from: its tags, and
    its live groups' entries and tags."""
    versions, live = entry[0], entry[5]
    keys = list(versions)
    if live is not None:
        keys += [key for pair in _group_keys(live[1]).values() for key in pair]
    return keys


def _stored_page(entry, found=None):
    """``(status, headers, content, etag)`` of a stored page while it is
    exact: every tag at its recorded version, every live figure filled in
    from its group and every list still in its recorded order. None if not.
    ``found`` is a get_many answer holding its ``_freshness_keys`` (read
    here when not given)."""
    versions, status, headers, body, etag, live = entry
    if found is None:
        found = _get_many(_freshness_keys(entry))
    if found is None or any(found.get(k) != v for k, v in versions.items()):
        return None
    if live is None:
        return status, headers, body, etag
    slots, groups, orders, lists = live
    figures = _live_figures(groups, found)
    if figures is None or not _orders_hold(orders, figures):
        return None
    texts = _live_texts(slots, figures)
    content = _assemble(body, [text.encode() for text in texts], lists, figures)
    return status, headers, content, _page_etag(etag, texts)

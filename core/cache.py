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
    A hit re-reads the versions of the entry's tags (one more cache round
    trip) and serves the entry only if all still match, so a bump made before
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
    written since. (Django's file-based cache has no atomic ``incr``; there
    the clock is the machine's nanosecond clock, which every worker on that
    one machine shares.)

Coalescing
    When many readers miss the same page at once, the first takes a short
    lock and renders; the others poll for the entry (and validate it like any
    hit) instead of rendering the same page N times. If a write to the page
    overlapped the leader's render, its result is not kept but is handed to
    the waiters that arrived before the render read the clock: every write
    they could have seen finished before that, so the page is exact for
    them. Later arrivals, and waiters of a leader that left nothing (a 404),
    elect a new leader.

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

import contextvars
import hashlib
import logging
import os
import secrets
import time
from functools import wraps
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified, HttpResponsePermanentRedirect
from django.utils.http import urlencode

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
    """The write clock's next value: larger than every value read before."""
    if _clock_is_wall():
        value = time.time_ns()
        cache.set(CLOCK_KEY, value, timeout=None)
        return value
    try:
        return cache.incr(CLOCK_KEY)
    except ValueError:  # missing (evicted, flushed): restart above earlier values
        if cache.add(CLOCK_KEY, time.time_ns(), timeout=None):
            return cache.get(CLOCK_KEY)
        return cache.incr(CLOCK_KEY)


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


def _is_fresh(versions):
    """True when every tag still has the version recorded in an entry."""
    found = _get_many(list(versions))
    return found is not None and all(found.get(k) == v for k, v in versions.items())


def bump(*tags):
    """Make every entry that shows one of these tags stale, at once: the tags
    get the write clock's next value (see "Why it is exact" above)."""
    if not tags:
        return
    try:
        version = _advance_clock()
        cache.set_many({TAG_PREFIX + tag: version for tag in set(tags)}, timeout=None)
    except Exception:
        logger.exception("Could not invalidate cached pages for %s", sorted(set(tags)))


def bump_on_commit(*tags):
    """Bump the tags once the current transaction commits (at once outside one)."""
    if tags:
        transaction.on_commit(lambda: bump(*tags))


# --- The data cache -----------------------------------------------------------


def _data_key(name):
    return "data:" + hashlib.blake2b(f"{BUILD_ID}|{name}".encode(), digest_size=16).hexdigest()


def cached(name, compute, tags_of, timeout=PAGE_TIMEOUT):
    """``compute()``, kept until one of ``tags_of(value)`` is bumped.

    For data that many requests share but the page cache cannot hold, e.g.
    the comparison matrix behind a signed-in member's page. The tags are
    declared to the enclosing page too."""
    if not settings.PAGE_CACHE:
        value = compute()
        depends_on(*tags_of(value))
        return value
    key = _data_key(name)
    found = _get_many([key, CLOCK_KEY]) or {}
    entry = found.get(key)
    if entry is not None and _is_fresh(entry[0]):
        depends_on(*(k.removeprefix(TAG_PREFIX) for k in entry[0]))
        return entry[1]
    with _Collect(_read_clock(found)) as collect:
        value = compute()
        depends_on(*tags_of(value))
    versions = collect.versions()
    if versions is not None:
        _set(key, (versions, value), timeout)
    return value


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


def cache_anonymous(view=None, *, params=()):
    """Mark a view's successful anonymous responses as cacheable.

    ``params`` are the query parameters the view reads. A request carrying
    any other parameter (tracking tags, typos) is redirected to the URL
    without it, so cache keys stay bounded and pages never echo them."""

    def decorate(view):
        allowed = frozenset(params)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in ("GET", "HEAD") and any(k not in allowed for k in request.GET):
                query = canonical_query(request, allowed)
                return HttpResponsePermanentRedirect(request.path + (f"?{query}" if query else ""))
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not request.user.is_authenticated:
                response.anonymous_cacheable = True
            return response

        wrapped.cache_params = allowed
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

    Sits right after WhiteNoise, so a hit costs two cache round trips (the
    entry, then its tags' versions) and about as little Python as a static
    file. Misses of one page are coalesced (see the module docstring).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE or not is_anonymous_request(request):
            return self.get_response(request)
        key = page_key(request)
        found = _get_many([key, CLOCK_KEY])
        if found is None:  # the cache is down: render, keep nothing
            return self.get_response(request)
        entry = found.get(key)
        if entry is not None and _is_fresh(entry[0]):
            return self.hit(request, entry)
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
            with _Collect(clock) as collect:
                response = self.get_response(request)
            if getattr(response, "anonymous_cacheable", False) and not response.cookies:
                self.store(request, response, key, collect, new_key=entry is None)
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
            if entry is not None and _is_fresh(entry[0]):
                return self.hit(request, entry)
            # A leader whose render overlapped a write could not store it,
            # but it is fresh for every request that arrived before that
            # render read the clock.
            passed = found.get(handoff)
            if passed is not None and arrived is not None and arrived <= passed[0]:
                return self.hit(request, passed)
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
    def hit(request, entry):
        _, status, headers, content, etag = entry
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["X-Cache"] = "hit"
        if request.method == "HEAD":
            response.content = b""
        return response

    @staticmethod
    def store(request, response, key, collect, new_key=True):
        if response.streaming or request.method != "GET":
            return
        content = response.content
        etag = etag_of(content)
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"  # browsers revalidate: 304 via ETag
        response["X-Cache"] = "miss"
        if not collect.tags:
            logger.warning("%s declared no cache tags; not cached.", request.path)
            return
        # Only a key the cache does not hold yet counts against the client's
        # budget: re-filling a page a write invalidated adds nothing, and
        # every reader behind one proxy address would otherwise share it.
        address = ratelimit.client_ip(request)
        if new_key and ratelimit.hit("page-cache-fill", address, settings.PAGE_CACHE_FILL_RATE):
            return  # this client has filled its share of the cache
        headers = [
            (k, v) for k, v in response.items() if k.lower() not in ("content-length", "x-cache")
        ]
        page = (response.status_code, headers, content, etag)
        versions = collect.versions()
        if versions is not None:
            _set(key, (versions, *page), PAGE_TIMEOUT)
        elif collect.clock is not None:
            # A write to one of its tags overlapped the render: not kept, but
            # handed to the readers that waited since before it began.
            _set(key + ":handoff", (collect.clock, *page), LOCK_TIMEOUT)

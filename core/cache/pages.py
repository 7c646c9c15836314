"""The anonymous page cache: whole pages for readers who are not signed in.

A stored page keeps its literal parts (compressed) and the keys of its
holes, under the tags its render declared. A hit reads, in one round trip,
the versions of the page's tags and of the holes this process holds, fills
the holes, and serves the body as it was last assembled (gzip as stored
when the client accepts it). Misses of one page are coalesced: one reader
renders, the others wait for its entry.

Keys carry the release (``store.BUILD_ID``), the scheme, the host and the
path with its query string. Views name the query parameters they read
(``cache_anonymous(params=...)``); any other parameter redirects to the
canonical URL, and one client may add at most ``PAGE_CACHE_FILL_RATE`` new
keys, so no one can flood the cache with ``?utm=1..300``.
"""

import collections
import gzip
import hashlib
import re
import secrets
import threading
import time
import zlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified, HttpResponsePermanentRedirect
from django.utils.http import urlencode

from core import ratelimit

from . import holes, store, tags

WAIT_SECONDS = holes.WAIT_SECONDS
_accepts_gzip = re.compile(r"\bgzip\b")


@dataclass(frozen=True, eq=False)
class Page:
    """A stored page: ``body`` is its literal parts, compressed, of the
    lengths ``cuts``; a hole goes between each two."""

    versions: dict
    status: int
    headers: tuple
    body: bytes
    cuts: tuple
    holes: tuple


@dataclass(frozen=True)
class Body:
    raw: bytes
    etag: str
    zipped: list  # [gzip bytes], filled on first use


class Held:
    """A stored page as this process holds it: its parts unpacked, and its
    body as last assembled (rebuilt only when a hole's text changed)."""

    def __init__(self, page):
        self.page = page
        raw, self.parts, start = zlib.decompress(page.body), [], 0
        for length in page.cuts:
            self.parts.append(raw[start : start + length])
            start += length
        self.size = len(raw)
        self.last = (None, None)

    def body(self, texts):
        filled = tuple(texts[key] for key in self.page.holes)
        last_filled, body = self.last
        if body is None or last_filled != filled:
            out = [self.parts[0]]
            for text, part in zip(filled, self.parts[1:], strict=True):
                out += (text.encode(), part)
            raw = b"".join(out)
            body = Body(raw, etag_of(raw), [])
            self.last = (filled, body)
        return body


class _HeldPages:
    """Pages this process holds, newest last, up to ``limit`` bytes: the
    shared cache stays the only judge of freshness, the copy here saves
    moving and unpacking the bytes on every hit."""

    def __init__(self, limit):
        self.limit, self.size = limit, 0
        self.entries = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            held = self.entries.get(key)
            if held is not None:
                self.entries.move_to_end(key)
            return held

    def hold(self, key, held):
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old.size
            if held.size > self.limit:
                return
            self.entries[key] = held
            self.size += held.size
            while self.size > self.limit:
                _, dropped = self.entries.popitem(last=False)
                self.size -= dropped.size


PAGE_MEMO_BYTES = 32 * 1024 * 1024
_pages = _HeldPages(PAGE_MEMO_BYTES)


def etag_of(content):
    """The validator of a body: stored pages and the API use this one formula."""
    return '"' + hashlib.blake2b(content, digest_size=12).hexdigest() + '"'


def page_key(request):
    return store.key("page", f"{request.scheme}|{request.get_host()}|{request.get_full_path()}")


def canonical_query(request, params):
    """The query string with only ``params``, in a stable order."""
    items = sorted((k, v) for k in request.GET for v in request.GET.getlist(k) if k in params)
    return urlencode(items)


def cache_anonymous(view=None, *, params=(), param_prefixes=()):
    """Mark a view's successful anonymous responses as cacheable.

    ``params`` are the query parameters the view reads; ``param_prefixes``
    admit a family whose names depend on data (``w-`` for ``w-<criterion>``;
    the view redirects names that match no data). A request carrying any
    other parameter is redirected to the URL without it."""

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
    """Serves cached anonymous pages before sessions, auth or CSRF run, and
    keeps what anonymous readers get. Every request renders inside one
    ``tags.Render``, so whatever it reads can declare its tags."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE or not is_anonymous_request(request):
            with tags.rendering(None):
                return self.get_response(request)
        key = page_key(request)
        held = _pages.get(key)
        if held is not None:
            served = self.serve(request, held)
            if served is not None:
                return served
        found = store.get_many([key, tags.CLOCK_KEY])
        if found is None:  # the cache is down: render, keep nothing
            with tags.rendering(None):
                return self.get_response(request)
        page = found.get(key)
        if page is not None:
            served = self.serve(request, Held(page), key)
            if served is not None:
                return served
        return self.render(request, key, found)

    def serve(self, request, held, key=None):
        """The hit while ``held`` is current, else None. ``key``: hold it."""
        resolution = holes.Resolution(list(held.page.holes))
        found = store.get_many(list(dict.fromkeys([*held.page.versions, *resolution.wanted])))
        if found is None or not tags.holds(held.page.versions, found):
            return None
        if key is not None:
            _pages.hold(key, held)
        return self.hit(request, held, held.body(resolution.finish(found)))

    def render(self, request, key, found):
        """Render as the one reader doing so: the others wait for its entry,
        or, when a write to the page overlapped its render (so it was not
        kept), take its answer if they arrived before that render began."""
        lock, handoff, token = key + ":lock", key + ":handoff", secrets.randbits(62)
        arrived = tags.read_clock(found)
        deadline = time.monotonic() + WAIT_SECONDS
        polls = iter(holes.POLL_SECONDS)
        added = store.add(lock, token, holes.LOCK_TIMEOUT)
        while added is False and time.monotonic() < deadline:
            time.sleep(next(polls, holes.POLL_SECONDS[-1]))
            polled = store.get_many([key, handoff]) or {}
            page = polled.get(key)
            served = self.serve(request, Held(page), key) if page is not None else None
            if served is not None:
                return served
            passed = polled.get(handoff)
            if passed is not None and arrived is not None and arrived <= passed[0]:
                return self.serve(request, Held(passed[1]))
            added = store.add(lock, token, holes.LOCK_TIMEOUT)
        try:
            with tags.rendering(tags.read_clock()) as render:
                render.pages = []
                response = self.get_response(request)
            if getattr(response, "anonymous_cacheable", False) and not response.cookies:
                page = self.store(request, response, key, render, found.get(key) is None)
                if page is not None and not page.versions and render.clock is not None:
                    store.set(handoff, (render.clock, page), holes.LOCK_TIMEOUT)
            return response
        finally:
            if added:
                polled = store.get_many([lock])
                if polled and polled.get(lock) == token:
                    store.delete(lock)

    @staticmethod
    def hit(request, held, body):
        if body.etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = body.etag
            return response
        page = held.page
        zipped = _accepts_gzip.search(request.headers.get("Accept-Encoding", ""))
        if zipped:
            if not body.zipped:
                body.zipped.append(gzip.compress(body.raw, 6, mtime=0))
            content = body.zipped[0]
        else:
            content = body.raw
        response = HttpResponse(b"" if request.method == "HEAD" else content, status=page.status)
        for name, value in page.headers:
            response[name] = value
        response["Content-Length"] = str(len(content))
        response["ETag"] = body.etag
        if zipped:  # another representation: a weak validator, as Django's GZipMiddleware
            response["Content-Encoding"] = "gzip"
            response["ETag"] = "W/" + body.etag
        response["X-Cache"] = "hit"
        return response

    @staticmethod
    def store(request, response, key, render, new):
        """Keep the page: its literal parts and holes as its templates
        printed them, under the tags its render declared. Returns the page
        (with no versions when a write to its tags overlapped the render, so
        it was not kept), or None."""
        if response.streaming or request.method != "GET":
            return
        content = response.content
        printed = [(p, k) for html, p, k in render.pages if html.encode() == content]
        if render.pages and not printed:
            return  # holes printed somewhere we cannot place them
        parts, keys = (
            ([p.encode() for p in printed[0][0]], printed[0][1]) if printed else ([content], [])
        )
        headers = [
            (k, v)
            for k, v in response.items()
            if k.lower() not in ("content-length", "x-cache", "etag", "cache-control", "vary")
        ]
        headers += [("Cache-Control", "no-cache"), ("Vary", "Accept-Encoding")]
        response["Cache-Control"] = "no-cache"  # browsers revalidate: 304 via ETag
        response["Vary"] = "Accept-Encoding"
        response["X-Cache"] = "miss"
        response["ETag"] = etag_of(content)
        if not render.tags:
            store.logger.warning("%s declared no cache tags; not cached.", request.path)
            return None
        # Only a key the cache does not hold yet counts against the client's
        # budget: re-filling an invalidated page is free.
        address = ratelimit.client_ip(request)
        if new and ratelimit.hit("page-cache-fill", address, settings.PAGE_CACHE_FILL_RATE):
            return None
        (versions,) = tags.versions(render)
        page = Page(
            versions=versions or {},
            status=response.status_code,
            headers=tuple(headers),
            body=zlib.compress(b"".join(parts), 6),
            cuts=tuple(len(p) for p in parts),
            holes=tuple(keys),
        )
        if versions is not None:
            store.set(key, page, tags.PAGE_TIMEOUT)
            _pages.hold(key, Held(page))
        return page

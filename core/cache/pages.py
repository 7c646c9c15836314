"""The anonymous page cache: whole pages for readers not signed in, kept as
their literal parts (compressed) and their holes' keys. A hit reads the
versions of the page's tags and holes in one round trip and serves the body
as last assembled. Views name the query parameters they read."""

import gzip
import re
import zlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified, HttpResponsePermanentRedirect

from core import ratelimit
from core.http import canonical_query, etag_of

from . import holes, store, tags

_gzip = re.compile(r"\bgzip\b")


@dataclass(frozen=True, eq=False)
class Page:
    """A stored page: ``body`` its literal parts compressed, of the lengths
    ``cuts``, with a hole of ``holes`` between each two."""

    versions: dict
    status: int
    headers: tuple
    body: bytes
    cuts: tuple
    holes: tuple


@dataclass(frozen=True, eq=False)
class Body:
    filled: tuple  # the holes' texts it was assembled with
    raw: bytes
    etag: str
    zipped: list  # [its gzip], once asked for


class Held:
    """A page held by this process: its parts unpacked, and ``last``, the body
    as last assembled with the clock at which page and holes stood."""

    def __init__(self, page):
        raw, self.page, self.parts, start = zlib.decompress(page.body), page, [], 0
        for length in page.cuts:
            self.parts.append(raw[start : start + length])
            start += length
        self.size, self.last = len(raw), None

    def stands(self, now, *, since=False):
        """The last body is exact at ``now``: checked then (or, ``since``, later)."""
        checked = self.last[0] if self.last is not None else None
        return None not in (now, checked) and (checked >= now if since else checked == now)

    def assemble(self, texts, clock):
        filled = tuple(texts[key] for key in self.page.holes)
        body = self.last[1] if self.last is not None else None
        if body is None or body.filled != filled:
            out = [self.parts[0]]
            for text, part in zip(filled, self.parts[1:], strict=True):
                out += (text.encode(), part)
            raw = b"".join(out)
            body = Body(filled, raw, etag_of(raw), [])
        self.last = (clock, body)
        return body


_pages = store.Held(32 * 1024 * 1024, weigh=lambda held: held.size)
_checks = store.Flights()


def page_key(request):
    return store.key("page", f"{request.scheme}|{request.get_host()}|{request.get_full_path()}")


def cache_anonymous(view=None, *, params=(), param_prefixes=()):
    """Mark a view's successful anonymous responses as cacheable.

    ``params`` are the query parameters the view reads; ``param_prefixes``
    admit a family whose names depend on data (``w-`` for ``w-<criterion>``;
    the view redirects names matching no data). A request with any other
    parameter is redirected to the URL without it."""

    def decorate(view):
        allowed, prefixes = frozenset(params), tuple(param_prefixes)

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

        wrapped.cache_params, wrapped.cache_param_prefixes = allowed, prefixes
        return wrapped

    return decorate(view) if view is not None else decorate


class AnonymousPageCacheMiddleware:
    """Serves cached anonymous pages before sessions, auth or CSRF run, and
    keeps what anonymous readers get. Every request renders inside one
    ``tags.Render``, so whatever it reads can declare its tags."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PAGE_CACHE:
            tags.new_day()  # before anything kept is served
        cookies = request.COOKIES
        signed_in = settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies
        if not settings.PAGE_CACHE or signed_in or request.method not in ("GET", "HEAD"):
            with tags.rendering(None) as render:
                # The clock once: what the process holds stands while it reads so.
                reads = settings.PAGE_CACHE and request.method in ("GET", "HEAD")
                render.seen = tags.read_clock() if reads else None
                return self.get_response(request)
        key = page_key(request)
        held, _ = _pages.get(key)
        if held is not None:
            # Nothing bumped since page and holes stood: the body as then assembled.
            now = tags.read_clock()
            if held.stands(now):
                return self.hit(request, held.page, held.last[1])
            # One thread checks again; the others wait and take its body.
            mine, theirs = _checks.take([key])
            try:
                if theirs:
                    theirs[key].wait(store.WAIT_SECONDS)
                if theirs and held.stands(now, since=True):
                    return self.hit(request, held.page, held.last[1])
                served = self.serve(request, held)
                if served is not None:
                    return served
            finally:
                _checks.land(mine)
        found = store.get_many([key, tags.CLOCK_KEY])
        if found is None:  # the cache is down: render, keep nothing
            with tags.rendering(None):
                return self.get_response(request)
        page = found.get(key)
        served = self.serve(request, Held(page), key) if page is not None else None
        return served or self.render(request, key, found)

    def serve(self, request, held, key=None):
        """The hit while ``held`` is current, else None. ``key``: hold it."""
        resolution = holes.Resolution(held.page.holes)
        found, clock = tags.check(held.page.versions, resolution.wanted)
        if clock is None:
            return None
        if key is not None:
            _pages.put(key, held)
        return self.hit(request, held.page, held.assemble(resolution.finish(found), clock))

    def render(self, request, key, found):
        """Render as the one reader doing so, or take another's render."""
        lock, handoff = key + ":lock", key + ":handoff"
        arrived = tags.read_clock(found)
        added = store.add(lock, 1, store.LOCK_TIMEOUT)
        for _ in store.polls() if added is False else ():
            polled = store.get_many([key, handoff]) or {}
            page, passed = polled.get(key), polled.get(handoff)
            served = self.serve(request, Held(page), key) if page is not None else None
            if served is None and passed is not None and arrived and arrived <= passed[0]:
                served = self.serve(request, Held(passed[1]))  # exact for us: we came first
            if served is not None:
                return served
            added = store.add(lock, 1, store.LOCK_TIMEOUT)
            if added is not False:
                break
        try:
            with tags.rendering(tags.read_clock()) as render:
                render.pages = []
                response = self.get_response(request)
            if getattr(response, "anonymous_cacheable", False) and not response.cookies:
                page = self.store(request, response, key, render, new=key not in found)
                if page is not None and not page.versions and render.clock is not None:
                    store.set_many({handoff: (render.clock, page)}, store.LOCK_TIMEOUT)
            return response
        finally:
            if added:
                store.delete_many([lock])

    @staticmethod
    def hit(request, page, body):
        if body.etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = body.etag
            return response
        zipped = _gzip.search(request.headers.get("Accept-Encoding", ""))
        if zipped and not body.zipped:
            body.zipped.append(gzip.compress(body.raw, 1, mtime=0))  # fast: bodies change
        content = body.zipped[0] if zipped else body.raw
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
        """Keep the page's literal parts and holes as its templates printed
        them, under its render's tags. Returns it (with no versions, not
        kept, when a write to its tags overlapped the render), or None."""
        if response.streaming or request.method != "GET":
            return None
        content = response.content
        printed = [(p, k) for html, p, k in render.pages if html.encode() == content]
        if render.pages and not printed:
            return None  # holes printed somewhere we cannot place them
        parts, keys = printed[0] if printed else ([content], [])
        skipped = {"content-length", "x-cache", "etag", "cache-control", "vary"}
        headers = [(k, v) for k, v in response.items() if k.lower() not in skipped]
        headers += [("Cache-Control", "no-cache"), ("Vary", "Accept-Encoding")]
        response["Cache-Control"] = "no-cache"  # browsers revalidate: 304 via ETag
        response["Vary"], response["X-Cache"] = "Accept-Encoding", "miss"
        response["ETag"] = etag_of(content)
        if not render.tags:
            store.logger.warning("%s declared no cache tags; not cached.", request.path)
            return None
        # Only a key the cache lacks counts: re-filling an invalidated page is free.
        address = ratelimit.client_ip(request)
        if new and ratelimit.hit("page-cache-fill", address, settings.PAGE_CACHE_FILL_RATE):
            return None
        (versions,) = tags.versions(render)
        parts = [part.encode() if isinstance(part, str) else part for part in parts]
        body = zlib.compress(b"".join(parts), 6)
        page = Page(versions or {}, response.status_code, tuple(headers), body,
                    tuple(map(len, parts)), tuple(keys))  # fmt: skip
        if versions is not None:
            store.set_many({key: page}, tags.PAGE_TIMEOUT)
            held = Held(page)  # what it shows stands while the clock reads the render's
            held.last = (render.clock, Body(None, content, response["ETag"], []))
            _pages.put(key, held)
        return page

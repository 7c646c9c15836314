"""The anonymous page cache.

Anonymous visitors all see the same page for a URL, so the rendered page is
kept in Django's cache (Redis in production) under a key that carries a
global *catalogue version*. Every change to the catalogue (a vote, an
approved suggestion, an admin edit) bumps the version once its transaction
commits, so the very next request renders afresh: exact invalidation, no
TTL guessing. Signed-in members never read or fill this cache, so they always
see their own vote state.
"""

import hashlib
import os
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified

VERSION_KEY = "catalogue:version"
PAGE_TIMEOUT = 60 * 60  # an hour; the version makes stale entries unreachable anyway


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


def current_version(value=None):
    """The catalogue version; starts from the clock so it never repeats."""
    if value is None:
        value = time.time_ns()
        if not cache.add(VERSION_KEY, value, timeout=None):
            value = cache.get(VERSION_KEY, value)
    return value


def bump_version():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # missing (evicted, or cache cleared): start afresh
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def bump_on_commit(**kwargs):
    """Signal receiver: invalidate once the change is committed."""
    transaction.on_commit(bump_version)


def cached_by_version(name, compute, timeout=PAGE_TIMEOUT):
    """``compute()``, kept in the cache until the catalogue version changes.

    For data that many requests share but that the page cache cannot hold,
    e.g. the comparison matrix behind a signed-in member's page."""
    if not settings.PAGE_CACHE:
        return compute()
    key = "data:" + hashlib.blake2b(f"{BUILD_ID}|{name}".encode(), digest_size=16).hexdigest()
    found = cache.get_many([VERSION_KEY, key])
    version = current_version(found.get(VERSION_KEY))
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = compute()  # the version was read first: a change meanwhile makes this stale at once
    cache.set(key, (version, value), timeout)
    return value


def bump_unless_login_only(update_fields=None, **kwargs):
    """A member's name shows on pages; their last_login (saved at every
    login) does not, so such saves keep the cache."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump_on_commit(**kwargs)


def page_key(request):
    raw = f"{BUILD_ID}|{request.scheme}|{request.get_host()}|{request.get_full_path()}".encode()
    return "page:" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def cache_anonymous(view):
    """Mark a view's successful anonymous responses as cacheable."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not request.user.is_authenticated:
            response.anonymous_cacheable = True
        return response

    wrapped.__name__ = getattr(view, "__name__", "view")
    wrapped.__doc__ = view.__doc__
    wrapped.view_class = getattr(view, "view_class", None)
    return wrapped


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
    version and the page are fetched together) and about as little Python
    as a static file.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE or not is_anonymous_request(request):
            return self.get_response(request)
        key = page_key(request)
        found = cache.get_many([VERSION_KEY, key])
        version = current_version(found.get(VERSION_KEY))
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            return self.hit(request, entry)
        response = self.get_response(request)
        if getattr(response, "anonymous_cacheable", False) and not response.cookies:
            self.store(request, response, key, version)
        return response

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
    def store(request, response, key, version):
        if response.streaming or request.method != "GET":
            return
        content = response.content
        etag = '"' + hashlib.blake2b(content, digest_size=12).hexdigest() + '"'
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"  # browsers revalidate: 304 via ETag
        headers = [(k, v) for k, v in response.items() if k.lower() != "content-length"]
        cache.set(key, (version, response.status_code, headers, content, etag), PAGE_TIMEOUT)
        response["X-Cache"] = "miss"

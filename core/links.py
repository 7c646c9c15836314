"""Memoised URL reversing for links that pages print by the dozen."""

import contextvars
import functools

from django.urls import get_script_prefix, reverse

_prefix = contextvars.ContextVar("script_prefix", default=None)


def script_prefix():
    """Django's script prefix, read once per request (``ScriptPrefixMiddleware``):
    ``get_script_prefix()`` goes through asgiref's Local, which profiled at a
    tenth of a member's page render when called for every link."""
    prefix = _prefix.get()
    return get_script_prefix() if prefix is None else prefix


class ScriptPrefixMiddleware:
    """Remembers the request's script prefix (set by Django's handler before
    any middleware) for ``script_prefix()``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _prefix.set(get_script_prefix())
        try:
            return self.get_response(request)
        finally:
            _prefix.reset(token)


@functools.lru_cache(maxsize=4096)
def _cached_reverse(prefix, name, args):
    return reverse(name, args=args)


def url_for(name, *args):
    """``reverse(name, args=args)``, memoised: pages link dozens of
    frameworks and cells, and the URLconf does not change while the process
    runs. Arguments must be hashable (slugs, primary keys)."""
    return _cached_reverse(script_prefix(), name, args)

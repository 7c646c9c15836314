"""Memoised URL reversing for links that pages print by the dozen."""

import functools

from django.urls import get_script_prefix, reverse


@functools.lru_cache(maxsize=4096)
def _cached_reverse(prefix, name, arg):
    return reverse(name, args=[arg])


def url_for(name, arg):
    """``reverse(name, args=[arg])``, memoised: pages link dozens of frameworks
    and the URLconf does not change while the process runs."""
    return _cached_reverse(get_script_prefix(), name, arg)

"""Memoised URL reversing for links that pages print by the dozen."""

import functools

from django.urls import get_script_prefix, reverse


@functools.lru_cache(maxsize=4096)
def _cached_reverse(prefix, name, args):
    return reverse(name, args=args)


def url_for(name, *args):
    """``reverse(name, args=args)``, memoised: pages link dozens of
    frameworks and cells, and the URLconf does not change while the process
    runs. Arguments must be hashable (slugs, primary keys)."""
    return _cached_reverse(get_script_prefix(), name, args)

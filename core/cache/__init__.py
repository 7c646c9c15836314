"""Caching with exact invalidation: tagged pages, holes and data.

``docs/architecture.md`` ("Caching") explains the design; each module says
what it does: ``tags`` (versions, the write clock, bumps), ``data``
(values shared by many requests), ``holes`` (blocks cached apart from their
pages), ``pages`` (the anonymous page cache), ``store`` (talking to the
shared cache).
"""

from .data import cached, derived, fragment
from .holes import hole, register
from .pages import AnonymousPageCacheMiddleware, cache_anonymous, etag_of
from .tags import bump, bump_on_commit, depends_on

__all__ = [
    "AnonymousPageCacheMiddleware",
    "bump",
    "bump_on_commit",
    "cache_anonymous",
    "cached",
    "depends_on",
    "derived",
    "etag_of",
    "fragment",
    "hole",
    "register",
]

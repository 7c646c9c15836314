"""Caching with exact invalidation: tags with versions and a write clock
(``tags``), data shared by many requests (``data``), blocks cached apart
from their pages (``holes``) and the anonymous page cache (``pages``).
docs/architecture.md ("Caching") explains the design."""

from .data import cached, derived, fragment  # noqa: F401
from .holes import hole, register  # noqa: F401
from .pages import AnonymousPageCacheMiddleware, cache_anonymous  # noqa: F401
from .tags import bump, bump_on_commit, bumping_once, depends_on  # noqa: F401

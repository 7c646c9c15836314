"""The site's cache backends: Django's file-based cache culling less often,
and Django's Redis cache reusing one client per connection pool (Django
builds a ``redis.Redis`` per call, about 0.15 ms each) and running Lua
scripts, one round trip each: bumping tags (``core.cache.tags``) and
counting rate-limit hits (``core.ratelimit``).
"""

import itertools

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedFileCache(FileBasedCache):
    """Django's file-based cache, which every process of a site without Redis
    shares. Django lists every file on each write to decide whether to cull
    (milliseconds with thousands of entries, on every vote and rate-limit
    count); this decides once per ``CULL_EVERY`` writes of a process."""

    CULL_EVERY = 100
    _writes = itertools.count()

    def _cull(self):
        if next(self._writes) % self.CULL_EVERY == 0:
            super()._cull()


class ReusedClientRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def make_and_validate_key(self, key, version=None):
        """The key, unchecked. Django checks every key against memcached's
        limits (250 characters, no spaces or control characters), one
        character at a time in Python: a page hit reads a dozen keys, and
        that was 4 % of a cached page's time. Redis has neither limit."""
        return self.make_key(key, version=version)

    def run_script(self, source, keys, args):
        """Run a Lua script (registered once per client) on ``keys`` (made
        into this cache's keys) with ``args``: one round trip, and Redis
        runs it with no other command in between."""
        client = self._cache.get_client(write=True)
        scripts = self.__dict__.setdefault("_scripts", {})
        script = scripts.get(source) or scripts.setdefault(source, client.register_script(source))
        return script(keys=[self.make_key(key) for key in keys], args=args, client=client)

"""The site's cache backends: Django's file-based cache culling less often,
and Django's Redis cache reusing one client per connection pool and running
Lua scripts (``core.cache.tags``, ``core.ratelimit``) in one round trip."""

import itertools

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedFileCache(FileBasedCache):
    """The file-based cache every process of a site without Redis shares.
    Django lists every file on each write to decide whether to cull (20 ms
    at 5,000 entries, and growing with them: sync_stats writes a cache tag
    per framework). This lists them once per ``MAX_ENTRIES / 10`` writes,
    so the listing costs each write the same however many entries there
    are; the cache may hold a tenth more than ``MAX_ENTRIES`` meanwhile."""

    _writes = itertools.count()

    def _cull(self):
        if next(self._writes) % max(1, self._max_entries // 10) == 0:
            super()._cull()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a ``redis.Redis`` per call (about 0.15 ms each)."""

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
        """The key, unchecked: Django checks keys against memcached's limits,
        which Redis lacks, a character at a time (4 % of a cached page)."""
        return self.make_key(key, version=version)

    def run_script(self, source, keys, args):
        """Run a Lua script (registered once per client) on ``keys`` with
        ``args``: one round trip, with no other command in between."""
        client = self._cache.get_client(write=True)
        scripts = self.__dict__.setdefault("_scripts", {})
        script = scripts.get(source) or scripts.setdefault(source, client.register_script(source))
        return script(keys=[self.make_key(key) for key in keys], args=args, client=client)

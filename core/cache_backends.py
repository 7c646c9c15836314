"""Django's Redis cache, reusing one client per connection pool.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis``
object for every cache call, and redis-py fills a table of some 170 response
callbacks in each constructor: profiled, about 0.15 ms per call, and a cached
page costs two calls. A ``redis.Redis`` is safe to share between threads (it
takes a connection from its pool per command), so one per pool is kept.

It also bumps cache tags in one atomic step (``advance_and_stamp``, a Lua
script: ``core.cache.tags.bump``) and counts rate-limit hits in one round
trip (``count_in_window``: ``core.ratelimit.hit``).
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


#: Advance the counter KEYS[1] (started at ARGV[1] when missing) and set the
#: other keys to its new value, as one step. The value is copied as the
#: counter's text: a Lua number is a double, which neither holds nor prints
#: a clock of 19 digits exactly.
ADVANCE_AND_STAMP = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[1])
local value = redis.call('GET', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], value) end
return value
"""


#: Count one hit on KEYS[1], which expires ARGV[1] seconds after its first.
COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


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

    def _script(self, name, source, client):
        script = self.__dict__.get(name)
        if script is None:
            script = self.__dict__[name] = client.register_script(source)
        return script

    def advance_and_stamp(self, counter, keys, *, start):
        """Increment ``counter`` and set each of ``keys`` to its new value,
        with no other command in between; a missing counter starts at
        ``start``. Values are stored as Django's Redis serializer stores
        integers (plain digits), so ``get`` reads them back."""
        client = self._cache.get_client(write=True)
        names = [self.make_and_validate_key(key) for key in (counter, *keys)]
        return self._script("_advance", ADVANCE_AND_STAMP, client)(
            keys=names, args=[start], client=client
        )

    def count_in_window(self, key, timeout):
        """Add one to the counter ``key`` and return it; a new counter
        expires ``timeout`` seconds later. One round trip, where Django's
        ``add`` then ``incr`` take three (SET NX, EXISTS, INCR)."""
        client = self._cache.get_client(key, write=True)
        script = self._script("_count", COUNT_IN_WINDOW, client)
        return script(keys=[self.make_and_validate_key(key)], args=[int(timeout)], client=client)

"""Django's Redis cache, reusing one client per connection pool.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis``
object for every cache call, and redis-py fills a table of some 170 response
callbacks in each constructor: profiled, about 0.15 ms per call, and a cached
page costs two calls. A ``redis.Redis`` is safe to share between threads (it
takes a connection from its pool per command), so one per pool is kept.

It also bumps page-cache tags in one atomic step (``advance_and_stamp``, a
Lua script): see ``core.cache.bump``.
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


#: Advance the counter KEYS[1] (started at ARGV[1] when missing) and set
#: every other key to its new value; Redis runs a script as one step. The
#: value is copied as the counter's text: a Lua number is a double, which
#: neither holds nor prints a clock of 19 digits exactly.
ADVANCE_AND_STAMP = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[1])
local value = redis.call('GET', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], value) end
return value
"""


#: The same, only if the counter still reads ARGV[1], and also setting the
#: keys after the first ARGV[2] (entries, values from ARGV[4] on) for
#: ARGV[3] seconds. Nothing (nil) if the counter moved.
ADVANCE_AND_STAMP_IF = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
redis.call('INCR', KEYS[1])
local value = redis.call('GET', KEYS[1])
local stamped = tonumber(ARGV[2])
for i = 2, stamped + 1 do redis.call('SET', KEYS[i], value) end
for i = stamped + 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i - stamped + 2], 'EX', ARGV[3]) end
return value
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

    def advance_and_stamp(self, counter, keys, *, start):
        """Increment ``counter`` and set each of ``keys`` to its new value,
        with no other command in between; returns that value. A missing
        counter starts at ``start``. Integers are stored as Django's Redis
        serializer stores them (plain digits), so ``get`` reads them back."""
        client = self._cache.get_client(write=True)
        script = self.__dict__.get("_advance_script")
        if script is None:
            script = self._advance_script = client.register_script(ADVANCE_AND_STAMP)
        names = [self.make_and_validate_key(key) for key in (counter, *keys)]
        return int(script(keys=names, args=[start], client=client))

    def advance_and_stamp_if(self, counter, expected, keys, entries, *, timeout):
        """``advance_and_stamp`` only if ``counter`` still holds ``expected``,
        also storing ``entries`` ({key: value}, kept ``timeout`` seconds) in
        the same step; True if done, False if the counter had moved."""
        client = self._cache.get_client(write=True)
        script = self.__dict__.get("_advance_if_script")
        if script is None:
            script = self._advance_if_script = client.register_script(ADVANCE_AND_STAMP_IF)
        names = [self.make_and_validate_key(key) for key in (counter, *keys, *entries)]
        dumps = self._cache._serializer.dumps
        values = [dumps(value) for value in entries.values()]
        args = [str(expected), len(keys), int(timeout), *values]
        return script(keys=names, args=args, client=client) is not None

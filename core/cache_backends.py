"""Django's Redis cache, reusing one client per connection pool.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis``
object for every cache call, and redis-py fills a table of some 170 response
callbacks in each constructor: profiled, about 0.15 ms per call, and a cached
page costs two calls. A ``redis.Redis`` is safe to share between threads (it
takes a connection from its pool per command), so one per pool is kept.

It also bumps page-cache tags in one atomic step (``advance_and_stamp``, a
Lua script): see ``core.cache.bump``; and counts rate-limit hits in one
round trip (``count_in_window``): see ``core.ratelimit.hit``.
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
#: the next ARGV[2] keys to its new value; if the counter read ARGV[3]
#: before, also set the keys after those (entries) to the values from
#: ARGV[5] on, for ARGV[4] seconds. Redis runs a script as one step.
#: Returns 1 if the entries were set, else 0. The value is copied as the
#: counter's text: a Lua number is a double, which neither holds nor
#: prints a clock of 19 digits exactly.
ADVANCE_AND_STAMP = """
local unchanged = redis.call('GET', KEYS[1]) == ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[1])
local value = redis.call('GET', KEYS[1])
local stamped = tonumber(ARGV[2])
for i = 2, stamped + 1 do redis.call('SET', KEYS[i], value) end
if not unchanged then return 0 end
for i = stamped + 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i - stamped + 3], 'EX', ARGV[4]) end
return 1
"""


#: Count one hit on KEYS[1], which expires ARGV[1] seconds after its first;
#: with a KEYS[2], also return its value (false when missing).
COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if KEYS[2] then return {count, redis.call('GET', KEYS[2])} end
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

    def advance_and_stamp(self, counter, keys, *, start, expected=None, entries=None, timeout=0):
        """Increment ``counter`` and set each of ``keys`` to its new value,
        with no other command in between. A missing counter starts at
        ``start``. If the counter held ``expected`` until then, also store
        ``entries`` ({key: value}, kept ``timeout`` seconds) in that same
        step; returns whether it did. Integers are stored as Django's Redis
        serializer stores them (plain digits), so ``get`` reads them back."""
        client = self._cache.get_client(write=True)
        script = self.__dict__.get("_advance_script")
        if script is None:
            script = self._advance_script = client.register_script(ADVANCE_AND_STAMP)
        entries = entries or {}
        names = [self.make_and_validate_key(key) for key in (counter, *keys, *entries)]
        dumps = self._cache._serializer.dumps
        values = [dumps(value) for value in entries.values()]
        expected = "" if expected is None else str(expected)
        args = [start, len(keys), expected, int(timeout), *values]
        return script(keys=names, args=args, client=client) == 1

    def count_in_window(self, key, timeout, *, read=None):
        """Add one to the counter ``key`` and return it; a new counter
        expires ``timeout`` seconds later. One round trip: Django's
        ``add`` then ``incr`` take three (SET NX, EXISTS, INCR). With
        ``read`` (a key), return ``(count, its value)``, read in that same
        round trip (None when missing)."""
        client = self._cache.get_client(key, write=True)
        script = self.__dict__.get("_count_script")
        if script is None:
            script = self._count_script = client.register_script(COUNT_IN_WINDOW)
        keys = [self.make_and_validate_key(key)]
        if read is None:
            return script(keys=keys, args=[int(timeout)], client=client)
        keys.append(self.make_and_validate_key(read))
        count, value = script(keys=keys, args=[int(timeout)], client=client)
        return count, None if value is None else self._cache._serializer.loads(value)

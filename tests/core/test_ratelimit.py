"""The rate limiter: who is asking, and counting their hits."""

import time

import pytest
from django.core.cache import cache

from core import ratelimit
from tests.conftest import use_cache


def test_client_ip_behind_a_proxy(settings, rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    settings.BEHIND_PROXY = False
    assert ratelimit.client_ip(request) == "127.0.0.1"
    settings.BEHIND_PROXY = True
    assert ratelimit.client_ip(request) == "198.51.100.7"


@pytest.fixture(params=["locmem", "redis"])
def counters(request, settings, tmp_path):
    """The caches the limits are counted in: one worker, Redis."""
    yield from use_cache(settings, request.param, tmp_path)


def test_a_limit_refuses_the_hit_after_its_count_and_takes_refunds(counters):
    assert [ratelimit.hit("vote", 7, "3/m") for _ in range(3)] == [0, 0, 0]
    assert 1 <= ratelimit.hit("vote", 7, "3/m") <= 60
    assert ratelimit.hit("vote", 8, "3/m") == 0  # another member has their own
    ratelimit.refund("vote", 7, "3/m")
    ratelimit.refund("vote", 7, "3/m")
    assert ratelimit.hit("vote", 7, "3/m") == 0


def redis_commands(monkeypatch):
    """The cache's Redis client, and the list of commands it sends from now on."""
    commands = []
    client = cache._cache.get_client(write=True)
    original = type(client).execute_command

    def counted(self, *args, **options):
        commands.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(type(client), "execute_command", counted)
    return client, commands


def test_on_redis_a_hit_is_one_round_trip_and_its_counter_expires(counters, monkeypatch):
    if counters != "redis":
        pytest.skip("Redis only")
    ratelimit.hit("vote", 6, "3/m")  # Redis has the script from here on
    client, commands = redis_commands(monkeypatch)
    ratelimit.hit("vote", 7, "3/m")

    assert commands == ["EVALSHA"]
    key = cache.make_and_validate_key(ratelimit._key("vote", 7, int(time.time() // 60)))
    assert 0 < client.ttl(key) <= 61


def test_a_hit_can_read_a_key_in_the_same_round_trip(counters, monkeypatch):
    """``hit_reading`` counts like ``hit`` and returns a key's value with it
    (the vote reads the write clock so); on Redis in the one round trip."""
    cache.set("cache:clock", 1_776_000_000_123_456_789, timeout=None)  # 19 digits, exact
    assert ratelimit.hit_reading("vote", 9, "2/m", "cache:clock") == (0, 1_776_000_000_123_456_789)
    assert ratelimit.hit_reading("vote", 9, "2/m", "missing") == (0, None)
    retry_after, value = ratelimit.hit_reading("vote", 9, "2/m", "cache:clock")
    assert 1 <= retry_after <= 60 and value == 1_776_000_000_123_456_789
    if counters != "redis":
        return
    _, commands = redis_commands(monkeypatch)
    cache.set("pickled", {"a": 1})
    commands.clear()
    assert ratelimit.hit_reading("vote", 10, "2/m", "pickled") == (0, {"a": 1})
    assert commands == ["EVALSHA"]


def test_a_hit_that_cannot_reach_the_cache_lets_the_request_through_and_reads_nothing(
    monkeypatch,
):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", down)
    assert ratelimit.hit_reading("vote", 11, "2/m", "cache:clock") == (0, None)
    assert ratelimit.hit("vote", 11, "2/m") == 0

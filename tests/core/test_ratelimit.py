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


def test_a_hit_that_cannot_reach_the_cache_lets_the_request_through(
    monkeypatch,
):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", down)
    assert ratelimit.hit("vote", 11, "2/m") == 0

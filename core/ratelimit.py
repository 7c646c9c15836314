"""A fixed-window rate limit kept in Django's cache (shared through Redis in
production, so it holds across gunicorn workers).

Limits fail open: when the cache cannot be reached, ``hit`` lets the request
through and logs a warning. Refusing every vote and sign-up because Redis is
down would turn an optimisation's outage into the site's outage; the
database's own rules (one vote per member and item) still hold.
"""

import contextlib
import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

#: Count one hit on KEYS[1], which expires ARGV[1] seconds after its first:
#: one round trip, where Django's ``add`` then ``incr`` take three.
COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def parse_rate(rate):
    """ "30/m" -> (30, 60). Units: s, m, h, d."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.strip()[:1].lower() or "m"]
    return int(count), seconds


def hit(scope, ident, rate):
    """Count one hit; return the seconds to wait if over the limit, else 0."""
    limit, window = parse_rate(rate)
    now = time.time()
    bucket = int(now // window)
    counter = _key(scope, ident, bucket)
    try:
        if hasattr(cache, "run_script"):  # Redis: one round trip
            count = cache.run_script(COUNT_IN_WINDOW, [counter], [window + 1])
        else:
            cache.add(counter, 0, timeout=window + 1)
            try:
                count = cache.incr(counter)
            except ValueError:  # expired between add and incr
                cache.set(counter, 1, timeout=window + 1)
                count = 1
    except Exception as error:  # the cache is down: fail open
        logger.warning("Rate limit %s not checked, cache unavailable: %s", scope, error)
        return 0
    if count > limit:
        return max(1, int((bucket + 1) * window - now))
    return 0


def refund(scope, ident, rate):
    """Take back one hit of the current window: for limits that count only
    what succeeded, hit first (so concurrent requests cannot all slip under
    the limit) and refund what failed."""
    _, window = parse_rate(rate)
    # ValueError: the window has just ended, nothing to take back; any other
    # error: the cache is down and limits fail open.
    with contextlib.suppress(Exception):
        cache.decr(_key(scope, ident, int(time.time() // window)))


def _key(scope, ident, bucket):
    return f"ratelimit:{scope}:{ident}:{bucket}"


def client_ip(request):
    """The client's address; behind a proxy, the one it appended last.

    Everything before the last hop was written by the client and is ignored.
    django-axes reads the address here too (``AXES_CLIENT_IP_CALLABLE``).
    """
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops and _is_ip(hops[-1]):
            return hops[-1]
    # None without any address (a request built in code): axes stores NULL.
    return request.META.get("REMOTE_ADDR") or None


def _is_ip(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True

"""A read replica (``DATABASE_REPLICA_URL``): the middleware that says which
requests may read it, and the database router that sends their reads there.

Only an anonymous reader's GET or HEAD reads the replica, and only when no
tag was bumped for ``REPLICA_LAG`` seconds (the write clock's last bump,
``core.cache.tags.WRITTEN_KEY``): a page rendered then is stored in the
shared page cache, and a replica a vote has not reached yet would store the
old count under the vote's new version, where the tag check cannot see it
(docs/architecture.md, "A read replica"). The same test runs again when a
render read from the replica is kept (``tags.versions``): a hole or value
that read the clock after a vote the request's first read did not see. Everything else reads the
primary: signed-in members, the admin, writes and the requests that follow
a client's own write (the ``primary`` cookie), every transaction, the
management commands, and every read while the replica is unreachable.
"""

import contextlib
import logging
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

from core.cache import store, tags

logger = logging.getLogger(__name__)

REPLICA = "replica"
#: Set on the answer to a write: the client reads the primary until it expires.
PIN_COOKIE = "primary"
#: How long the replica is left alone after it failed (seconds, per process).
RETRY_SECONDS = 5.0
#: At most one warning this often (seconds, per process).
WARN_SECONDS = 60.0

#: This request's choice: None (primary), "maybe" (decided at its first
#: read), "replica" or "primary".
_choice = ContextVar("replica_choice", default=None)


class ReplicaMiddleware:
    """Marks the requests that may read the replica, and pins a client that
    wrote to the primary for ``REPLICA_LAG`` seconds. The cookie is not
    signed: forging it only sends one's own reads to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookies = request.COOKIES
        anonymous = not {settings.SESSION_COOKIE_NAME, "messages", PIN_COOKIE} & cookies.keys()
        safe = request.method in ("GET", "HEAD")
        token = _choice.set("maybe" if anonymous and safe else None)
        try:
            response = self.get_response(request)
        finally:
            _choice.reset(token)
        if not safe and request.method != "OPTIONS":
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=max(1, round(settings.REPLICA_LAG)),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_exception(self, request, exception):
        """The replica failed during the view (it went down after the
        request's check): mark it down and answer again from the primary
        (the request is an anonymous GET or HEAD, which writes nothing)."""
        if _choice.get() != "replica" or not isinstance(exception, DatabaseError):
            return None
        health.failed(exception)
        _choice.set("primary")
        return self.get_response(request)


class ReplicaRouter:
    """Reads go where the request's choice says; writes and migrations to
    the primary (``default``)."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reads_replica() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


def _reads_replica():
    choice = _choice.get()
    if choice is None or connections["default"].in_atomic_block:
        return False
    if choice == "maybe":
        choice = "replica" if _quiet() and health.usable() else "primary"
        _choice.set(choice)  # the request's context: reset by the middleware
    return choice == "replica"


def read_by_this_request():
    """True once this request's reads went to the replica."""
    return _choice.get() == "replica"


def _quiet():
    found = store.get_many([tags.WRITTEN_KEY])
    return found is not None and quiet(found.get(tags.WRITTEN_KEY))


def quiet(written):
    """True when the last bump (``written``, ms) is ``REPLICA_LAG`` seconds
    old; False when unknown (the key missing: it is started now)."""
    now = time.time_ns() // 1_000_000
    if written is None:
        store.add(tags.WRITTEN_KEY, now, None)
        return False
    return now - written > settings.REPLICA_LAG * 1000


class Health:
    """Whether the replica answers, as this process last found it: checked
    (a connection and ``SELECT 1``) on a request's first read of it; after
    a failure, left alone for ``RETRY_SECONDS``, with one warning."""

    def __init__(self):
        self.down_until = 0.0
        self.warned = -WARN_SECONDS
        self.lock = threading.Lock()

    def usable(self):
        if time.monotonic() < self.down_until:
            return False
        connection = connections[REPLICA]
        try:
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except Exception as error:  # refused, timed out, the pool's timeout...
            with contextlib.suppress(Exception):
                connection.close()
            self.failed(error)
            return False

    def failed(self, error):
        now = time.monotonic()
        with self.lock:
            self.down_until = now + RETRY_SECONDS
            if now - self.warned >= WARN_SECONDS:
                self.warned = now
                logger.warning("Read replica unavailable (%s); reading the primary.", error)


health = Health()

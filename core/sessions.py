"""Sessions kept in the database and read through the cache.

Django's ``cached_db`` store, with its database lookup written out.

It already logs a failed cache write; reading,
checking and deleting still raise when the cache is unreachable, which turned
a Redis outage into a 500 on every signed-in page. This store treats the cache
as the optimisation it is: any cache error falls back to the database row,
which is always written first.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.utils import timezone

from core import rows

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def _get_session_from_db(self):
        """Django's lookup of an unexpired session row, written out (core.rows):
        a request whose session is not in the cache (a cookie that names no
        session any more, an evicted entry) no longer builds an ORM query."""
        session = rows.first(
            self.model,
            (("session_key", "="), ("expire_date", ">")),
            [self.session_key, timezone.now()],
            names=("session_key", "session_data", "expire_date"),
        )
        if session is None:
            self._session_key = None
        return session

    def load(self):
        try:
            return super().load()
        except Exception as error:  # the cache failed after a miss; the row is the truth
            logger.warning("Session cache unavailable, reading the database: %s", error)
            session = self._get_session_from_db()
            return self.decode(session.session_data) if session else {}

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except Exception:
            return bool(session_key) and self.model.objects.filter(session_key=session_key).exists()

    def delete(self, session_key=None):
        try:
            super().delete(session_key)
        except Exception as error:
            # The row is gone (deleted first); a cached copy expires by itself
            # and a later load finds no row behind it, so it grants nothing.
            logger.warning("Session cache entry not deleted: %s", error)

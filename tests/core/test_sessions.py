"""core.sessions: sessions in the database, read through the cache; a
session the cache lacks is read from its row by one written-out statement
(core.rows), exactly as Django's own lookup would."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def engine(settings):
    settings.SESSION_ENGINE = "core.sessions"
    cache.clear()
    yield
    cache.clear()


def stored(**data):
    session = SessionStore()
    session.update(data)
    session.create()
    cache.clear()  # evicted: the next read goes to the row
    return session.session_key


def test_a_session_the_cache_lacks_is_read_from_its_row_in_one_query():
    key = stored(member="42", theme="dark")

    with CaptureQueriesContext(connection) as queries:
        session = SessionStore(key)
        data = dict(session.items())

    assert data == {"member": "42", "theme": "dark"}
    assert len(queries) == 1
    row = session._get_session_from_db()
    assert row.expire_date == Session.objects.get(pk=key).expire_date
    assert row.expire_date.tzinfo is not None
    assert dict(SessionStore(key).items()) == data  # and from the cache now


def test_an_expired_or_unknown_session_reads_as_empty_and_gets_a_new_key():
    key = stored(member="42")
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - datetime.timedelta(1))

    for asked in (key, "no-such-session-key-0123456789abcdef"):
        session = SessionStore(asked)
        assert dict(session.items()) == {}
        assert session.session_key is None

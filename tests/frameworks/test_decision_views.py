"""Decision view counts: once per reader, not per request; no database write
per view (counted in the cache, written in batches); bots and clients that
keep no cookie cannot inflate them; a cache failure never breaks the page."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frameworks import services
from frameworks.models import Decision
from tests.factories import DecisionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision():
    return DecisionFactory()


def views_of(decision):
    call_command("flush_decision_views", verbosity=0)
    decision.refresh_from_db()
    return decision.views_count


def decision_writes(queries):
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "decision" in q["sql"]]


def test_twenty_cookieless_requests_count_once(decision):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            assert Client().get(decision.get_absolute_url()).status_code == 200

    assert len(decision_writes(queries.captured_queries)) == 0
    assert views_of(decision) == 1


def test_readers_from_other_addresses_count(decision):
    for n in range(3):
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}").get(decision.get_absolute_url())

    assert views_of(decision) == 3


def test_readers_sharing_an_address_count_when_they_keep_cookies(decision):
    other = DecisionFactory()
    first, second = Client(), Client()
    first.get(decision.get_absolute_url())
    second.get(other.get_absolute_url())  # second keeps our cookie from now on

    second.get(decision.get_absolute_url())

    assert views_of(decision) == 2


def test_views_are_written_in_batches_not_per_request(decision, settings):
    settings.DECISION_VIEWS_FLUSH_EVERY = 10
    with CaptureQueriesContext(connection) as queries:
        for n in range(30):
            Client(REMOTE_ADDR=f"198.51.100.{n + 1}").get(decision.get_absolute_url())

    # Every 10th view writes; nothing else.
    assert len(decision_writes(queries.captured_queries)) == 3
    assert views_of(decision) == 30


def test_pending_views_show_after_the_flush_command(decision, settings):
    settings.DECISION_VIEWS_FLUSH_EVERY = 1000
    for n in range(5):
        Client(REMOTE_ADDR=f"203.0.113.{n + 1}").get(decision.get_absolute_url())
    decision.refresh_from_db()
    assert decision.views_count == 0  # counted in the cache, not written yet

    call_command("flush_decision_views", verbosity=0)

    decision.refresh_from_db()
    assert decision.views_count == 5
    call_command("flush_decision_views", verbosity=0)  # nothing counted twice
    decision.refresh_from_db()
    assert decision.views_count == 5


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0",
    ],
)
def test_bots_and_scripts_are_not_counted(decision, agent):
    for n in range(3):
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}", HTTP_USER_AGENT=agent).get(
            decision.get_absolute_url()
        )

    assert views_of(decision) == 0


def test_the_first_view_after_the_interval_writes(decision, settings, monkeypatch):
    settings.DECISION_VIEWS_FLUSH_EVERY = 1000
    Client(REMOTE_ADDR="192.0.2.1").get(decision.get_absolute_url())
    decision.refresh_from_db()
    assert decision.views_count == 0
    # The interval has run out (its marker expired).
    services.cache.delete(services.RECENT_FLUSH.format(decision.pk))

    Client(REMOTE_ADDR="192.0.2.2").get(decision.get_absolute_url())

    decision.refresh_from_db()
    assert decision.views_count == 2


def test_held_decisions_are_not_counted(decision, client):
    decision.status = Decision.Status.PENDING
    decision.save()
    client.force_login(decision.author)

    client.get(decision.get_absolute_url())

    assert views_of(decision) == 0


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache is down")

        return fail


def test_a_cache_failure_never_breaks_the_page(decision, monkeypatch, caplog):
    monkeypatch.setattr(services, "cache", BrokenCache())

    response = Client().get(decision.get_absolute_url())

    assert response.status_code == 200
    assert decision.body in response.content.decode()
    decision.refresh_from_db()
    assert decision.views_count == 0
    assert "view not counted" in caplog.text

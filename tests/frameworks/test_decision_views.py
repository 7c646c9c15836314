"""Decision view counts: once per reader, not per request; no database write
per view (counted in the cache, written in batches); bots, other sites,
clients that keep no cookie and clients replaying one cannot inflate them;
a cache failure never breaks the page.

Views are counted by the page's beacon, an image at ``/decisions/<pk>/seen/``,
so the page itself is the same cached HTML for every anonymous reader."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frameworks import services
from frameworks.models import Decision
from frameworks.views import SEEN_COOKIE
from tests.factories import DecisionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision():
    return DecisionFactory()


def seen(decision):
    """The address of the decision's view beacon."""
    return reverse("frameworks:decision_seen", args=[decision.pk])


def views_of(decision):
    call_command("flush_decision_views", verbosity=0)
    decision.refresh_from_db()
    return decision.views_count


def decision_writes(queries):
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "decision" in q["sql"]]


def test_twenty_cookieless_requests_count_once(decision):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            assert Client().get(seen(decision)).status_code == 200

    assert len(decision_writes(queries.captured_queries)) == 0
    assert views_of(decision) == 1


def test_readers_from_other_addresses_count(decision):
    for n in range(3):
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}").get(seen(decision))

    assert views_of(decision) == 3


def test_a_replayed_cookie_counts_once(decision):
    """A valid cookie is the client's word, not proof of a new reader: one
    cookie sent 200 times (each request without the answer's new cookie)
    counts one view, as a client keeping no cookie does."""
    other = DecisionFactory()
    first = Client()
    first.get(seen(other))
    cookie = first.cookies[SEEN_COOKIE].value

    for _ in range(200):
        replay = Client()
        replay.cookies[SEEN_COOKIE] = cookie
        replay.get(seen(decision))

    assert views_of(decision) == 1
    assert views_of(other) == 1


def test_readers_sharing_an_address_count_once_per_window(decision, settings):
    """Whatever their cookies say: the address is the only thing a client
    cannot replay at will. People behind one NAT count once per window."""
    other = DecisionFactory()
    first, second = Client(), Client()
    first.get(seen(decision))
    second.get(seen(other))  # second keeps our cookie from now on

    second.get(seen(decision))

    assert views_of(decision) == 1
    # The window has run out (its marker expired; the views counted so far
    # are in the row): a new reader from the address counts again.
    services.cache.clear()
    Client().get(seen(decision))
    assert views_of(decision) == 2


def test_views_are_written_in_batches_not_per_request(decision, settings):
    settings.DECISION_VIEWS_FLUSH_EVERY = 10
    with CaptureQueriesContext(connection) as queries:
        for n in range(30):
            Client(REMOTE_ADDR=f"198.51.100.{n + 1}").get(seen(decision))

    # Every 10th view writes; nothing else.
    assert len(decision_writes(queries.captured_queries)) == 3
    assert views_of(decision) == 30


def test_pending_views_show_after_the_flush_command(decision, settings):
    settings.DECISION_VIEWS_FLUSH_EVERY = 1000
    for n in range(5):
        Client(REMOTE_ADDR=f"203.0.113.{n + 1}").get(seen(decision))
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
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}", HTTP_USER_AGENT=agent).get(seen(decision))

    assert views_of(decision) == 0


def test_the_first_view_after_the_interval_writes(decision, settings, monkeypatch):
    settings.DECISION_VIEWS_FLUSH_EVERY = 1000
    Client(REMOTE_ADDR="192.0.2.1").get(seen(decision))
    decision.refresh_from_db()
    assert decision.views_count == 0
    # The interval has run out (its marker expired).
    services.cache.delete(services.RECENT_FLUSH.format(decision.pk))

    Client(REMOTE_ADDR="192.0.2.2").get(seen(decision))

    decision.refresh_from_db()
    assert decision.views_count == 2


@pytest.mark.parametrize("status", [Decision.Status.PENDING, Decision.Status.REJECTED])
def test_held_decisions_have_no_beacon_and_are_not_counted(decision, client, status):
    decision.status = status
    decision.save()
    client.force_login(decision.author)

    page = client.get(decision.get_absolute_url())
    beacon = client.get(seen(decision))

    assert page.status_code == 200
    assert seen(decision) not in page.content.decode()
    assert beacon.status_code == 404
    assert views_of(decision) == 0


def test_the_beacon_of_a_missing_decision_is_404(decision):
    response = Client().get(reverse("frameworks:decision_seen", args=[decision.pk + 1]))

    assert response.status_code == 404


def test_the_beacon_is_a_gif_never_cached_and_only_read(decision):
    response = Client().get(seen(decision))

    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert response["Cache-Control"] == "no-store"
    assert Client().post(seen(decision)).status_code == 405
    assert Client().head(seen(decision)).status_code == 200
    assert views_of(decision) == 1  # the GET; HEAD counts nothing


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_beacon_embedded_in_another_sites_page_counts_nothing(decision, site):
    """A browser names where an image request comes from; another site's
    page showing our beacon would otherwise count its own readers here."""
    for n in range(3):
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}", HTTP_SEC_FETCH_SITE=site).get(seen(decision))

    assert views_of(decision) == 0
    Client(HTTP_SEC_FETCH_SITE="same-origin").get(seen(decision))
    assert views_of(decision) == 1


def test_the_page_is_cached_for_anonymous_readers_and_its_beacon_counts_each(decision, page_cache):
    """Every anonymous reader gets the same stored HTML, which carries no
    cookie; each reader's browser then loads the beacon, which counts them."""
    readers = [Client(REMOTE_ADDR=f"192.0.2.{n + 1}") for n in range(3)]
    for n, reader in enumerate(readers):
        page = reader.get(decision.get_absolute_url())
        assert page["X-Cache"] == ("miss" if n == 0 else "hit")
        assert not page.cookies
        html = page.content.decode()
        assert f'<img src="{seen(decision)}" alt="" width="1" height="1" hidden>' in html
        reader.get(seen(decision))

    assert views_of(decision) == 3


def test_the_count_written_by_a_flush_reaches_the_cached_page(
    decision, page_cache, settings, django_capture_on_commit_callbacks
):
    settings.DECISION_VIEWS_FLUSH_EVERY = 2
    assert Client().get(decision.get_absolute_url())["X-Cache"] == "miss"
    assert "0 views" in Client().get(decision.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            Client(REMOTE_ADDR=f"192.0.2.{n + 1}").get(seen(decision))

    page = Client().get(decision.get_absolute_url())
    assert page["X-Cache"] == "miss"
    assert "2 views" in page.content.decode()


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache is down")

        return fail


def test_a_cache_failure_never_breaks_the_page(decision, monkeypatch, caplog):
    monkeypatch.setattr(services, "cache", BrokenCache())

    page = Client().get(decision.get_absolute_url())
    response = Client().get(seen(decision))

    assert page.status_code == response.status_code == 200
    assert decision.body in page.content.decode()
    decision.refresh_from_db()
    assert decision.views_count == 0
    assert "view not counted" in caplog.text

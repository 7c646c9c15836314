"""Watching: Atom feeds per framework and comparison, the Watch toggle and
"changes since your last visit"; and the page cache of Changes pages and feeds."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from frameworks.models import Decision, Framework
from history.models import Watch
from tests.factories import (
    ComparisonFactory,
    DecisionFactory,
    FrameworkFactory,
    ProConFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def pair():
    django = FrameworkFactory(name="Django", slug="django")
    flask = FrameworkFactory(name="Flask", slug="flask")
    # Added long ago, before any member's last visit.
    Framework.history.update(history_date=timezone.now() - datetime.timedelta(days=30))
    return django, flask


def edit(obj, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()


def atom(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def test_a_framework_feed_has_its_changes_and_new_decisions(client, pair):
    _django, flask = pair
    edit(flask, description='<script>alert("x")</script> A small core.')
    DecisionFactory(
        frameworks=[flask], title="Flask for a small API", body="We picked Flask for a small API."
    )
    DecisionFactory(
        frameworks=[flask], body="Held back for review.", status=Decision.Status.PENDING
    )
    feed = atom(client.get("/frameworks/flask/feed/"))
    assert feed.findtext(f"{ATOM}title").startswith("Flask: changes and decisions")
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "Framework changed: Flask" in titles
    assert "Needs advice: Flask for a small API" in titles
    assert len(entries) == 3  # created, changed, one published decision
    summaries = " ".join(e.findtext(f"{ATOM}summary") or "" for e in entries)
    assert "Held back" not in summaries
    assert "<script>" not in summaries  # escaped inside the entry's HTML
    assert "&lt;script&gt;" in summaries
    dates = [e.findtext(f"{ATOM}updated") for e in entries]
    assert dates == sorted(dates, reverse=True)


def test_control_characters_stored_before_the_text_policy_never_break_a_feed(client, pair):
    # A decision body with \x01 from an older member published fine, then
    # made the framework's feed a lasting 500 ("Control characters are not
    # supported in XML 1.0"). The feeds strip what XML forbids on output.
    django, flask = pair
    Framework.objects.filter(pk=flask.pk).update(name="Fla\x01sk", tagline="Small\x0b core")
    DecisionFactory(frameworks=[django, flask], body="We\x01 picked\x1f Flask.")
    ComparisonFactory(frameworks=[django, flask], title="Django\x02 vs Flask")

    for address in ("/frameworks/flask/feed/", "/compare/django-vs-flask/feed/"):
        feed = atom(client.get(address))
        text = ET.tostring(feed, encoding="unicode")
        assert "We picked Flask." in text
        assert "Flask: changes and decisions" in text or "Django vs Flask" in text


def test_a_comparison_feed_and_its_canonical_address(client, pair):
    django, flask = pair
    ComparisonFactory(frameworks=[django, flask], title="Django vs Flask")
    edit(django, tagline="Batteries included")
    feed = atom(client.get("/compare/django-vs-flask/feed/"))
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert "Framework changed: Django" in titles
    redirect = client.get("/compare/flask-vs-django/feed/")
    assert (redirect.status_code, redirect["Location"]) == (301, "/compare/django-vs-flask/feed/")
    assert client.get("/compare/django-vs-nope/feed/").status_code == 404
    assert client.get("/frameworks/nope/feed/").status_code == 404


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/frameworks/flask/", "/frameworks/flask/feed/"),
        ("/compare/django-vs-flask/", "/compare/django-vs-flask/feed/"),
        ("/frameworks/flask/changes/", "/frameworks/flask/feed/"),
        ("/compare/django-vs-flask/changes/", "/compare/django-vs-flask/feed/"),
    ],
)
def test_pages_announce_their_atom_feed(client, pair, page, feed):
    html = client.get(page).content.decode()
    head = html[: html.index("</head>")]
    assert '<link rel="alternate" type="application/atom+xml" title="' in head
    assert f'href="{feed}">' in head


# --- Watch ----------------------------------------------------------------------


def test_anonymous_readers_see_no_watch_button(client, pair):
    html = client.get("/frameworks/flask/").content.decode()
    assert "aria-pressed" not in html.split('class="watch-bar"')[1].split("</div>")[0]
    response = client.post("/frameworks/flask/watch/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_member_watches_and_unwatches_a_framework_without_javascript(member_client, member, pair):
    response = member_client.post("/frameworks/flask/watch/")
    assert response.status_code == 302 and response["Location"] == "/frameworks/flask/"
    assert Watch.objects.filter(user=member, framework__slug="flask").exists()
    html = member_client.get("/frameworks/flask/").content.decode()
    assert 'aria-pressed="true">Watch' in html
    member_client.post("/frameworks/flask/watch/")
    assert not Watch.objects.filter(user=member).exists()
    assert 'aria-pressed="false">Watch' in member_client.get("/frameworks/flask/").content.decode()


def test_watching_a_comparison_answers_json_for_fetch(member_client, member, pair):
    response = member_client.post("/compare/django-vs-flask/watch/", HTTP_ACCEPT="application/json")
    assert response.json() == {"watching": True}
    watch = Watch.objects.get(user=member)
    assert watch.framework is None and watch.framework_key == ",".join(
        str(pk) for pk in sorted(f.pk for f in pair)
    )
    assert member_client.post("/compare/flask-vs-django/watch/").status_code == 404
    assert member_client.get("/compare/django-vs-flask/watch/").status_code == 405


def test_changes_since_the_last_visit_are_marked_then_the_visit_counts(member_client, member, pair):
    django, flask = pair
    last_visit = timezone.now() - datetime.timedelta(days=2)
    Watch.objects.create(user=member, framework=flask, last_seen_at=last_visit)
    edit(flask, tagline="Micro")
    ProConFactory(framework=flask, text="Simple")
    ProConFactory(framework=django, text="Elsewhere")  # another page
    html = member_client.get("/frameworks/flask/").content.decode()
    since = int(last_visit.timestamp())
    assert (
        f'href="/frameworks/flask/changes/?since={since}">2 changes since your last visit' in html
    )
    assert Watch.objects.get(user=member).last_seen_at > last_visit
    again = member_client.get("/frameworks/flask/").content.decode()
    assert "since your last visit" not in again
    changes = member_client.get(f"/frameworks/flask/changes/?since={since}").content.decode()
    assert changes.count("change--new") == 2


def test_a_watched_comparison_marks_changes_of_its_frameworks(member_client, member, pair):
    django, _flask = pair
    key = ",".join(str(pk) for pk in sorted(f.pk for f in pair))
    Watch.objects.create(
        user=member, framework_key=key, last_seen_at=timezone.now() - datetime.timedelta(1)
    )
    edit(django, tagline="Batteries")
    html = member_client.get("/compare/django-vs-flask/").content.decode()
    assert "1 change since your last visit" in html


def test_member_watch_state_never_reaches_the_cached_anonymous_page(
    client, member, pair, page_cache
):
    Watch.objects.create(
        user=member, framework=pair[1], last_seen_at=timezone.now() - datetime.timedelta(1)
    )
    edit(pair[1], tagline="Micro")
    signed_in = Client()
    signed_in.force_login(member)
    assert "since your last visit" in signed_in.get("/frameworks/flask/").content.decode()
    first = Client().get("/frameworks/flask/")
    second = Client().get("/frameworks/flask/")
    assert second["X-Cache"] == "hit"
    for response in (first, second):
        html = response.content.decode()
        assert (
            "since your last visit" not in html
            and "aria-pressed" not in html.split('class="watch-bar"')[1].split("</div>")[0]
        )


# --- Page cache -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/frameworks/flask/changes/",
        "/frameworks/flask/feed/",
        "/compare/django-vs-flask/changes/",
        "/compare/django-vs-flask/feed/",
    ],
)
def test_changes_pages_and_feeds_are_cached_and_invalidated_exactly(
    pair, page_cache, committed, url
):
    django, flask = pair
    ComparisonFactory(frameworks=[django, flask], title="Django vs Flask")
    item = ProConFactory(framework=flask, text="Simple")
    other = FrameworkFactory(name="Bottle", slug="bottle")

    def cache_state():
        return Client().get(url)["X-Cache"]

    assert cache_state() == "miss"
    assert cache_state() == "hit"
    # A vote writes no history: the page stays cached.
    from frameworks import services

    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    assert cache_state() == "hit"
    # A change elsewhere: still cached.
    committed(edit, other, tagline="Elsewhere")
    assert cache_state() == "hit"
    # A change to Flask's pro: a new history row, the page misses and shows it.
    committed(edit, item, text="Very simple")
    response = Client().get(url)
    assert response["X-Cache"] == "miss"
    assert "Very simple" in response.content.decode()
    if "feed" in url:  # a new decision is part of the feed
        assert cache_state() == "hit"
        committed(DecisionFactory, frameworks=[django, flask], body="Both fine.")
        assert cache_state() == "miss"


def test_a_watch_toggle_leaves_cached_pages_alone(member_client, pair, page_cache):
    assert Client().get("/frameworks/flask/")["X-Cache"] == "miss"
    member_client.post("/frameworks/flask/watch/")
    assert Client().get("/frameworks/flask/")["X-Cache"] == "hit"
    assert Framework.objects.filter(slug="flask").exists()

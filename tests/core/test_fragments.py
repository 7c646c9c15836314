"""Fragments (core/cache.py, "Fragments"): parts of a page that every reader
sees alike are rendered once per version of their data and reused by the
pages the page cache cannot serve (signed-in members), never across
versions, variants or live figures."""

import re

import pytest
from django.test import Client

from comparison.models import Assessment
from comparison.views import comparison_page
from core import cache
from frameworks.models import Decision
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/compare/django-vs-flask/"


class Owner:
    """A value as ``cached()`` returns it."""


def counting(html):
    calls = []

    def render():
        calls.append(1)
        return html

    return render, calls


def test_a_fragment_is_rendered_once_per_owner_and_key():
    render, calls = counting("<p>table</p>")
    owner, other = Owner(), Owner()

    assert cache.fragment(owner, ("table", True), render) == "<p>table</p>"
    assert cache.fragment(owner, ("table", True), render) == "<p>table</p>"
    assert len(calls) == 1
    cache.fragment(owner, ("table", False), render)  # another variant
    cache.fragment(other, ("table", True), render)  # a new version of the data
    assert len(calls) == 3


def test_a_fragment_is_rendered_again_once_it_is_as_old_as_a_cached_page(monkeypatch):
    render, calls = counting("<p>checked 2 years ago</p>")
    owner = Owner()
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    cache.fragment(owner, ("table",), render)

    now[0] += cache.FRAGMENT_TIMEOUT - 1
    cache.fragment(owner, ("table",), render)
    assert len(calls) == 1
    now[0] += 2
    cache.fragment(owner, ("table",), render)
    assert len(calls) == 2


@pytest.mark.parametrize(
    "printing",
    [
        lambda: cache.live("votes", 1, "p1", 5),
        lambda: cache.live_order([((("votes", 1, "p1"),), 5)]),
        lambda: cache.live_marks([((("votes", 1, "p1"),), 5)]),
    ],
)
def test_a_fragment_that_prints_live_figures_is_not_kept(printing, caplog):
    calls = []
    owner = Owner()

    def render():
        calls.append(1)
        printing()
        return "<p>5 votes</p>"

    cache.fragment(owner, ("votes",), render)
    cache.fragment(owner, ("votes",), render)

    assert len(calls) == 2
    assert "printed live figures" in caplog.text


def test_a_value_without_attributes_renders_every_time():
    render, calls = counting("x")
    cache.fragment((1, 2), ("table",), render)
    cache.fragment((1, 2), ("table",), render)
    assert len(calls) == 2


def without_tokens(html):
    """A page without its CSRF tokens (new for every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def member_client():
    client = Client()
    client.force_login(UserFactory())
    return client


def test_members_reuse_the_comparison_pages_fragments(demo, page_cache):
    member = member_client()
    first = member.get(URL).content.decode()

    page = comparison_page("django-vs-flask", False, live=True)  # the memo's object
    kept = set(page._fragments)
    assert kept == {("overview",), ("decisions",), ("criteria", True), ("alternatives",)}
    assert without_tokens(member.get(URL).content.decode()) == without_tokens(first)


def test_a_member_sees_an_edited_assessment_at_once(demo, page_cache, committed):
    member = member_client()
    member.get(URL)
    cell = Assessment.objects.get(framework__slug="flask", criterion__slug="url-routing")
    cell.summary = "Bring your own: SQLAlchemy is the usual pick."
    committed(cell.save)

    assert "Bring your own: SQLAlchemy" in member.get(URL).content.decode()


def test_a_member_sees_a_new_decision_at_once(demo, page_cache, committed):
    member = member_client()
    member.get(URL)
    decision = Decision.objects.published().filter(frameworks__slug="flask").first()
    decision.body = "We moved everything to Flask last spring."
    committed(decision.save)

    assert "moved everything to Flask" in member.get(URL).content.decode()


def test_anonymous_readers_and_members_get_their_own_edit_links(demo, page_cache):
    """The criteria table is kept once per variant: a member's direct
    "Suggest an edit" links never reach a cached anonymous page, and the
    anonymous variant's log-in links never reach a member."""
    member = member_client()
    member_html = member.get(URL).content.decode()
    anonymous_html = Client().get(URL).content.decode()
    again = member.get(URL).content.decode()

    direct = 'href="/frameworks/flask/criteria/url-routing/suggest/"'
    assert direct in member_html and direct in again
    assert direct not in anonymous_html
    login = "/accounts/login/?next=/frameworks/flask/criteria/url-routing/suggest/"
    assert login in anonymous_html
    assert login not in again


def test_a_vote_keeps_the_members_data_and_fragments_and_shows_at_once(
    demo, page_cache, committed, monkeypatch
):
    """Live data entries outlive votes: the member's next page is built
    from the same data and fragments, with the new count filled in."""
    from comparison import selectors
    from frameworks import services
    from frameworks.models import ProCon

    member = member_client()
    member.get(URL)
    computed = []
    original = selectors.comparison_page
    monkeypatch.setattr(
        selectors, "comparison_page", lambda *a, **k: computed.append(1) or original(*a, **k)
    )
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)

    html = member.get(URL).content.decode()
    assert computed == []
    assert '<span class="vote-count">679</span>' in html
    assert "679 = 678 imported + 1 from members" in html


def test_a_vote_that_reorders_pros_reaches_members_at_once(
    demo, page_cache, committed, monkeypatch
):
    """Lists are ordered when the page is rendered, by the current counts:
    the data behind the page holds no order a vote can make stale."""
    from comparison import selectors
    from frameworks import services
    from frameworks.models import ProCon

    cons = list(ProCon.objects.filter(framework__slug="flask", kind="con").order_by("-votes_count"))
    first, second = cons[0], cons[1]
    gap = first.votes_count - second.votes_count
    ProCon.objects.filter(pk=second.pk).update(
        baseline_votes=second.baseline_votes + gap, votes_count=second.votes_count + gap
    )  # now tied, listed by text
    member = member_client()
    html = member.get(URL).content.decode()
    ahead, behind = sorted([first, second], key=lambda p: p.text)
    assert html.index(ahead.text) < html.index(behind.text)

    computed = []
    original = selectors.comparison_page
    monkeypatch.setattr(
        selectors, "comparison_page", lambda *a, **k: computed.append(1) or original(*a, **k)
    )
    committed(services.toggle_vote, user=UserFactory(), procon_id=behind.pk)

    html = member.get(URL).content.decode()
    assert html.index(behind.text) < html.index(ahead.text)
    assert computed == []
    anonymous = Client().get(URL)  # the stored page is rendered again, from the same data
    assert anonymous.content.decode().index(behind.text) < anonymous.content.decode().index(
        ahead.text
    )
    assert computed == []

"""Fragments (core/cache/data.py): parts of a page that every reader sees
alike are rendered once per version of their data and reused by the pages
the page cache cannot serve (signed-in members), never across versions or
variants. Holes inside them are filled per request (test_holes.py)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from comparison.models import Assessment
from comparison.views import comparison_page
from core import cache
from core.cache import data, tags
from core.cache.tags import PAGE_TIMEOUT
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


def test_a_derived_value_is_computed_once_per_owner_and_key_and_kept_within_bounds():
    owner, other = Owner(), Owner()
    render, calls = counting(None)  # None is a value like any other

    assert cache.derived(owner, "scores", render) is None
    assert cache.derived(owner, "scores", render) is None
    assert len(calls) == 1
    cache.derived(owner, ("snippets", "a.example"), render)  # another key
    cache.derived(other, "scores", render)  # a new version of the data
    assert len(calls) == 3

    for n in range(data.DERIVED_MAX):  # hosts a wildcard in ALLOWED_HOSTS lets in
        cache.derived(owner, ("snippets", f"h{n}.example"), render)
    assert len(owner._derived) == data.DERIVED_MAX
    before = len(calls)
    cache.derived(owner, ("snippets", "h99.example"), render)
    cache.derived(owner, ("snippets", "h99.example"), render)
    assert len(calls) == before + 2  # computed, not kept
    assert cache.derived(object(), "plain", lambda: 7) == 7  # no __dict__: nothing kept


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
    monkeypatch.setattr(data.time, "monotonic", lambda: now[0])
    cache.fragment(owner, ("table",), render)

    now[0] += PAGE_TIMEOUT - 1
    cache.fragment(owner, ("table",), render)
    assert len(calls) == 1
    now[0] += 2
    cache.fragment(owner, ("table",), render)
    assert len(calls) == 2


def test_a_fragment_is_rendered_again_on_a_new_day_and_declares_its_tags_each_time(
    monkeypatch,
):
    """An "out of date" mark inside a fragment appears with the day, and a
    page reusing the fragment shows the day as one rendering it does."""
    calls = []

    def render():
        calls.append(1)
        tags.depends_on(tags.DAY)
        return "<p>as of 1 Nov</p>"

    owner, later = Owner(), timezone.now() + dt.timedelta(days=1)
    for _ in range(2):
        with tags.rendering(None) as page:
            cache.fragment(owner, ("card",), render)
        assert page.tags == {tags.DAY}
    assert len(calls) == 1
    monkeypatch.setattr(timezone, "now", lambda: later)
    cache.fragment(owner, ("card",), render)
    assert len(calls) == 2


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

    page = comparison_page("django-vs-flask", False)  # the memo's object
    kept = {key[1:] for key in page._derived if key[0] == "fragment"}
    flask, django = sorted(f.pk for f in page.frameworks)
    # Keyed by the variant (only differences, sources and dates) and, where
    # the page differs, the host or whether the reader is signed in.
    assert kept == {
        ("head-tags", False, False, ("http", "testserver", "/")),
        ("breadcrumb",),
        ("head",),
        ("table-intro", False, False, ("http", "testserver", "/")),
        ("table-head", False),
        ("integrations",),
        ("overview",),
        ("card", flask),
        ("card", django),
        ("differences",),
        ("decisions",),
        ("criteria", False, False),  # no "Suggest an edit" links without details
        ("health", False),  # its sources only with details
        ("weights", False, False),
        ("alternatives",),
    }
    assert without_tokens(member.get(URL).content.decode()) == without_tokens(first)


def test_absolute_addresses_are_kept_per_host_and_fragments_within_bounds(
    demo, page_cache, settings, monkeypatch
):
    """The head's canonical link and structured data and the table's embed
    snippets hold absolute addresses: each host gets its own, and hosts a
    wildcard in ALLOWED_HOSTS lets in cannot grow the fragments kept on a
    page without bound."""
    settings.ALLOWED_HOSTS = [".example"]
    member = member_client()
    one = member.get(URL, HTTP_HOST="one.example").content.decode()
    two = member.get(URL, HTTP_HOST="two.example").content.decode()

    assert "http://one.example/compare/django-vs-flask/embed/" in one
    assert '<link rel="canonical" href="http://one.example/compare/django-vs-flask/">' in one
    assert "two.example" not in one
    assert "http://two.example/compare/django-vs-flask/embed/" in two
    assert "one.example" not in two

    monkeypatch.setattr(
        data, "DERIVED_MAX", len(comparison_page("django-vs-flask", False)._derived)
    )
    three = member.get(URL, HTTP_HOST="three.example").content.decode()
    page = comparison_page("django-vs-flask", False)
    assert not [key for key in page._derived if "three.example" in repr(key)]
    assert "http://three.example/compare/django-vs-flask/embed/" in three


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
    """The criteria table with its sources (where the "Suggest an edit"
    links are) is kept once per variant: a member's direct links never reach
    a cached anonymous page, and the anonymous variant's log-in links never
    reach a member."""
    details = URL + "?details=1"
    member = member_client()
    member_html = member.get(details).content.decode()
    anonymous_html = Client().get(details).content.decode()
    again = member.get(details).content.decode()

    direct = 'href="/frameworks/flask/criteria/url-routing/suggest/"'
    assert direct in member_html and direct in again
    assert direct not in anonymous_html
    login = "/accounts/login/?next=/frameworks/flask/criteria/url-routing/suggest/"
    assert login in anonymous_html
    assert login not in again

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
from frameworks.models import Decision, ProCon
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

    for n in range(cache.DERIVED_MAX):  # hosts a wildcard in ALLOWED_HOSTS lets in
        cache.derived(owner, ("snippets", f"h{n}.example"), render)
    assert len(owner._derived) == cache.DERIVED_MAX
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
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    cache.fragment(owner, ("table",), render)

    now[0] += cache.FRAGMENT_TIMEOUT - 1
    cache.fragment(owner, ("table",), render)
    assert len(calls) == 1
    now[0] += 2
    cache.fragment(owner, ("table",), render)
    assert len(calls) == 2


def vote_on(committed, item):
    from frameworks import services

    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)


def test_a_fragment_with_live_figures_is_kept_and_shows_the_current_figure(
    demo, page_cache, committed
):
    from frameworks.templatetags.statistics import procon_votes

    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    render, calls = counting(None)
    owner = Owner()

    def html():
        render()
        return f"<p>{procon_votes(item)} votes</p>"

    assert cache.fragment(owner, ("votes",), html) == "<p>678 votes</p>"
    assert cache.fragment(owner, ("votes",), html) == "<p>678 votes</p>"
    vote_on(committed, item)
    assert cache.fragment(owner, ("votes",), html) == "<p>679 votes</p>"
    assert len(calls) == 1


def tied_cons():
    """Flask's two most voted cons, made equal."""
    first, second = ProCon.objects.filter(framework__slug="flask", kind="con").order_by(
        "-votes_count"
    )[:2]
    gap = first.votes_count - second.votes_count
    ProCon.objects.filter(pk=second.pk).update(
        baseline_votes=second.baseline_votes + gap, votes_count=second.votes_count + gap
    )
    second.refresh_from_db()
    return first, second


def test_a_fragment_is_rendered_again_when_an_order_it_recorded_changed(
    demo, page_cache, committed
):
    from frameworks.cache import procon_ref

    first, second = tied_cons()
    render, calls = counting(None)
    owner = Owner()

    def html():
        render()
        cache.live_marks([((procon_ref(p),), p.votes_count) for p in (first, second)])
        return "<p>tied</p>"

    cache.fragment(owner, ("marks",), html)
    cache.fragment(owner, ("marks",), html)
    assert len(calls) == 1  # the figures still compare as recorded
    vote_on(committed, second)
    cache.fragment(owner, ("marks",), html)
    assert len(calls) == 2


def test_each_use_of_a_fragment_fills_in_its_own_readers_texts(demo, page_cache):
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    alice = cache.Reader(pressed=lambda pk: "true", here="/compare/?a=1&b=<2>")
    bob = cache.Reader(pressed=lambda pk: "false", here="/compare/")
    render, calls = counting(None)
    owner = Owner()

    def html_for(reader):
        def html():
            render()
            return f'<a data-here="{reader("here")}" aria-pressed="{reader("pressed", item.pk)}">'

        return html

    assert cache.fragment(owner, ("list",), html_for(alice), alice) == (
        '<a data-here="/compare/?a=1&amp;b=&lt;2&gt;" aria-pressed="true">'
    )
    assert cache.fragment(owner, ("list",), html_for(bob), bob) == (
        '<a data-here="/compare/" aria-pressed="false">'
    )
    assert len(calls) == 1


def test_a_page_rendered_for_the_cache_cuts_a_live_fragments_slots_itself(demo, page_cache):
    """An anonymous page stored with live figures keeps its own slots; the
    fragment is rendered into it and not kept (its slots are the page's)."""
    from frameworks.templatetags.statistics import procon_votes

    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    reader = cache.Reader(here="/compare/")
    render, calls = counting(None)
    owner = Owner()

    def html():
        render()
        return f"<p>{reader('here')}: {procon_votes(item)}</p>"

    page = cache._LiveRender()
    token = cache._live.set(page)
    try:
        first = cache.fragment(owner, ("votes",), html, reader)
        cache.fragment(owner, ("votes",), html, reader)
    finally:
        cache._live.reset(token)
    assert len(calls) == 2
    assert first.startswith("<p>/compare/: " + cache.SLOT)  # the page's slot
    assert page.groups


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
    flask, django = sorted(f.pk for f in page.frameworks)
    assert kept == {
        ("head-tags", False, ("http", "testserver", "/")),
        ("breadcrumb",),
        ("head",),
        ("table-intro", False, ("http", "testserver", "/")),
        ("table-head", False),
        ("integrations",),
        ("overview",),
        ("card", flask),
        ("card", django),
        ("decisions",),
        ("statistics", True),
        ("criteria", True),
        *(("procons", f, kind, True) for f in (flask, django) for kind in ("pro", "con")),
        ("weights", False),
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
        cache, "FRAGMENTS_MAX", len(comparison_page("django-vs-flask", False, live=True)._fragments)
    )
    three = member.get(URL, HTTP_HOST="three.example").content.decode()
    page = comparison_page("django-vs-flask", False, live=True)
    assert not [key for key in page._fragments if "three.example" in repr(key)]
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


def test_a_members_page_reads_its_datas_tags_and_figures_in_one_round_trip(
    demo, page_cache, committed, monkeypatch
):
    """The data a member's page is built from is held by the process: the
    request reads its tags' versions and the live figures its lists print
    in one round trip, after a vote too (the vote stored its figures), and
    still shows the new count."""
    from core.cache import cache as shared
    from frameworks import services

    member = member_client()
    member.get(URL)
    reads = []
    get_many = shared.get_many
    monkeypatch.setattr(shared, "get_many", lambda keys: reads.append(keys) or get_many(keys))

    member.get(URL)
    assert len(reads) == 1
    assert any(key.startswith("data:") for key in reads[0])  # the figures' groups

    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    reads.clear()
    html = member.get(URL).content.decode()
    assert len(reads) == 1
    assert '<span class="vote-count">679</span>' in html


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


def test_members_share_the_pros_and_cons_but_see_their_own_votes_and_tokens(
    demo, page_cache, committed
):
    """The lists are kept once for every signed-in reader; each reader's
    page still shows which items they voted for, forms that return to the
    address they read, and their own CSRF token, which the site accepts."""
    from frameworks import services

    item = ProCon.objects.get(framework__slug="flask", text="User friendly")
    alice, bob = UserFactory(), UserFactory()
    committed(services.toggle_vote, user=alice, procon_id=item.pk)
    readers = {}
    for user in (alice, bob):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        readers[user] = client
    form = re.compile(
        rf'<form method="post" action="/procons/{item.pk}/vote/".*?value="([^"]+)">\s*'
        r'<input type="hidden" name="next" value="([^"]+)">\s*'
        r'<button type="submit" class="vote-button" aria-pressed="(\w+)"',
        re.S,
    )

    weighed = URL + "?w-url-routing=3"
    pages = {
        alice: readers[alice].get(URL).content.decode(),
        bob: readers[bob].get(weighed).content.decode(),
    }
    page = comparison_page("django-vs-flask", False, live=True)
    assert ("procons", item.framework_id, "pro", True) in page._fragments
    alice_token, alice_next, alice_pressed = form.search(pages[alice]).groups()
    bob_token, bob_next, bob_pressed = form.search(pages[bob]).groups()
    assert (alice_pressed, bob_pressed) == ("true", "false")
    assert alice_next == f"{URL}#procon-{item.pk}"
    assert bob_next == f"{weighed}#procon-{item.pk}"
    assert alice_token != bob_token
    # Each token is the reader's own: the site takes bob's vote with it.
    response = readers[bob].post(
        f"/procons/{item.pk}/vote/", {"csrfmiddlewaretoken": bob_token, "next": bob_next}
    )
    assert response.status_code == 302
    assert ProCon.objects.get(pk=item.pk).votes_count == item.votes_count + 2
    html = readers[bob].get(weighed).content.decode()
    assert form.search(html).group(3) == "true"


def test_a_fragment_must_be_given_the_reader_whose_texts_it_prints():
    """Each use fills reader slots from the reader it is given: texts of
    another Reader would be filled with the wrong reader's."""
    outer, inner = cache.Reader(here="/a/"), cache.Reader(here="/b/")

    with pytest.raises(ValueError, match="Reader it was not given"):
        cache.fragment(Owner(), ("list",), lambda: f"<p>{inner('here')}</p>", outer)
    with pytest.raises(ValueError, match="Reader it was not given"):
        cache.fragment(Owner(), ("list",), lambda: f"<p>{inner('here')}</p>")

"""Live figures (core/cache.py, "Live figures"): vote counts are filled into
cached pages when they are served, lists sorted by them are re-checked, and
formats that do not print them through ``live()`` keep their tags."""

import pickle

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import cache as page_cache_module
from core.cache import _orders_hold, live_marks, live_order
from frameworks import cache as tags
from frameworks import selectors, services
from frameworks.models import Framework, ProCon
from tests.factories import ProConFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/compare/django-vs-flask/"


def django_pro():
    return ProCon.objects.get(framework__slug="django", text="Rapid development")


def vote(committed, item, user=None):
    return committed(services.toggle_vote, user=user or UserFactory(), procon_id=item.pk)


def test_a_stored_page_holds_slots_not_counts(client, demo, page_cache):
    from django.core.cache import cache

    client.get(URL)
    (entry,) = [pickle.loads(v) for k, v in cache._cache.items() if ":page:" in k]
    body = entry[3]
    assert isinstance(body, tuple), "the HTML is kept cut at its live figures"
    html = b"".join(part for part in body if part)
    assert b'<span class="vote-count">678</span>' not in html
    assert b'<span class="vote-count"></span>' in html  # the slot, cut out
    assert not any(tag.startswith("cache:tag:votes") for tag in entry[0])


def test_a_vote_stores_its_frameworks_figures_and_the_next_hits_run_no_query(
    client, demo, page_cache, committed, django_assert_num_queries
):
    client.get(URL)
    with django_assert_num_queries(0):
        assert client.get(URL)["X-Cache"] == "hit"
    member, item = UserFactory(), django_pro()
    with CaptureQueriesContext(connection) as queries:
        vote(committed, item, member)
    if connection.vendor == "postgresql":
        # The vote's own statement reads Django's counts too.
        assert [q["sql"].split()[0] for q in queries] == ["WITH"]
    else:
        # The vote's own request reads Django's counts once, after its commit.
        assert "baseline_votes" in queries.captured_queries[-1]["sql"]
    with django_assert_num_queries(0):
        response = client.get(URL)
    assert response["X-Cache"] == "hit"
    assert '<span class="vote-count">679</span>' in response.content.decode()


def without_the_votes_own_store(monkeypatch):
    """Votes bump their tags but store no figures: as after a process died
    between its commit and its bump's end, or an evicted group."""
    monkeypatch.setattr(
        services, "bump_live", lambda source, groups, *tags, **_: page_cache_module.bump(*tags)
    )


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_a_vote_stores_its_figures_in_the_same_step_as_its_bump(
    backend, client, demo, page_cache, committed, settings, tmp_path, monkeypatch
):
    """No reader finds the group stale between the vote's bump and the store
    of its figures: both are one step (core.cache.bump_live)."""
    from django.core.cache import cache

    if backend == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache_backends.ReusedClientRedisCache",
                "LOCATION": "redis://127.0.0.1:6379/3",
                "KEY_PREFIX": tmp_path.name,
            }
        }
        cache.clear()

    group = (tags.LIVE_VOTES, str(django_pro().framework_id))
    entry_key, tag_key = page_cache_module._group_keys([group])[group]
    bump, seen_stale = page_cache_module.bump, []

    def bump_then_read(*bumped):
        bump(*bumped)
        stored = cache.get(entry_key)
        seen_stale.append(stored is None or stored[0] != cache.get(tag_key))

    monkeypatch.setattr(page_cache_module, "bump", bump_then_read)
    client.get(URL)
    vote(committed, django_pro())
    stored = cache.get(entry_key)

    assert not any(seen_stale), "a reader right after the bump found the group stale"

    assert stored[0] == cache.get(tag_key)
    assert stored[1][f"p{django_pro().pk}"] == 679
    response = Client().get(URL)
    assert response["X-Cache"] == "hit"
    assert '<span class="vote-count">679</span>' in response.content.decode()
    cache.clear()


def test_a_hit_recomputes_a_group_it_finds_stale_once(
    client, demo, page_cache, committed, django_assert_num_queries, monkeypatch
):
    """Without the vote's refresh (a process that died after its commit, an
    evicted group), the first hit reads the counts with one small query."""
    client.get(URL)
    without_the_votes_own_store(monkeypatch)
    vote(committed, django_pro())
    with django_assert_num_queries(1):  # Django's counts, one small query
        response = client.get(URL)
    assert response["X-Cache"] == "hit"
    assert '<span class="vote-count">679</span>' in response.content.decode()
    with django_assert_num_queries(0):
        assert ">679<" in client.get(URL).content.decode()


def test_the_etag_follows_the_live_figures(client, demo, page_cache, committed):
    first = client.get(URL)
    assert client.get(URL, headers={"If-None-Match": first["ETag"]}).status_code == 304
    vote(committed, django_pro())
    after = client.get(URL, headers={"If-None-Match": first["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != first["ETag"]
    assert client.get(URL, headers={"If-None-Match": after["ETag"]}).status_code == 304


def vote_during_the_next_compute(monkeypatch, committed):
    """Make the next computation of the vote figures let another member's
    vote commit (and bump) while it reads them."""
    source = page_cache_module._sources[tags.LIVE_VOTES]
    member = UserFactory()

    def compute_then_vote(groups):
        figures = source.compute(groups)
        if not getattr(compute_then_vote, "done", False):
            compute_then_vote.done = True
            vote(committed, django_pro(), member)
        return figures

    monkeypatch.setitem(
        page_cache_module._sources,
        tags.LIVE_VOTES,
        page_cache_module.LiveSource(source.name, compute_then_vote, source.tag, source.covers),
    )


def test_a_write_during_a_groups_recompute_is_not_kept(
    client, demo, page_cache, committed, monkeypatch
):
    """The group's version is read before its figures: a vote that lands
    while they are read leaves the stored group stale, never wrong."""
    client.get(URL)
    without_the_votes_own_store(monkeypatch)
    vote(committed, django_pro())
    vote_during_the_next_compute(monkeypatch, committed)  # this reader's recompute
    assert ">679<" in client.get(URL).content.decode()  # exact when this request came
    assert ">680<" in Client().get(URL).content.decode()


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL's vote reads them itself: next test"
)
def test_a_vote_landing_while_another_stores_the_figures_is_not_lost(
    client, demo, page_cache, committed, monkeypatch
):
    """The same holds for the figures a vote stores after its commit."""
    client.get(URL)
    vote_during_the_next_compute(monkeypatch, committed)  # the vote's own refresh
    vote(committed, django_pro())  # its stored figures miss the vote inside
    assert ">680<" in Client().get(URL).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite reads them after the commit")
def test_a_vote_landing_between_another_votes_statement_and_its_bump_is_not_lost(
    client, demo, page_cache, committed, monkeypatch
):
    """PostgreSQL's vote reads its figures in its own statement, after
    reading the clock: a vote that lands before its bump moves the clock,
    so those figures, which miss it, are not stored. (On SQLite the figures
    are read after the commit, as above.)"""
    client.get(URL)
    toggle, member = services._toggle_in_one_statement, UserFactory()

    def toggle_then_vote(*args):
        result = toggle(*args)
        monkeypatch.setattr(services, "_toggle_in_one_statement", toggle)
        ran = len(connection.run_on_commit)
        vote(committed, django_pro(), member)
        # Its bump ran; the outer capture would run it again, before the
        # first vote's, as no real commit does.
        del connection.run_on_commit[ran:]
        return result

    monkeypatch.setattr(services, "_toggle_in_one_statement", toggle_then_vote)
    vote(committed, django_pro())
    assert ">680<" in Client().get(URL).content.decode()


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings, tmp_path):
    """One worker's cache, then Redis (emptied again afterwards)."""
    from tests.conftest import use_cache

    yield from use_cache(settings, request.param, tmp_path)


def test_the_vote_view_reads_the_write_clock_with_its_rate_limit(
    shared_cache, client, demo, page_cache, committed, monkeypatch
):
    """The clock a vote must read before its statement comes in the rate
    limit's round trip: the vote reads it no second time (PostgreSQL's vote
    needs it; SQLite's reads its figures after the commit), and stores its
    framework's figures for the readers."""
    from django.core.cache import cache

    read_again = []
    monkeypatch.setattr(services, "write_clock", lambda: read_again.append(1))
    group = (tags.LIVE_VOTES, str(django_pro().framework_id))
    entry_key, tag_key = page_cache_module._group_keys([group])[group]
    Client().get(URL)  # stored, and starts the clock
    client.force_login(UserFactory())

    response = committed(
        client.post, f"/procons/{django_pro().pk}/vote/", HTTP_ACCEPT="application/json"
    )

    assert response.json() == {"votes": 679, "voted": True}
    assert read_again == []
    assert cache.get(entry_key) == (
        cache.get(tag_key),
        selectors.vote_figures([django_pro().framework_id])[group[1]],
    )
    page = Client().get(URL)
    assert page["X-Cache"] == "hit"
    assert '<span class="vote-count">679</span>' in page.content.decode()


def test_the_figures_a_vote_stores_are_its_frameworks_figures(client, demo, page_cache, committed):
    """What a vote stores for its framework's readers (on PostgreSQL read
    by the vote's own statement) is what ``vote_figures`` reads: approved
    items only, each vote and each vote taken back counted."""
    from django.core.cache import cache

    framework = Framework.objects.get(slug="django")
    first, second = framework.procons.filter(status=ProCon.Status.APPROVED)[:2]
    ProConFactory(framework=framework, status=ProCon.Status.PENDING, baseline_votes=5)
    group = (tags.LIVE_VOTES, str(framework.pk))
    entry_key, tag_key = page_cache_module._group_keys([group])[group]
    one, other = UserFactory(), UserFactory()
    client.get(URL)  # starts the write clock, as the site's first page does

    # The last as the URL's text would be: the statement's figures still
    # take the voted item's new count.
    for member, pk in ((one, first.pk), (other, first.pk), (one, second.pk), (one, str(first.pk))):
        committed(services.toggle_vote, user=member, procon_id=pk)
        expected = selectors.vote_figures([framework.pk])[str(framework.pk)]
        assert cache.get(entry_key) == (cache.get(tag_key), expected)
    assert expected[f"m{first.pk}"] == 1 and expected[f"m{second.pk}"] == 1


def test_pages_with_too_many_groups_keep_their_vote_tags(
    client, demo, page_cache, committed, monkeypatch
):
    monkeypatch.setattr(page_cache_module, "LIVE_MAX_GROUPS", 1)
    client.get(URL)
    assert client.get(URL)["X-Cache"] == "hit"
    vote(committed, django_pro())
    response = client.get(URL)
    assert response["X-Cache"] == "miss"
    assert ">679<" in response.content.decode()


def test_the_catalogue_sorted_by_votes_re_renders_when_the_order_changes(
    client, demo, page_cache, committed
):
    url = "/frameworks/?sort=-votes"
    client.get(url)
    vote(committed, django_pro())  # the order stands: still a hit, count filled in
    assert client.get(url)["X-Cache"] == "hit"
    ranking = list(Framework.objects.published().active().with_votes().order_by("-votes", "name"))
    first, second = ranking[0], ranking[1]
    item = second.procons.filter(status="approved").first()
    gap = first.votes - second.votes + 1
    ProCon.objects.filter(pk=item.pk).update(
        baseline_votes=item.baseline_votes + gap, votes_count=item.votes_count + gap
    )
    committed(page_cache_module.bump, tags.votes(second.pk), tags.VOTES)  # as a recount does
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    html = response.content.decode()
    assert html.index(f">{second.name}<") < html.index(f">{first.name}<")


def recorded(render, record, **options):
    capture = []
    token = page_cache_module._orders.set(capture)
    try:
        record([((("votes", "1", f"p{i}"),), n) for i, n in enumerate(render)], **options)
    finally:
        page_cache_module._orders.reset(token)
    return capture


def holds(recorded_orders, now):
    figures = {("votes", "1"): {f"p{i}": n for i, n in enumerate(now)}}
    return _orders_hold(recorded_orders, figures)


@pytest.mark.parametrize(
    ("render", "now", "expected"),
    [
        ([5, 3, 1], [9, 3, 1], True),  # same order, larger gap
        ([5, 3, 1], [3, 3, 1], False),  # caught up: the database breaks the tie
        ([5, 5, 1], [5, 6, 1], False),  # the second of a tie passed the first
        ([5, 5, 1], [6, 5, 1], True),  # the first of a tie pulled ahead: same order
        ([5, 5, 1], [6, 6, 2], True),  # still tied
        ([5, 3, 1], [2, 3, 1], False),  # overtaken
        ([5, 3, 1], [5, 3, 4], False),  # overtaken from below the cut
    ],
)
def test_a_sorted_list_holds_while_it_would_come_out_the_same(render, now, expected):
    assert holds(recorded(render, live_order), now) is expected


@pytest.mark.parametrize(
    ("render", "now", "expected"),
    [
        ([1, 3, 5], [1, 4, 5], True),
        ([1, 3, 5], [1, 5, 5], False),
        ([1, 3, 5], [2, 1, 5], False),
        ([1, 1, 5], [1, 2, 5], True),  # the second of a tie grew: still after it
        ([1, 1, 5], [2, 1, 5], False),
    ],
)
def test_an_ascending_list_holds_the_same_way(render, now, expected):
    assert holds(recorded(render, live_order, descending=False), now) is expected


@pytest.mark.parametrize(
    ("render", "now", "expected"),
    [
        ([5, 3, 1], [9, 3, 1], True),
        ([5, 5, 1], [6, 5, 1], False),  # "highest" was shared, now it is not
        ([5, 3, 1], [5, 5, 1], False),
        ([5, 3], [5, 3], True),
    ],
)
def test_marks_hold_only_while_every_comparison_stands(render, now, expected):
    assert holds(recorded(render, live_marks), now) is expected


def laid_out(slots, count=2):
    """_laid_out_lists for these slots, with list "0" of ``count`` items."""
    render = page_cache_module._LiveRender()
    keys = tuple(((("votes", "1", f"p{n}"),), n) for n in range(count))
    render.lists["0"] = page_cache_module.LiveList(["a", "b"][:count], keys, ("list", 1, ()))
    return page_cache_module._laid_out_lists(slots, render)


FIGURE = ("votes", "1", "p0", "int")


def test_a_list_laid_out_whole_is_sorted_when_served():
    slots = [("#i", "0", "0"), FIGURE, ("#i", "0", "1"), FIGURE, ("#e", "0")]
    ranges, keys, _ = laid_out(slots)[0]
    assert ranges == ((0, 2), (2, 4))
    body = (
        b"<ul>",
        None,
        b"<li>A ",
        None,
        b"</li>",
        None,
        b"<li>B ",
        None,
        b"</li>",
        None,
        b"</ul>",
    )
    texts = [b"", b"1", b"", b"2", b""]
    figures = {("votes", "1"): {"p0": 1, "p1": 2}}
    html = page_cache_module._assemble(body, texts, {0: (ranges, keys)}, figures)
    assert html == b"<ul><li>B 2</li><li>A 1</li></ul>"


@pytest.mark.parametrize(
    "slots",
    [
        # looped over twice
        [("#i", "0", "0"), ("#i", "0", "1"), ("#i", "0", "0"), ("#i", "0", "1"), ("#e", "0")],
        # shown in part
        [("#i", "0", "0"), ("#e", "0")],
        # no end
        [("#i", "0", "0"), ("#i", "0", "1")],
        # another list's marker inside
        [("#i", "0", "0"), ("#i", "1", "0"), ("#i", "0", "1"), ("#e", "0")],
    ],
)
def test_a_list_laid_out_otherwise_keeps_its_order_checked(slots):
    assert 0 not in laid_out(slots)

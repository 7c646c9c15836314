"""Vote transparency: how each count is made, member votes per week, the
curators' vote report (bursts, new accounts, shared addresses) and the exact
recount after votes are discounted."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.charts import sparkline
from frameworks import moderation, services
from frameworks.models import AbuseMark, ProCon, Vote, VoteOrigin
from frameworks.selectors import VOTE_WEEKS, weekly_member_votes
from tests.admin_helpers import admin_url
from tests.factories import FrameworkFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db

#: A Wednesday noon, so "this week" started two and a half days before.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def add_votes(procon, count, *, at=None, joined=None, prefix="voter"):
    """``count`` member votes on ``procon`` (counter kept exact), cast at
    ``at`` (a datetime or a list of them) by accounts that joined at ``joined``."""
    users = []
    for i in range(count):
        user = UserFactory(username=f"{prefix}{procon.pk}-{i}")
        if joined is not None:
            type(user).objects.filter(pk=user.pk).update(date_joined=joined)
        vote = Vote.objects.create(user=user, procon=procon)
        when = at[i] if isinstance(at, list) else at
        if when is not None:
            Vote.objects.filter(pk=vote.pk).update(created=when)
        users.append(user)
    ProCon.objects.filter(pk=procon.pk).update(votes_count=procon.baseline_votes + count)
    return users


# --- How a count is made ----------------------------------------------------


def test_each_pro_and_con_explains_its_count(client):
    framework = FrameworkFactory(slug="flask")
    other = FrameworkFactory(slug="django")
    item = ProConFactory(framework=framework, baseline_votes=640, votes_count=640)
    add_votes(item, 38)
    # A comparison's table says so with its sources and dates (?details=1).
    for url in ("/frameworks/flask/", "/compare/django-vs-flask/?details=1"):
        # The text read, whatever marks its figures for vote.js.
        text = re.sub(r"<[^>]+>", "", client.get(url).content.decode())
        assert "678 = 640 imported + 38 from members" in text, url
    assert "imported +" not in client.get("/compare/django-vs-flask/").content.decode()
    assert other  # the comparison needs two frameworks


def test_member_votes_per_week_in_one_query(django_assert_num_queries):
    items = ProConFactory.create_batch(3)
    this_week = NOW - timedelta(hours=1)
    add_votes(items[0], 3, at=this_week, prefix="a")
    add_votes(items[0], 2, at=NOW - timedelta(weeks=2), prefix="b")
    add_votes(items[1], 1, at=NOW - timedelta(weeks=11), prefix="c")
    add_votes(items[1], 4, at=NOW - timedelta(weeks=13), prefix="d")  # too old
    with django_assert_num_queries(1):
        weeks = weekly_member_votes([p.pk for p in items], now=NOW)
    assert weeks[items[0].pk].counts == [0] * 9 + [2, 0, 3]
    assert weeks[items[1].pk].counts == [1] + [0] * 11
    assert weeks[items[2].pk].counts == [0] * VOTE_WEEKS
    assert weeks[items[2].pk].chart == ""  # nothing to draw
    assert weeks[items[0].pk].total == 5


def test_weeks_start_on_monday():
    item = ProConFactory()
    monday = datetime(2026, 11, 16, 0, 0, 1, tzinfo=UTC)
    add_votes(item, 1, at=monday, prefix="mon")
    add_votes(item, 1, at=monday - timedelta(seconds=2), prefix="sun")
    assert weekly_member_votes([item.pk], now=NOW)[item.pk].counts[-2:] == [1, 1]


def test_no_items_still_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert weekly_member_votes([]) == {}


def test_the_sparkline_is_accessible_and_escaped():
    svg = str(sparkline([0, 2, 5], label='Votes <"x">'))
    assert svg.startswith('<svg class="spark"')
    assert 'role="img"' in svg
    assert 'aria-label="Votes &lt;&quot;x&quot;&gt;: 0, 2, 5"' in svg
    assert "<title>Votes &lt;&quot;x&quot;&gt;: 0, 2, 5</title>" in svg
    assert svg.count("<rect") == 3
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"/>', svg)]
    assert heights[0] == 0 and heights[2] == 18.0 and 0 < heights[1] < 18
    assert sparkline([], label="x") == ""


def test_each_item_links_to_its_votes_per_week(client):
    """The weekly chart changes with every vote, so it lives on the item's
    own page; the framework and comparison pages, cached through votes,
    link to it."""
    framework = FrameworkFactory(slug="flask")
    item = ProConFactory(framework=framework, baseline_votes=5, votes_count=5)
    add_votes(item, 3)
    quiet = ProConFactory(framework=framework)
    html = client.get("/frameworks/flask/").content.decode()
    assert f'href="/procons/{item.pk}/votes/"' in html
    body = client.get(f"/procons/{item.pk}/votes/").content.decode()
    assert '<svg class="spark"' in body
    assert "Member votes per week, last 12 weeks, oldest first: " + "0, " * 11 + "3" in body
    assert "8 = 5 imported + 3 from members" in body
    quiet_page = client.get(f"/procons/{quiet.pk}/votes/")
    assert quiet_page.status_code == 200
    assert "<svg" not in quiet_page.content.decode().split("<main", 1)[1]


def test_the_votes_page_of_a_hidden_item_is_a_404(client):
    pending = ProConFactory(status=ProCon.Status.PENDING)
    assert client.get(f"/procons/{pending.pk}/votes/").status_code == 404
    assert client.get("/procons/999999/votes/").status_code == 404


def test_the_votes_page_follows_each_vote(client, page_cache, committed):
    item = ProConFactory(framework=FrameworkFactory(slug="flask"), baseline_votes=2, votes_count=2)
    url = f"/procons/{item.pk}/votes/"
    assert "2 = 2 imported + 0 from members" in client.get(url).content.decode()
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    assert "3 = 2 imported + 1 from members" in Client().get(url).content.decode()


# --- The report -------------------------------------------------------------


def report(**kwargs):
    return moderation.vote_report(now=NOW, **kwargs)


def test_a_burst_across_an_hour_boundary_is_flagged(settings):
    settings.VOTE_BURST_THRESHOLD = 20
    item = ProConFactory()
    start = NOW - timedelta(days=1, minutes=30)  # 10:30 -> 11:09
    pushers = add_votes(item, 20, at=[start + timedelta(minutes=2 * i) for i in range(20)])
    add_votes(item, 1, at=NOW - timedelta(days=3), prefix="early")  # outside the burst
    bursts = report().bursts
    assert len(bursts) == 1
    burst = bursts[0]
    assert burst.procon == item
    assert burst.votes == 20
    assert {name for _, name in burst.usernames} == {u.username for u in pushers}


def test_votes_spread_out_are_no_burst(settings):
    settings.VOTE_BURST_THRESHOLD = 20
    item = ProConFactory()
    start = NOW - timedelta(days=1)
    add_votes(item, 20, at=[start + timedelta(minutes=4 * i) for i in range(20)])  # 80 min
    add_votes(ProConFactory(), 19, at=start, prefix="few")  # one short
    assert report().bursts == []


def test_two_separate_bursts_on_one_item(settings):
    settings.VOTE_BURST_THRESHOLD = 5
    item = ProConFactory()
    first = NOW - timedelta(days=2)
    second = NOW - timedelta(days=1)
    add_votes(item, 5, at=[first + timedelta(minutes=i) for i in range(5)], prefix="x")
    add_votes(item, 6, at=[second + timedelta(minutes=i) for i in range(6)], prefix="y")
    bursts = sorted(report().bursts, key=lambda b: b.start)
    assert [b.votes for b in bursts] == [5, 6]


def test_old_bursts_are_outside_the_report(settings):
    settings.VOTE_BURST_THRESHOLD = 5
    settings.VOTE_REPORT_DAYS = 30
    add_votes(ProConFactory(), 5, at=NOW - timedelta(days=40))
    assert report().bursts == []


def test_votes_from_new_accounts_are_flagged():
    item = ProConFactory()
    fresh = add_votes(item, 2, at=NOW - timedelta(days=1), joined=NOW - timedelta(days=1, hours=2))
    add_votes(item, 1, at=NOW - timedelta(days=1), joined=NOW - timedelta(days=5), prefix="old")
    add_votes(  # 25 hours after joining: not new any more
        item, 1, at=NOW - timedelta(days=1), joined=NOW - timedelta(days=2, hours=1), prefix="d"
    )
    flagged = report().new_accounts
    assert {a.username for a in flagged} == {u.username for u in fresh}
    assert all(a.votes == 1 for a in flagged)


def test_the_vote_view_records_the_address_and_shared_ones_are_flagged(settings):
    settings.VOTE_SHARED_ADDRESS_ACCOUNTS = 3
    item = ProConFactory()
    sharing = []
    for i in range(3):
        user = UserFactory(username=f"sharer{i}")
        client = Client(REMOTE_ADDR="203.0.113.7")
        client.force_login(user)
        assert client.post(f"/procons/{item.pk}/vote/").status_code == 302
        sharing.append(user)
    alone = Client(REMOTE_ADDR="198.51.100.1")
    alone.force_login(UserFactory(username="alone"))
    alone.post(f"/procons/{item.pk}/vote/")
    # A second vote from the same address updates its row, no duplicate.
    client.post(f"/procons/{item.pk}/vote/")
    assert VoteOrigin.objects.filter(user=sharing[-1]).count() == 1

    shared = moderation.vote_report().shared_addresses
    assert [a.ip for a in shared] == ["203.0.113.7"]
    assert shared[0].usernames == ["sharer0", "sharer1", "sharer2"]


def test_a_member_voting_on_from_one_address_writes_its_record_once_per_interval(
    monkeypatch,
):
    """The address record is for the report, which looks back hours: it is
    not written on every vote (each write is a commit of its own), and the
    cache is asked once for a member's run of votes."""
    items = ProConFactory.create_batch(3)
    client = Client(REMOTE_ADDR="203.0.113.7")
    member = UserFactory()
    client.force_login(member)
    marker = moderation.origin_marker(member.pk, "203.0.113.7")
    asked = []
    add = cache.add
    monkeypatch.setattr(cache, "add", lambda key, *a, **k: asked.append(key) or add(key, *a, **k))

    with CaptureQueriesContext(connection) as queries:
        for item in items:
            client.post(f"/procons/{item.pk}/vote/")
    writes = [q for q in queries.captured_queries if "voteorigin" in q["sql"].lower()]
    assert len(writes) == 1
    assert asked.count(marker) == 1
    first = VoteOrigin.objects.get(user=member)

    # A minute on, this process asks again; the marker stands, nothing is written.
    later = moderation.monotonic() + moderation.ORIGIN_RECHECK_SECONDS + 1
    monkeypatch.setattr(moderation, "monotonic", lambda: later)
    client.post(f"/procons/{items[0].pk}/vote/")
    assert asked.count(marker) == 2
    assert VoteOrigin.objects.get(user=member).last_seen == first.last_seen

    # The interval ran out (its marker expired): the next vote moves last_seen.
    cache.delete(marker)
    monkeypatch.setattr(moderation, "monotonic", lambda: later * 2)
    client.post(f"/procons/{items[0].pk}/vote/")
    assert VoteOrigin.objects.get(user=member).last_seen > first.last_seen


def test_a_member_voting_from_a_new_address_is_recorded_at_once():
    items = ProConFactory.create_batch(2)
    member = UserFactory()
    for item, address in zip(items, ("203.0.113.7", "198.51.100.4"), strict=True):
        client = Client(REMOTE_ADDR=address)
        client.force_login(member)
        client.post(f"/procons/{item.pk}/vote/")
    assert set(VoteOrigin.objects.filter(user=member).values_list("ip", flat=True)) == {
        "203.0.113.7",
        "198.51.100.4",
    }


# --- Discounting ------------------------------------------------------------


def test_discounting_recounts_exactly_and_keeps_the_record():
    curator = UserFactory(username="curator", is_staff=True)
    a, b = ProConFactory(baseline_votes=10), ProConFactory(baseline_votes=0)
    pushers = [UserFactory(username=f"pusher{i}") for i in range(3)]
    honest = UserFactory(username="honest")
    for user in [*pushers, honest]:
        Vote.objects.create(user=user, procon=a)
    Vote.objects.create(user=pushers[0], procon=b)
    # A counter that had drifted is set right too: the recount is absolute.
    ProCon.objects.filter(pk=a.pk).update(votes_count=99)
    ProCon.objects.filter(pk=b.pk).update(votes_count=1)

    marks = moderation.discount_votes(
        [u.pk for u in pushers], curator=curator, reason="Burst from one address."
    )

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.votes_count, b.votes_count) == (11, 0)
    assert list(Vote.objects.values_list("user__username", flat=True)) == ["honest"]
    assert [m.votes_removed for m in sorted(marks, key=lambda m: m.username)] == [2, 1, 1]
    first = AbuseMark.objects.get(username="pusher0")
    assert first.curator == curator
    assert first.reason == "Burst from one address."
    assert first.procon_ids == sorted([a.pk, b.pk])
    assert first.blocks_voting
    # Deleting the account later keeps the record.
    pushers[0].delete()
    assert AbuseMark.objects.get(username="pusher0").user is None


def test_discounting_needs_a_reason():
    with pytest.raises(ValueError):
        moderation.discount_votes([UserFactory().pk], curator=None, reason=" ")
    assert not AbuseMark.objects.exists()


def test_a_discounted_account_cannot_vote_until_the_block_is_lifted():
    item = ProConFactory()
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.post(f"/procons/{item.pk}/vote/")
    moderation.discount_votes([user.pk], curator=None, reason="Pushed votes.")
    response = client.post(f"/procons/{item.pk}/vote/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert "discounted" in response.json()["error"]
    page = client.post(f"/procons/{item.pk}/vote/", {"next": "/"}, follow=True)
    assert "cannot vote for now" in page.content.decode()
    item.refresh_from_db()
    assert item.votes_count == item.baseline_votes
    AbuseMark.objects.update(blocks_voting=False)
    assert client.post(f"/procons/{item.pk}/vote/").status_code == 302
    item.refresh_from_db()
    assert item.votes_count == item.baseline_votes + 1


def test_the_admin_report_lists_accounts_and_discounts_them(admin_client, settings):
    settings.VOTE_BURST_THRESHOLD = 3
    item = ProConFactory(baseline_votes=4)
    recent = timezone.now() - timedelta(hours=2)
    pushers = add_votes(item, 3, at=recent, prefix="push")
    changelist = admin_client.get(admin_url(Vote, "changelist")).content.decode()
    assert 'href="/admin/frameworks/vote/report/"' in changelist
    page = admin_client.get("/admin/frameworks/vote/report/")
    html = page.content.decode()
    assert page.status_code == 200
    for user in pushers:
        assert user.username in html
    missing = admin_client.post(
        "/admin/frameworks/vote/report/", {"account": [pushers[0].pk], "reason": ""}
    )
    assert missing.status_code == 400
    stranger = UserFactory()  # not in the report: ignored
    response = admin_client.post(
        "/admin/frameworks/vote/report/",
        {"account": [pushers[0].pk, pushers[1].pk, stranger.pk], "reason": "Burst."},
        follow=True,
    )
    assert "Discounted 2 votes of 2 accounts" in response.content.decode()
    item.refresh_from_db()
    assert item.votes_count == 5
    assert set(AbuseMark.objects.values_list("username", flat=True)) == {
        pushers[0].username,
        pushers[1].username,
    }
    assert admin_client.get(admin_url(AbuseMark, "changelist")).status_code == 200


def test_discounting_reaches_the_counts_of_the_affected_items(
    demo, cached_pages, committed, hole_renders
):
    """The recount reaches the holes showing the items' counts; the pages
    stay cached, every hit exact (``cached_pages`` compares each with a
    fresh render)."""
    item = ProCon.objects.get(framework__slug="flask", text="Not fast")
    pusher = UserFactory()
    Vote.objects.create(user=pusher, procon=item)
    ProCon.objects.filter(pk=item.pk).update(votes_count=item.baseline_votes + 1)
    before = len(hole_renders())
    committed(moderation.discount_votes, [pusher.pk], curator=None, reason="Pushed.")
    assert cached_pages() == set()
    assert "procons" in hole_renders()[before:]
    html = Client().get("/frameworks/flask/").content.decode()
    assert f'<span class="vote-count">{item.baseline_votes}</span>' in html


def test_the_admin_report_explains_its_thresholds_in_plain_words(admin_client, settings):
    settings.VOTE_BURST_THRESHOLD = 7
    settings.VOTE_SHARED_ADDRESS_ACCOUNTS = 4
    html = admin_client.get("/admin/frameworks/vote/report/").content.decode()
    assert "A burst is 7 or more votes on one item within an hour" in html
    assert "a shared address had 4 or more voting accounts" in html
    assert "VOTE_" not in html

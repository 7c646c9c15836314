"""The home page: one search form, the picker, and two trending lists
(comparisons and frameworks) that rank recent member activity, fall back
to the all-time ranking, and never show one card twice."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from frameworks.models import Vote
from frameworks.services import toggle_vote
from members.selectors import TRENDING_DAYS, recent_activity, trending_frameworks
from members.services import add_to_stack, toggle_follow
from tests.factories import (
    ComparisonFactory,
    FrameworkFactory,
    ProConFactory,
    UserFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


def section(html, title_id):
    start = html.index(f'aria-labelledby="{title_id}"')
    return html[start : html.index("</section>", start)]


def links(html):
    return re.findall(r'<a [^>]*href="(/(?:compare|frameworks)/[^"?#]+/)"', html)


def home():
    return Client().get("/").content.decode()


def test_the_home_page_has_one_search_form(client, demo):
    html = client.get("/").content.decode()
    assert html.count('role="search"') == 1
    assert html.count('type="search"') == 1


def test_no_card_shows_twice_on_the_home_page(client, demo):
    html = client.get("/").content.decode()
    comparisons = links(section(html, "trending-comparisons-title"))
    frameworks = links(section(html, "trending-frameworks-title"))
    assert comparisons and frameworks
    assert all(url.startswith("/compare/") for url in comparisons)
    assert all(url.startswith("/frameworks/") for url in frameworks)
    shown = comparisons + frameworks
    assert len(shown) == len(set(shown)), shown
    assert "Recent comparisons" not in html
    assert "Popular comparisons" not in html


def recent_votes(framework, count):
    procon = ProConFactory(framework=framework)
    for _ in range(count):
        toggle_vote(user=UserFactory(), procon_id=procon.pk)


def test_recent_activity_counts_votes_follows_and_stacks_of_the_window():
    django, flask = FrameworkFactory(slug="django"), FrameworkFactory(slug="flask")
    recent_votes(flask, 2)
    toggle_follow(user=UserFactory(), framework_id=flask.pk)
    add_to_stack(user=UserFactory(), framework_id=django.pk)
    old = VoteFactory(procon=ProConFactory(framework=django))
    Vote.objects.filter(pk=old.pk).update(
        created=timezone.now() - timedelta(days=TRENDING_DAYS + 1)
    )
    pending = ProConFactory(framework=django, status="pending")
    VoteFactory(procon=pending)

    activity = recent_activity()
    assert (activity[flask.pk].votes, activity[flask.pk].follows) == (2, 1)
    assert (activity[django.pk].votes, activity[django.pk].stacks) == (0, 1)


def test_trending_frameworks_rank_activity_then_all_time_votes_without_repeats():
    voted = FrameworkFactory(name="Voted")
    ProConFactory(framework=voted, votes_count=900, baseline_votes=900)
    busy = FrameworkFactory(name="Busy")
    hidden = FrameworkFactory(name="Hidden", is_published=False)
    FrameworkFactory(name="Unvoted")
    recent_votes(busy, 3)
    VoteFactory.create_batch(5, procon=ProConFactory(framework=hidden))  # no votes on it now

    entries = trending_frameworks(recent_activity(), limit=3)
    assert [f.name for f, _ in entries] == ["Busy", "Voted", "Unvoted"]
    assert entries[0][1].votes == 3
    assert entries[1][1] is None and entries[1][0].votes == 900  # shown for all-time votes


def test_trending_comparisons_follow_recent_votes_then_all_time_votes():
    a, b, c, d = (FrameworkFactory(name=n, slug=n.lower()) for n in ("A", "B", "C", "D"))
    ProConFactory(framework=a, votes_count=500, baseline_votes=500)  # all-time favourite
    ComparisonFactory(title="A vs B", frameworks=[a, b])
    ComparisonFactory(title="C vs D", frameworks=[c, d])
    trending = section(home(), "trending-comparisons-title")
    assert trending.index("A vs B") < trending.index("C vs D")  # quiet: all-time votes

    recent_votes(d, 1)
    trending = section(home(), "trending-comparisons-title")
    assert trending.index("C vs D") < trending.index("A vs B")
    frameworks = section(home(), "trending-frameworks-title")
    assert re.search(r">D</a>.*1 vote in 30 days", frameworks, re.S)


def test_a_vote_moves_the_cached_trending_lists(page_cache, committed):
    quiet = FrameworkFactory(name="Quiet")
    ProConFactory(framework=quiet, votes_count=50, baseline_votes=50)
    busy = FrameworkFactory(name="Busy")
    procon = ProConFactory(framework=busy)
    frameworks = section(home(), "trending-frameworks-title")
    assert frameworks.index("Quiet") < frameworks.index("Busy")
    assert Client().get("/")["X-Cache"] == "hit"

    committed(toggle_vote, user=UserFactory(), procon_id=procon.pk)

    frameworks = section(home(), "trending-frameworks-title")
    assert frameworks.index("Busy") < frameworks.index("Quiet")
    assert "1 vote in 30 days" in frameworks

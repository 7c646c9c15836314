"""Which cached pages a catalogue change reaches (frameworks/cache.py).

Each test warms every demo page, commits one change, then asks a fresh
anonymous reader for every page: exactly the pages that show the change must
miss (and show it), every other page must still be a hit. Counts members
change are holes (pages/holes.py): their pages stay hits, and every
hit equals a fresh render (``cached_pages``).
"""

import pytest
from django.test import Client

from frameworks import services
from frameworks.models import Category, Decision, Framework, ProCon
from members.models import Profile
from tests.factories import DecisionFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db

#: Pages that show Flask's own figures (pros and cons, stars, links).
SHOWS_FLASK = {
    "flask",
    "django vs flask",
    "django vs flask, sources",
    "fastapi vs flask",
    "catalogue",
    "microframeworks",
}


def flask_con():
    return ProCon.objects.get(framework__slug="flask", text="Not fast")


def test_a_vote_keeps_every_page_cached_and_every_count_exact(cached_pages, committed):
    """Votes are in holes: the next hit of each page fills in the new count
    (``cached_pages`` compares every hit with a fresh render)."""
    item = flask_con()
    votes, voted = committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    assert voted
    assert cached_pages() == set()
    html = Client().get("/compare/django-vs-flask/").content.decode()
    assert f'<span class="vote-count">{votes}</span>' in html


def test_taking_a_vote_back_keeps_every_page_cached(cached_pages, committed):
    member = UserFactory()
    services.toggle_vote(user=member, procon_id=flask_con().pk)  # not committed: no bump
    committed(services.toggle_vote, user=member, procon_id=flask_con().pk)
    assert cached_pages() == set()


def tie_the_top_two(framework, kind, committed):
    """Flask's two most voted pros or cons, tied: ``(ahead, behind)`` in the
    order a page lists them (ties by text)."""
    items = ProCon.objects.filter(framework__slug=framework, kind=kind).order_by("-votes_count")
    first, second = items[0], items[1]
    gap = first.votes_count - second.votes_count
    ProCon.objects.filter(pk=second.pk).update(
        baseline_votes=second.baseline_votes + gap, votes_count=second.votes_count + gap
    )
    committed(services.recount_votes, ProCon.objects.filter(pk=second.pk))
    ahead, behind = ProCon.objects.filter(pk__in=[first.pk, second.pk]).order_by(
        "-votes_count", "text"
    )
    return ahead, behind


def test_a_vote_that_reorders_cons_keeps_the_pages_listing_them_cached(cached_pages, committed):
    """Pros and cons are listed most voted first, in holes: a vote that lets
    one overtake another renders the holes again, not the pages, and each
    hit is byte for byte a fresh render (``cached_pages`` compares them)."""
    ahead, behind = tie_the_top_two("flask", "con", committed)
    cached_pages()  # warm again
    member = UserFactory()
    committed(services.toggle_vote, user=member, procon_id=ahead.pk)  # pulls ahead
    assert cached_pages() == set()
    committed(services.toggle_vote, user=member, procon_id=ahead.pk)  # tied again
    assert cached_pages() == set()
    committed(services.toggle_vote, user=UserFactory(), procon_id=behind.pk)  # overtakes
    assert cached_pages() == set()
    for url in ("/frameworks/flask/", "/compare/django-vs-flask/", "/compare/fastapi-vs-flask/"):
        response = Client().get(url)
        html = response.content.decode()
        assert response["X-Cache"] == "hit"
        assert html.index(behind.text) < html.index(ahead.text), url


def test_a_vote_that_reorders_the_embeds_top_pros_renders_its_hole_again(
    client, demo, page_cache, committed, hole_renders
):
    """The embed shows the top three pros in its hole: a vote that lets one
    overtake another renders that hole again, once, and the card stays a hit."""
    ahead, behind = tie_the_top_two("flask", "pro", committed)
    url = "/compare/django-vs-flask/embed/"
    client.get(url)
    assert Client().get(url)["X-Cache"] == "hit"
    before = hole_renders()
    committed(services.toggle_vote, user=UserFactory(), procon_id=behind.pk)  # overtakes
    response = Client().get(url)
    html = response.content.decode()
    assert response["X-Cache"] == "hit"
    assert html.index(behind.text) < html.index(ahead.text)
    assert hole_renders()[len(before) :] == ["embed"]
    assert Client().get(url).content == response.content
    assert hole_renders()[len(before) :] == ["embed"]


def test_editing_flasks_tagline_reaches_pages_that_show_flask(cached_pages, committed):
    flask = Framework.objects.get(slug="flask")
    flask.tagline = "A tiny core and a big ecosystem"
    committed(flask.save)
    stale = cached_pages()
    # Everything that shows Flask, including alternative cards on other pages.
    assert SHOWS_FLASK - {"home"} <= stale
    assert {"django", "bottle", "django vs laravel vs nodejs"} <= stale  # alternative cards
    assert {"compare index", "full-stack frameworks"}.isdisjoint(stale)
    assert "A tiny core and a big ecosystem" in Client().get("/frameworks/django/").content.decode()


def test_editing_flasks_statistics_does_not_reach_pages_that_only_name_it(cached_pages, committed):
    flask = Framework.objects.get(slug="flask")
    flask.github_stars = 70_000
    committed(flask.save)
    stale = cached_pages()
    assert stale == SHOWS_FLASK
    assert "70K" in Client().get("/compare/django-vs-flask/").content.decode()


def test_renaming_a_framework_reaches_every_page_that_names_it(cached_pages, committed):
    flask = Framework.objects.get(slug="flask")
    flask.name = "Flask (Pallets)"
    committed(flask.save)
    stale = cached_pages()
    assert {"compare index", "django", "django vs laravel vs nodejs"} <= stale
    # (The compare index names no framework now that its picker is text
    # boxes; its cards' initials come from the names, so it is stale.)
    # The home page names frameworks only in its trending holes: they show
    # the new name while the page itself stays cached.
    assert "Flask (Pallets)" in Client().get("/").content.decode()


def test_approving_a_suggestion_reaches_the_frameworks_pages(cached_pages, committed):
    flask = Framework.objects.get(slug="flask")
    item = ProConFactory(framework=flask, text="Reads like Python", status="pending")
    committed(services.set_status, ProCon.objects.filter(pk=item.pk), ProCon.Status.APPROVED)
    assert cached_pages() == set()  # a new item changes the pros and cons: holes
    assert "Reads like Python" in Client().get("/frameworks/flask/").content.decode()


def test_deleting_a_procon_reaches_the_frameworks_pages(cached_pages, committed):
    committed(flask_con().delete)
    assert cached_pages() == SHOWS_FLASK


def test_a_new_decision_reaches_the_pages_of_the_frameworks_it_names(cached_pages, committed):
    author = UserFactory(username="newcomer")

    def post():
        decision = DecisionFactory(author=author, body="We picked Bottle for a tiny API.")
        decision.frameworks.set(Framework.objects.filter(slug="bottle"))

    committed(post)
    assert cached_pages() == {"bottle"}
    assert "tiny API" in Client().get("/frameworks/bottle/").content.decode()


def test_a_decision_about_django_and_flask_leaves_other_pages_cached(cached_pages, committed):
    decision = Decision.objects.get(author__username="alvaro")
    decision.body = "Edited: we kept Django for the admin."
    committed(decision.save)
    # Comparison pages list decisions naming all their frameworks; any page
    # with Django or Flask in it is re-checked, pages without them are not.
    assert cached_pages() == {
        "django",
        "flask",
        "django vs flask",
        "django vs flask, sources",
        "fastapi vs flask",
        "django vs laravel vs nodejs",
    }
    assert "kept Django for the admin" in Client().get("/compare/django-vs-flask/").content.decode()


def test_editing_a_headline_reaches_the_pages_with_that_members_decisions(cached_pages, committed):
    profile = Profile.objects.get(user__username="alvaro")
    profile.headline = "Principal engineer elsewhere"
    committed(profile.save)
    stale = cached_pages()
    assert {"django", "flask", "django vs flask"} <= stale
    assert {"bottle", "catalogue", "home"}.isdisjoint(stale)


def test_deleting_a_profile_reaches_the_pages_with_that_members_decisions(cached_pages, committed):
    profile = Profile.objects.get(user__username="alvaro")
    assert "decision__headline" in Client().get("/compare/django-vs-flask/").content.decode()
    committed(profile.delete)
    assert {"django", "flask", "django vs flask"} <= cached_pages()


def test_a_login_keeps_every_page_cached(cached_pages, committed):
    user = Profile.objects.get(user__username="alvaro").user
    committed(user.save, update_fields=["last_login"])
    assert cached_pages() == set()


def test_renaming_a_member_reaches_their_decisions(cached_pages, committed):
    user = Profile.objects.get(user__username="alvaro").user
    user.first_name = "Álvaro"
    committed(user.save)
    assert {"django", "flask", "django vs flask"} <= cached_pages()


def test_a_category_edit_reaches_pages_with_breadcrumbs_and_trees(cached_pages, committed):
    category = Category.objects.get(slug="microframeworks")
    category.name = "Micro frameworks"
    committed(category.save)
    stale = cached_pages()
    assert {"home", "catalogue", "flask", "microframeworks", "django vs flask"} <= stale


def test_a_new_alternative_link_reaches_both_ends(cached_pages, committed):
    jinja = Framework.objects.get(slug="jinja")
    bottle = Framework.objects.get(slug="bottle")
    committed(bottle.alternatives.add, jinja)
    assert {"bottle"} <= cached_pages()
    assert "/frameworks/jinja/" in Client().get("/frameworks/bottle/").content.decode()


def test_clearing_integrations_reaches_the_framework(cached_pages, committed):
    bottle = Framework.objects.get(slug="bottle")
    committed(bottle.integrations.clear)
    assert "bottle" in cached_pages()


def test_unpublishing_a_framework_reaches_its_pages(cached_pages, committed):
    flask = Framework.objects.get(slug="flask")
    flask.is_published = False
    committed(flask.save)
    reader = Client()
    assert reader.get("/frameworks/flask/").status_code == 404
    assert reader.get("/compare/django-vs-flask/").status_code == 404
    assert "/frameworks/flask/" not in reader.get("/frameworks/django/").content.decode()
    assert "/frameworks/flask/" not in reader.get("/frameworks/").content.decode()


def test_member_deletion_recounts_and_reaches_the_pages_it_voted_on(cached_pages, committed):
    member = UserFactory()
    services.toggle_vote(user=member, procon_id=flask_con().pk)
    committed(member.delete)
    assert cached_pages() == set()  # the recount reaches the holes showing the counts


def test_a_synced_snapshot_reaches_the_pages_that_chart_it(cached_pages, committed):
    import datetime

    from stats.models import StatSnapshot

    flask = Framework.objects.get(slug="flask")
    committed(
        StatSnapshot.objects.create,
        framework=flask,
        metric=StatSnapshot.Metric.GITHUB_STARS,
        value=70_000,
        day=datetime.date(2026, 11, 1),
        source="https://api.github.com/repos/pallets/flask",
    )
    assert cached_pages() == SHOWS_FLASK


def test_deleting_a_member_with_a_decision_reaches_the_pages_listing_it(cached_pages, committed):
    author = Profile.objects.get(user__username="alvaro").user
    committed(author.delete)
    assert {"django", "flask", "django vs flask"} <= cached_pages()
    assert "alvaro" not in Client().get("/frameworks/django/").content.decode().lower()

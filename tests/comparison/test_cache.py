"""The anonymous page cache: hits, exact invalidation on commit, members
bypassing it, and conditional GET."""

import pytest
from django.test import Client

from comparison.models import Assessment
from core.cache import bump
from frameworks import cache as tags
from frameworks import services
from frameworks.models import Framework, ProCon
from members.models import Profile
from tests.factories import ProConFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/compare/django-vs-flask/"


def get(client, url=URL, **headers):
    response = client.get(url, **headers)
    assert response.status_code in (200, 304), url
    return response


def test_second_anonymous_request_is_a_hit_without_queries(
    client, demo, page_cache, django_assert_num_queries
):
    assert get(client)["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = get(client)
    assert response["X-Cache"] == "hit"
    assert b"Django vs Flask" in response.content
    # The hit carries the same security headers as a rendered page.
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_vote_shows_on_the_very_next_request(client, demo, page_cache, committed):
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    assert ">678<" in get(client).content.decode()
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    response = get(client)
    assert response["X-Cache"] == "hit"  # the count is a hole
    assert ">679<" in response.content.decode()


def test_an_approved_suggestion_shows_on_the_next_request(client, demo, page_cache, committed):
    flask = Framework.objects.get(slug="flask")
    suggestion = ProConFactory(
        framework=flask, text="Tiny core you can read", status=ProCon.Status.PENDING
    )
    assert "Tiny core you can read" not in get(client).content.decode()
    committed(services.set_status, ProCon.objects.filter(pk=suggestion.pk), "approved")
    assert "Tiny core you can read" in get(client).content.decode()


def test_an_admin_edit_shows_on_the_next_request(client, admin_client, demo, page_cache, committed):
    get(client)
    assessment = Assessment.objects.get(framework__slug="flask", criterion__slug="url-routing")
    url = f"/admin/comparison/assessment/{assessment.pk}/change/"
    data = {
        "framework": assessment.framework_id,
        "criterion": assessment.criterion_id,
        "verdict": assessment.verdict,
        "summary": "Routes are declared with decorators right on the view functions.",
        "source_url": "",
        "checked_on": "2026-11-21",
    }
    response = committed(admin_client.post, url, data)
    assert response.status_code == 302
    assert "declared with decorators right on" in get(client).content.decode()


def test_uncommitted_changes_do_not_invalidate(client, demo, page_cache):
    get(client)
    flask = Framework.objects.get(slug="flask")
    flask.tagline = "changed"
    flask.save()  # inside the test's transaction: never committed, nothing bumped
    assert get(client)["X-Cache"] == "hit"


def test_signed_in_members_bypass_the_cache_and_see_their_votes(client, demo, page_cache):
    get(client)
    get(client)
    member = UserFactory()
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    services.toggle_vote(user=member, procon_id=item.pk)
    member_client = Client()
    member_client.force_login(member)
    response = member_client.get(URL)
    assert "X-Cache" not in response
    html = response.content.decode()
    assert f'action="/procons/{item.pk}/vote/"' in html
    assert 'aria-pressed="true"' in html


def test_conditional_get_answers_304(client, demo, page_cache):
    etag = get(client)["ETag"]
    assert etag
    response = get(client, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    bump(tags.framework(Framework.objects.get(slug="django").pk))
    assert get(client, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_query_strings_are_cached_separately(client, demo, page_cache):
    get(client)
    only = get(client, URL + "?only=differences")
    assert only["X-Cache"] == "miss"
    again = get(client, URL + "?only=differences")
    assert again["X-Cache"] == "hit"
    assert again.content == only.content
    full = get(client)
    assert full["X-Cache"] == "hit"
    assert full.content != only.content
    assert "Show only differences" in full.content.decode()
    assert "Show all rows" in only.content.decode()


def test_errors_and_redirects_are_not_cached(client, demo, page_cache):
    assert client.get("/compare/django-vs-flsk/").status_code == 404
    assert "X-Cache" not in client.get("/compare/django-vs-flsk/")
    for _ in range(2):
        redirect = client.get("/compare/flask-vs-django/")
        assert redirect.status_code == 301
        assert redirect["Location"] == URL
        assert "X-Cache" not in redirect
    # The redirect filled nothing under the target's key either.
    assert get(client)["X-Cache"] == "miss"


def test_pages_render_afresh_after_a_cache_flush(client, demo, page_cache):
    from django.core.cache import cache

    get(client)
    cache.clear()
    assert get(client)["X-Cache"] == "miss"
    assert get(client)["X-Cache"] == "hit"


def test_members_see_their_vote_at_once_through_the_data_cache(demo, page_cache, committed):
    member = UserFactory()
    member_client = Client()
    member_client.force_login(member)
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    assert ">678<" in member_client.get(URL).content.decode()  # fills the data cache
    response = committed(
        member_client.post, f"/procons/{item.pk}/vote/", HTTP_ACCEPT="application/json"
    )
    data = response.json()
    assert (data["votes"], data["voted"]) == (679, True)
    assert data["figures"][f"procon-{item.pk}-members"] == "1"
    html = member_client.get(URL).content.decode()
    assert ">679<" in html
    assert 'aria-pressed="true"' in html


def test_http_and_https_pages_are_cached_apart(settings, demo):
    settings.PAGE_CACHE = True
    client = Client()
    client.get("/compare/django-vs-flask/")
    response = client.get("/compare/django-vs-flask/", secure=True)
    assert response["X-Cache"] == "miss"
    assert 'href="https://testserver/compare/django-vs-flask/"' in response.content.decode()


def test_a_profile_edit_invalidates_cached_pages(
    settings, demo, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    client = Client()
    client.get("/compare/django-vs-flask/")
    profile = Profile.objects.get(user__username="alvaro")
    with django_capture_on_commit_callbacks(execute=True):
        profile.headline = "Principal Engineer somewhere else"
        profile.save()
    assert (
        "Principal Engineer somewhere else"
        in client.get("/compare/django-vs-flask/").content.decode()
    )


def test_a_login_alone_keeps_cached_pages(
    client, settings, demo, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    user = Profile.objects.get(user__username="alvaro").user  # a decision author on the page
    assert client.get("/compare/django-vs-flask/")["X-Cache"] == "miss"
    with django_capture_on_commit_callbacks(execute=True):
        user.save(update_fields=["last_login"])
    assert client.get("/compare/django-vs-flask/")["X-Cache"] == "hit"

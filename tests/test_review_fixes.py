"""Edge cases found in review: each once gave a 500, a wrong count or a
stale page."""

import pytest
from django.core.management import call_command
from django.test import Client

from comparison.models import Comparison
from comparison.services import set_comparison_frameworks
from core import ratelimit
from frameworks import services
from frameworks.models import Framework, ProCon, Profile
from tests.factories import ComparisonFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_decision_form_ignores_malformed_framework_values(member_client, demo):
    response = member_client.get("/decisions/new/", {"framework": ["\x00", "django", "x" * 500]})
    assert response.status_code == 200
    assert response.context["form"].initial["frameworks"] == [Framework.objects.get(slug="django")]


def test_items_of_unpublished_frameworks_cannot_be_voted(member_client):
    item = ProConFactory(framework__is_published=False)
    response = member_client.post(f"/procons/{item.pk}/vote/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.votes_count == item.baseline_votes


def test_deleting_a_member_takes_their_votes_out_of_the_counts():
    items = ProConFactory.create_batch(3, baseline_votes=10, votes_count=10)
    leaving, staying = UserFactory(), UserFactory()
    for item in items:
        services.toggle_vote(user=leaving, procon_id=item.pk)
    services.toggle_vote(user=staying, procon_id=items[0].pk)
    leaving.delete()
    counts = [ProCon.objects.get(pk=item.pk).votes_count for item in items]
    assert counts == [11, 10, 10]


def test_load_demo_survives_a_renamed_framework_slug(demo):
    Framework.objects.filter(slug="nodejs").update(slug="node-js")
    call_command("load_demo", verbosity=0)
    assert Framework.objects.filter(name="Node.js").count() == 1
    assert not Framework.objects.filter(slug="nodejs").exists()


def test_load_demo_leaves_a_curators_own_comparison_of_the_set(demo):
    Comparison.objects.filter(slug="django-vs-flask").delete()
    own = ComparisonFactory(slug="flask-or-django", is_published=False, frameworks=[])
    set_comparison_frameworks(
        own, [Framework.objects.get(slug="flask"), Framework.objects.get(slug="django")]
    )
    call_command("load_demo", verbosity=0)
    assert not Comparison.objects.filter(slug="django-vs-flask").exists()
    assert Comparison.objects.published().filter(slug="flask-or-django").exists()


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


def test_client_ip_behind_a_proxy(settings, rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    settings.BEHIND_PROXY = False
    assert ratelimit.client_ip(request) == "127.0.0.1"
    settings.BEHIND_PROXY = True
    assert ratelimit.client_ip(request) == "198.51.100.7"

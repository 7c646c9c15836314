"""Members' changes reach exactly the cached pages that show them."""

import pytest
from django.test import Client

from members import services
from members.models import Profile

pytestmark = pytest.mark.django_db


def alvaro():
    return Profile.objects.get(user__username="alvaro").user


@pytest.mark.parametrize("keep_posts", [True, False])
def test_deleting_a_member_reaches_the_pages_with_their_decisions(
    cached_pages, committed, keep_posts
):
    committed(services.delete_member, alvaro(), keep_posts=keep_posts)

    stale = cached_pages()
    assert {"django", "flask", "django vs flask"} <= stale
    assert {"bottle", "catalogue"}.isdisjoint(stale)
    page = Client().get("/compare/django-vs-flask/").content.decode()
    assert ("Deleted member" in page) is keep_posts


def test_a_new_headline_from_the_settings_page_reaches_the_cards(
    cached_pages, client, django_capture_on_commit_callbacks
):
    user = alvaro()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/settings/", {"form": "profile", "profile-headline": "Retired"})
    client.logout()

    assert {"django", "flask", "django vs flask"} <= cached_pages()
    assert "Retired" in Client().get("/compare/django-vs-flask/").content.decode()

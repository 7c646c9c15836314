"""/members/<username>/: headline and posts, never votes."""

import pytest
from django.test import Client
from django.urls import reverse

from frameworks import services as catalogue_services
from frameworks.models import Decision
from members import services
from members.models import DELETED_MEMBER_USERNAME, Profile
from tests.factories import DecisionFactory, FrameworkFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db


def page_of(username, client=None):
    return (client or Client()).get(reverse("members:detail", args=[username]))


@pytest.fixture
def ada(db):
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    Profile.objects.create(user=ada, headline="Engineer at Analytical Engines")
    return ada


def test_the_page_shows_headline_and_published_decisions(ada):
    django = FrameworkFactory(name="Django")
    DecisionFactory(author=ada, body="We chose **Django**.", frameworks=[django])
    DecisionFactory(author=ada, body="Held back", status=Decision.Status.PENDING)

    response = page_of("ada")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Ada Lovelace" in body and "Engineer at Analytical Engines" in body
    assert "<strong>Django</strong>" in body
    assert "Held back" not in body


def test_the_author_sees_their_held_posts(ada):
    DecisionFactory(author=ada, body="Held back", status=Decision.Status.PENDING)
    client = Client()
    client.force_login(ada)

    assert "Held back" in page_of("ada", client).content.decode()


def test_votes_stay_private(ada):
    procon = ProConFactory(text="Batteries included")
    catalogue_services.toggle_vote(user=ada, procon_id=procon.pk)

    assert "Batteries included" not in page_of("ada").content.decode()


@pytest.mark.parametrize("username", ["nobody", DELETED_MEMBER_USERNAME, "inactive"])
def test_unknown_inactive_and_placeholder_names_are_404(username):
    UserFactory(username="inactive", is_active=False)
    services.deleted_member()

    assert page_of(username).status_code == 404


def test_demo_authors_have_pages(db):
    demo = UserFactory(username="sachin")
    Profile.objects.create(user=demo, headline="Demo", is_demo=True)

    response = page_of("sachin")

    assert response.status_code == 200
    assert "sample author" in response.content.decode()


@pytest.mark.parametrize("posts", [1, 8])
def test_query_count_does_not_grow_with_posts(ada, posts, django_assert_num_queries):
    frameworks = FrameworkFactory.create_batch(3)
    for _ in range(posts):
        DecisionFactory(author=ada, frameworks=frameworks)

    with django_assert_num_queries(5):  # member + profile, decisions, frameworks, stack, follows
        assert page_of("ada").status_code == 200


def test_the_header_links_a_member_to_their_page_and_settings(ada):
    client = Client()
    client.force_login(ada)

    body = client.get("/accounts/settings/").content.decode()

    assert f'href="{reverse("members:detail", args=["ada"])}"' in body


def test_the_page_lists_stack_and_follows_and_hides_a_hidden_stack(ada):
    from members.models import Follow, StackEntry

    django, flask = FrameworkFactory(name="Django"), FrameworkFactory(name="Flask")
    StackEntry.objects.create(user=ada, framework=django, note="For the <admin>")
    Follow.objects.create(user=ada, framework=flask)

    body = page_of("ada").content.decode()
    assert "For the &lt;admin&gt;" in body and ">Flask<" in body

    Profile.objects.filter(user=ada).update(hide_stack=True)
    assert "For the" not in page_of("ada").content.decode()
    client = Client()
    client.force_login(ada)
    assert "For the" in page_of("ada", client).content.decode()  # but not from herself

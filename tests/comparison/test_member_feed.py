"""The home page's feed: news about the frameworks a signed-in member follows."""

import pytest
from django.test import Client

from comparison.selectors import member_feed
from frameworks.models import Decision
from members import services
from members.models import Follow
from tests.factories import ComparisonFactory, DecisionFactory, FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed(member):
    django, flask = FrameworkFactory(name="Django"), FrameworkFactory(name="Flask")
    Follow.objects.create(user=member, framework=django)
    return django, flask


def test_the_feed_lists_news_about_followed_frameworks_only(member_client, member, followed):
    django, flask = followed
    about = DecisionFactory(body="Django for the **admin**", frameworks=[django])
    DecisionFactory(body="Flask only", frameworks=[flask])
    DecisionFactory(body="Held", frameworks=[django], status=Decision.Status.PENDING)
    services.post_comment(decision=about, author=UserFactory(), body="Agreed <b>x</b>")
    ComparisonFactory(title="Django vs Flask", frameworks=[django, flask])

    body = member_client.get("/").content.decode()

    assert "News about what you follow" in body
    assert "Django for the admin" in body and "Agreed" in body
    assert "Django vs Flask" in body
    assert "Flask only" not in body and "Held" not in body
    assert "<b>x</b>" not in body


def test_anonymous_visitors_get_no_feed(followed):
    assert "News about what you follow" not in Client().get("/").content.decode()


def test_a_member_who_follows_nothing_is_told_how(client):
    client.force_login(UserFactory())

    assert "Follow frameworks" in client.get("/").content.decode()


@pytest.mark.parametrize("posts", [1, 6])
def test_feed_queries_do_not_grow(member, followed, posts, django_assert_num_queries):
    django, _ = followed
    for _ in range(posts):
        decision = DecisionFactory(frameworks=[django])
        services.post_comment(decision=decision, author=member, body="x")

    with django_assert_num_queries(5):
        feed = member_feed(member)

    assert len(feed.items) == min(2 * posts, 15)

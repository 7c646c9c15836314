"""Decisions of very new accounts wait for a curator; public pages list only
published ones; the author sees their held post and its state."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frameworks.models import Decision
from tests.factories import DecisionFactory, FrameworkFactory, UserFactory, decision_form_data

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("frameworks:decision_create")
COMPARE_URL = reverse("comparison:detail", args=["django-vs-flask"])


@pytest.fixture
def frameworks():
    return [FrameworkFactory(slug="django", name="Django"), FrameworkFactory(slug="flask")]


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, frameworks, body="Django or Flask for a small CRM?"):
    return client.post(
        CREATE_URL,
        decision_form_data(frameworks, body=body),
        follow=True,
    )


def listed(client, decision, frameworks):
    link = f'href="{decision.get_absolute_url()}"'
    pages = [f.get_absolute_url() for f in frameworks] + [COMPARE_URL]
    return [link in client.get(url).content.decode() for url in pages]


def established(**kwargs):
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **kwargs)


def test_a_brand_new_members_decision_waits_for_review(frameworks):
    author = UserFactory()
    client = logged_in(author)

    response = post(client, frameworks)

    decision = Decision.objects.get()
    assert decision.status == Decision.Status.PENDING
    assert "checked by a curator" in response.content.decode()
    for reader in (Client(), logged_in(UserFactory())):
        assert listed(reader, decision, frameworks) == [False, False, False]
        assert reader.get(decision.get_absolute_url()).status_code == 404
    # The author still reads it at its address, marked as pending.
    own = client.get(decision.get_absolute_url())
    assert own.status_code == 200
    assert "Pending review" in own.content.decode()
    assert listed(client, decision, frameworks) == [False, False, False]


def test_the_author_reads_the_pending_notice_once(frameworks):
    """The held post's page says it waits for review; no message repeats it."""
    response = post(logged_in(UserFactory()), frameworks)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == Decision.objects.get().get_absolute_url()
    assert html.count("checked by a curator") == 1
    assert html.count('class="pending"') == 1
    assert 'class="messages__list"' not in html  # no flash message


def test_a_published_post_is_confirmed_by_a_message(frameworks):
    html = post(logged_in(established()), frameworks).content.decode()

    assert "Your decision is posted." in html
    assert "checked by a curator" not in html


@pytest.mark.parametrize(
    "author",
    [
        pytest.param(lambda: established(), id="older-than-the-review-window"),
        pytest.param(lambda: UserFactory(is_staff=True), id="curator"),
    ],
)
def test_established_members_publish_directly(frameworks, author):
    client = logged_in(author())

    response = post(client, frameworks)

    decision = Decision.objects.get()
    assert decision.status == Decision.Status.APPROVED
    assert "Your decision is posted." in response.content.decode()
    assert listed(Client(), decision, frameworks) == [True, True, True]


def test_a_new_member_with_a_published_decision_publishes_directly(frameworks):
    author = UserFactory()
    DecisionFactory(author=author, frameworks=frameworks, status=Decision.Status.APPROVED)

    post(logged_in(author), frameworks, body="A second question.")

    assert Decision.objects.get(body="A second question.").status == Decision.Status.APPROVED


def test_a_member_with_a_rejected_decision_is_held_again(frameworks):
    author = established()
    DecisionFactory(author=author, frameworks=frameworks, status=Decision.Status.REJECTED)

    post(logged_in(author), frameworks, body="Buy cheap watches.")

    assert Decision.objects.get(body="Buy cheap watches.").status == Decision.Status.PENDING


def test_review_window_comes_from_settings(frameworks, settings):
    settings.DECISION_REVIEW_HOURS = 0

    post(logged_in(UserFactory()), frameworks)

    assert Decision.objects.get().status == Decision.Status.APPROVED


def test_curator_publishes_from_the_admin(admin_client, frameworks):
    held = DecisionFactory(frameworks=frameworks, status=Decision.Status.PENDING)
    assert listed(Client(), held, frameworks) == [False, False, False]

    response = admin_client.post(
        reverse("admin:frameworks_decision_changelist"),
        {"action": "publish", "_selected_action": [held.pk]},
    )

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Decision.Status.APPROVED
    assert listed(Client(), held, frameworks) == [True, True, True]
    assert Client().get(held.get_absolute_url()).status_code == 200


def test_curator_rejects_from_the_admin(admin_client, frameworks):
    spam = DecisionFactory(frameworks=frameworks, status=Decision.Status.PENDING)

    admin_client.post(
        reverse("admin:frameworks_decision_changelist"),
        {"action": "reject", "_selected_action": [spam.pk]},
    )

    spam.refresh_from_db()
    assert spam.status == Decision.Status.REJECTED
    assert Client().get(spam.get_absolute_url()).status_code == 404
    assert (
        "turned this post down"
        in logged_in(spam.author).get(spam.get_absolute_url()).content.decode()
    )


def test_held_decisions_do_not_take_the_advice_slots(frameworks):
    published = DecisionFactory(frameworks=frameworks, created=timezone.now() - timedelta(days=1))
    spammer = UserFactory()
    for n in range(12):
        DecisionFactory(
            author=spammer, frameworks=frameworks, status=Decision.Status.PENDING, body=f"spam {n}"
        )

    page = Client().get(frameworks[0].get_absolute_url()).content.decode()

    assert published.get_absolute_url() in page
    assert "spam" not in page


def test_publishing_shows_on_the_next_cached_request(
    admin_client, frameworks, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    held = DecisionFactory(frameworks=frameworks, status=Decision.Status.PENDING)
    visitor = Client()
    url = frameworks[0].get_absolute_url()
    visitor.get(url)
    assert visitor.get(url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:frameworks_decision_changelist"),
            {"action": "publish", "_selected_action": [held.pk]},
        )

    assert held.get_absolute_url() in visitor.get(url).content.decode()

"""The settings page: headline, email, password, deleting the account."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from frameworks import services as catalogue_services
from frameworks.models import Decision, ProCon, Vote
from members.models import DELETED_MEMBER_USERNAME, Profile
from tests.factories import DecisionFactory, FrameworkFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery staple"  # UserFactory's password
NEW_PASSWORD = "plum-Sofa-glacier-42"
SETTINGS = "/accounts/settings/"


def save_headline(client, headline):
    return client.post(SETTINGS, {"form": "profile", "profile-headline": headline})


def change_email(client, email, password=PASSWORD):
    return client.post(
        SETTINGS, {"form": "email", "email-email": email, "email-password": password}
    )


def test_settings_need_a_signed_in_member(client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_settings_page_shows_both_forms(member_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # session, user, profile, stack
        response = member_client.get(SETTINGS)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="profile-headline"' in body and 'name="email-email"' in body
    assert reverse("password_change") in body and reverse("delete_account") in body


def test_a_member_sets_and_changes_their_headline(member_client, member):
    assert save_headline(member_client, "Engineer at Ripio").status_code == 302
    assert Profile.objects.get(user=member).headline == "Engineer at Ripio"

    save_headline(member_client, "  CTO \u200b at   Ripio ")

    assert Profile.objects.get(user=member).headline == "CTO at Ripio"


def test_an_over_long_headline_is_a_form_error(member_client, member):
    response = save_headline(member_client, "x" * 121)

    assert response.status_code == 400
    assert response.context["profile_form"].errors["headline"]
    assert not Profile.objects.filter(user=member).exists()


def test_markup_in_a_headline_stays_inert(member_client, member):
    save_headline(member_client, '<script>alert("x")</script>')

    body = Client().get(reverse("members:detail", args=[member.username])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body


def test_a_member_changes_their_email_with_their_password(member_client, member):
    response = change_email(member_client, " new@example.com ")

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == "new@example.com"


def test_changing_the_email_needs_the_current_password(member_client, member):
    response = change_email(member_client, "new@example.com", password="wrong")

    assert response.status_code == 400
    assert response.context["email_form"].errors["password"]
    member.refresh_from_db()
    assert member.email == "member@example.com"


def test_an_email_of_another_account_in_any_case_is_refused(member_client, member):
    UserFactory(username="other", email="taken@example.com")

    response = change_email(member_client, "TAKEN@example.com")

    assert response.status_code == 400
    assert response.context["email_form"].errors["email"] == [
        "An account with this email exists already."
    ]


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_an_empty_or_invalid_email_is_a_form_error(member_client, email):
    response = change_email(member_client, email)

    assert response.status_code == 400
    assert response.context["email_form"].errors["email"]


def test_an_unknown_form_is_a_bad_request(member_client):
    assert member_client.post(SETTINGS, {"form": "nope"}).status_code == 400


# --- Password -----------------------------------------------------------------


def test_a_member_changes_their_password_and_stays_signed_in(member_client, member):
    response = member_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert member_client.get(SETTINGS).status_code == 200  # session kept


def test_a_wrong_old_password_is_a_form_error(member_client, member):
    response = member_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["old_password"]
    assert "registration/password_change.html" in [t.name for t in response.templates]


def test_wrong_current_passwords_are_limited_on_every_form(member_client, member, settings):
    """These checks bypass the login lockout: a stolen session must not be
    able to guess the password, then move the email and own the account."""
    settings.PASSWORD_CHECK_RATE = "3/h"
    change_email(member_client, "right@example.org")  # a right password costs nothing
    for guess in ("a", "b"):
        change_email(member_client, "thief@example.org", password=guess)
    member_client.post(
        reverse("password_change"),
        {"old_password": "c", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    response = change_email(member_client, "thief@example.org")  # even the right one, now

    assert response.status_code == 400
    assert "Too many wrong passwords" in response.content.decode()
    member.refresh_from_db()
    assert member.email == "right@example.org"


# --- Deleting the account --------------------------------------------------------------


@pytest.fixture
def active_member(member):
    """A member with a profile, two votes and a decision."""
    Profile.objects.create(user=member, headline="Engineer")
    framework = FrameworkFactory()
    procons = ProConFactory.create_batch(2, framework=framework, baseline_votes=5, votes_count=5)
    for procon in procons:
        catalogue_services.toggle_vote(user=member, procon_id=procon.pk)
    other = UserFactory(username="other")
    catalogue_services.toggle_vote(user=other, procon_id=procons[0].pk)
    decision = DecisionFactory(author=member, frameworks=[framework])
    return member, procons, decision


def delete_account(client, posts="keep", password=PASSWORD):
    return client.post(reverse("delete_account"), {"posts": posts, "password": password})


def test_deleting_keeps_decisions_under_deleted_member(member_client, active_member):
    member, procons, decision = active_member

    response = delete_account(member_client, posts="keep")

    assert response.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()
    decision.refresh_from_db()
    assert decision.author.username == DELETED_MEMBER_USERNAME
    assert decision.author.get_full_name() == "Deleted member"
    assert not decision.author.is_active and not decision.author.has_usable_password()
    # Votes removed, counts exact: baseline + remaining Vote rows.
    assert not Vote.objects.filter(user_id=member.pk).exists()
    for procon in ProCon.objects.filter(pk__in=[p.pk for p in procons]):
        assert procon.votes_count == procon.baseline_votes + procon.votes.count()
    assert [p.votes_count for p in ProCon.objects.order_by("pk")] == [6, 5]
    # Signed out.
    assert member_client.get(SETTINGS).status_code == 302


def test_deleting_can_take_the_decisions_too(member_client, active_member):
    _, _, decision = active_member

    delete_account(member_client, posts="delete")

    assert not Decision.objects.filter(pk=decision.pk).exists()
    assert not User.objects.filter(username=DELETED_MEMBER_USERNAME).exists()
    assert [p.votes_count for p in ProCon.objects.order_by("pk")] == [6, 5]


def test_two_deleted_members_share_the_placeholder(client, active_member):
    member, _, decision = active_member
    second = UserFactory(username="second")
    other_decision = DecisionFactory(author=second)
    for user in (member, second):
        c = Client()
        c.force_login(user)
        delete_account(c)

    assert {d.author.username for d in Decision.objects.all()} == {DELETED_MEMBER_USERNAME}
    assert Decision.objects.filter(pk__in=[decision.pk, other_decision.pk]).count() == 2


def test_deleting_needs_the_password(member_client, active_member):
    member, _, _ = active_member

    response = delete_account(member_client, password="wrong")

    assert response.status_code == 400
    assert response.context["form"].errors["password"]
    assert User.objects.filter(pk=member.pk).exists()


def test_deleting_needs_a_choice(member_client, active_member):
    response = delete_account(member_client, posts="maybe")

    assert response.status_code == 400
    assert response.context["form"].errors["posts"]


def test_nobody_can_sign_up_as_the_placeholder(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "Deleted-Member",
            "email": "x@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["username"]

"""Demo authors are marked as such, and demo content never goes to a real
account that took a demo author's name."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frameworks.models import Decision
from members.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
DEMO_NAMES = ["sandeep", "alvaro", "sachin"]


def load_demo():
    call_command("load_demo", verbosity=0)


def sign_up(username):
    client = Client()
    response = client.post(
        reverse("signup"),
        {
            "username": username,
            "email": f"{username}@example.org",
            "password1": "a real password 2026!",
            "password2": "a real password 2026!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return User.objects.get(username=username)


def test_demo_members_are_flagged_and_cannot_log_in(demo):
    for user in User.objects.filter(username__in=DEMO_NAMES).select_related("profile"):
        assert user.profile.is_demo
        assert not user.has_usable_password()


def test_a_real_member_who_takes_a_deleted_demo_name_gets_no_demo_content(demo):
    User.objects.get(username="sachin").delete()
    real = sign_up("sachin")

    load_demo()
    load_demo()  # and again, as every `make serve` does

    real.refresh_from_db()
    assert not Decision.objects.filter(author=real).exists()
    assert real.has_usable_password()
    assert not Profile.objects.filter(user=real, is_demo=True).exists()
    # The other demo authors keep theirs; no one else got sachin's post.
    assert set(Decision.objects.values_list("author__username", flat=True)) == {
        "sandeep",
        "alvaro",
    }
    assert not Decision.objects.filter(views_count=283000).exists()


def test_a_real_account_with_a_demo_name_is_left_alone_on_the_first_load(db):
    real = UserFactory(username="alvaro", first_name="Real")
    Profile.objects.create(user=real, headline="My own words")

    load_demo()

    real.refresh_from_db()
    assert real.first_name == "Real"
    assert real.has_usable_password()
    assert real.profile.headline == "My own words"
    assert not real.profile.is_demo
    assert not Decision.objects.filter(author=real).exists()
    assert Decision.objects.count() == 2


def test_demo_authors_loaded_before_the_flag_existed_are_recognised(db):
    legacy = User(username="sachin", first_name="Sachin")
    legacy.set_unusable_password()
    legacy.save()

    load_demo()

    legacy.refresh_from_db()
    assert legacy.profile.is_demo
    assert Decision.objects.filter(author=legacy).exists()


def test_a_demo_author_is_a_member_since_their_first_post(demo):
    """Not since the day the demo was loaded: "Member since Dec 2026" beside
    posts from 2020 said something false."""
    for user in User.objects.filter(username__in=DEMO_NAMES):
        first = Decision.objects.filter(author=user).earliest("created").created
        assert user.date_joined == first
    page = Client().get(reverse("members:detail", args=["sachin"])).content.decode()
    assert "Member since Mar 2020" in page


def test_demo_authors_loaded_on_an_earlier_day_get_their_first_posts_date(demo):
    User.objects.filter(username__in=DEMO_NAMES).update(date_joined=timezone.now())

    load_demo()

    sachin = User.objects.get(username="sachin")
    assert sachin.date_joined == Decision.objects.get(author=sachin).created


def test_a_real_member_keeps_the_day_they_joined(db):
    joined = timezone.now() - timedelta(days=3)
    real = UserFactory(username="alvaro", date_joined=joined)

    load_demo()

    real.refresh_from_db()
    assert real.date_joined == joined

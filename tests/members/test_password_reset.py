"""Password reset by email: Django's views and token, the site's pages."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-Sofa-glacier-42"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", email="Ada@Example.com")


def ask_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def link_in(message):
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def set_password(client, link, password=NEW_PASSWORD):
    """Follows the mailed link as a browser does (Django swaps the token for
    a session key and redirects), then submits the new password."""
    response = client.get(link)
    if response.status_code != 302:
        return response
    return client.post(response["Location"], {"new_password1": password, "new_password2": password})


def test_the_login_page_links_to_the_reset(client):
    body = client.get(reverse("login")).content.decode()

    assert f'href="{reverse("password_reset")}"' in body


def test_the_reset_form_is_the_sites_page(client):
    response = client.get(reverse("password_reset"))

    assert response.status_code == 200
    assert "registration/password_reset_form.html" in [t.name for t in response.templates]
    assert 'name="email"' in response.content.decode()


def test_a_known_email_gets_a_link_that_sets_a_new_password(client, ada):
    response = ask_reset(client, "ada@example.com")  # any case

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["Ada@Example.com"]
    assert message.subject == "Reset your StackCompare password"
    assert "ada" in message.body

    response = set_password(client, link_in(message))

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    login = Client().post(reverse("login"), {"username": "ada", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client, ada):
    known = ask_reset(client, "ada@example.com")
    unknown = ask_reset(Client(), "nobody@example.com")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1
    done = client.get(known["Location"]).content.decode()
    assert "If an account uses the address" in done


def test_a_link_works_once(client, ada):
    ask_reset(client, "ada@example.com")
    link = link_in(mail.outbox[0])
    set_password(client, link)

    response = Client().get(link, follow=True)

    assert response.context["validlink"] is False
    assert "This link no longer works" in response.content.decode()
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)


def test_a_link_expires(client, ada, settings, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    ask_reset(client, "ada@example.com")
    link = link_in(mail.outbox[0])
    _uid, token = link.rstrip("/").split("/")[-2:]
    assert default_token_generator.check_token(ada, token)
    later = default_token_generator._now() + timedelta(seconds=3601)
    monkeypatch.setattr(type(default_token_generator), "_now", lambda self: later)

    assert not default_token_generator.check_token(ada, token)
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False


def test_a_tampered_link_is_refused(client, ada):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "zz", "token": "set-password"})
    )

    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_a_weak_new_password_is_a_form_error(client, ada):
    ask_reset(client, "ada@example.com")

    response = set_password(client, link_in(mail.outbox[0]), password="123")

    assert response.status_code == 400
    assert response.context["form"].errors["new_password2"]
    ada.refresh_from_db()
    assert not ada.check_password("123")


def test_members_without_a_usable_password_get_no_mail(client):
    """Demo authors cannot log in; a reset must not hand them a password."""
    demo = UserFactory(username="sachin", email="sachin@example.com")
    demo.set_unusable_password()
    demo.save()

    ask_reset(client, "sachin@example.com")

    assert mail.outbox == []


def test_reset_requests_are_rate_limited_per_address(client, ada, settings):
    settings.PASSWORD_RESET_RATE = "2/h"
    for _ in range(2):
        assert ask_reset(client, "ada@example.com").status_code == 302

    response = ask_reset(client, "ada@example.com")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 2


def test_an_invalid_email_is_a_form_error(client):
    response = ask_reset(client, "not an address")

    assert response.status_code == 400
    assert response.context["form"].errors["email"]


def test_signup_requires_an_email(client):
    response = client.post(
        reverse("signup"),
        {"username": "x", "email": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert not get_user_model().objects.filter(username="x").exists()

"""Sign-up, log-in, log-out, login redirects and brute-force protection."""

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from members.forms import SignupForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery staple"  # UserFactory's password
NEW_PASSWORD = "plum-Sofa-glacier-42"


def signup_data(**overrides):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return data | overrides


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- Sign-up ------------------------------------------------------------------


def test_signup_page_shows_the_form(client):
    response = client.get(reverse("signup"), {"next": "/frameworks/"})

    assert response.status_code == 200
    assert set(response.context["form"].fields) >= {"username", "email", "password1"}
    assert response.context["next"] == "/frameworks/"


def test_signup_creates_the_member_logs_them_in_and_goes_to_next(client):
    response = client.post(reverse("signup"), signup_data(next="/frameworks/"))

    assert response.status_code == 302
    assert response["Location"] == "/frameworks/"
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.com"
    assert user.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_signup_ignores_an_unsafe_next(client, next_url):
    response = client.post(reverse("signup"), signup_data(next=next_url))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert User.objects.filter(username="newcomer").exists()


def test_signup_when_logged_in_goes_straight_on(member_client):
    response = member_client.get(reverse("signup"), {"next": "/frameworks/"})

    assert response.status_code == 302
    assert response["Location"] == "/frameworks/"


@pytest.mark.parametrize("weak", ["password", "12345678", "newcomer1", "Ab1!"])
def test_signup_refuses_a_weak_password(client, weak):
    response = client.post(reverse("signup"), signup_data(password1=weak, password2=weak))

    assert response.status_code == 400
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(username="newcomer").exists()
    assert logged_in_user_id(client) is None


def test_signup_refuses_mismatched_passwords(client):
    response = client.post(reverse("signup"), signup_data(password2=NEW_PASSWORD + "x"))

    assert response.status_code == 400
    assert not User.objects.filter(username="newcomer").exists()


def test_signup_refuses_a_used_email_whatever_its_case(client):
    UserFactory(username="first", email="taken@example.com")

    response = client.post(reverse("signup"), signup_data(email=" Taken@Example.COM "))

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "An account with this email exists already."
    ]
    assert "An account with this email exists already." in response.content.decode()
    assert User.objects.count() == 1


def test_signup_refuses_a_used_username(client):
    UserFactory(username="newcomer", email="other@example.com")

    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 400
    assert "username" in response.context["form"].errors
    assert User.objects.count() == 1


def test_signup_rate_limit_refuses_the_third_signup_from_one_address(
    settings, frozen_ratelimit_clock
):
    settings.SIGNUP_RATE = "2/h"
    for n in (1, 2):
        response = Client().post(
            reverse("signup"), signup_data(username=f"user{n}", email=f"user{n}@example.com")
        )
        assert response.status_code == 302

    response = Client().post(
        reverse("signup"), signup_data(username="user3", email="user3@example.com")
    )

    assert response.status_code == 429
    assert response["Retry-After"] == str(3600 - 5)
    assert "429.html" in [t.name for t in response.templates]
    assert not User.objects.filter(username="user3").exists()
    # Another address may still sign up.
    other = Client(REMOTE_ADDR="203.0.113.9").post(
        reverse("signup"), signup_data(username="user4", email="user4@example.com")
    )
    assert other.status_code == 302


def test_failed_signups_count_towards_the_attempt_limit(client, settings, frozen_ratelimit_clock):
    # Issue 8: failed sign-ups no longer count towards SIGNUP_RATE (accounts
    # created) but towards the separate, generous SIGNUP_ATTEMPT_RATE.
    settings.SIGNUP_ATTEMPT_RATE = "2/h"
    for _ in range(2):
        weak = signup_data(password1="password", password2="password")
        assert client.post(reverse("signup"), weak).status_code == 400

    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 429
    assert response["Retry-After"] == str(3600 - 5)
    assert not User.objects.filter(username="newcomer").exists()


def test_typos_do_not_use_up_the_signup_limit(client, settings, frozen_ratelimit_clock):
    settings.SIGNUP_RATE = "2/h"
    for _ in range(5):
        weak = signup_data(password1="password", password2="password")
        assert client.post(reverse("signup"), weak).status_code == 400
    assert client.post(reverse("signup"), signup_data(email="taken@example.com")).status_code == 302
    client.post(reverse("logout"))

    response = client.post(
        reverse("signup"), signup_data(username="second", email="second@example.com")
    )
    assert response.status_code == 302
    client.post(reverse("logout"))
    # Two accounts created: the limit is reached.
    third = client.post(reverse("signup"), signup_data(username="third", email="t@example.com"))
    assert third.status_code == 429
    assert set(User.objects.values_list("username", flat=True)) == {"newcomer", "second"}


def test_the_database_refuses_a_second_account_with_one_email_in_any_case():
    UserFactory(username="first", email="Same@Example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="second", email="same@example.COM")
    # Accounts without an email (demo authors, curators) are not affected.
    UserFactory(username="demo1", email="")
    UserFactory(username="demo2", email="")


def test_signup_turns_a_username_taken_meanwhile_into_a_form_error(client, monkeypatch):
    # What a parallel sign-up does between this one's validation and insert.
    validate = SignupForm._post_clean

    def taken_meanwhile(form):
        validate(form)
        UserFactory(username="newcomer", email="other@example.com")

    monkeypatch.setattr(SignupForm, "_post_clean", taken_meanwhile)

    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [
        "A user with that username already exists."
    ]
    assert User.objects.get(username="newcomer").email == "other@example.com"
    assert logged_in_user_id(client) is None


def test_signup_turns_an_email_taken_meanwhile_into_a_form_error(client, monkeypatch):
    validate = SignupForm._post_clean

    def taken_meanwhile(form):
        validate(form)
        UserFactory(username="other", email="NEWCOMER@example.com")

    monkeypatch.setattr(SignupForm, "_post_clean", taken_meanwhile)

    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "An account with this email exists already."
    ]
    assert not User.objects.filter(username="newcomer").exists()


# --- Log in and out -----------------------------------------------------------


def test_login_with_the_right_password_logs_in_and_goes_to_next(client):
    user = UserFactory(username="alice")

    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": "/frameworks/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/frameworks/"
    assert logged_in_user_id(client) == str(user.pk)


def test_login_ignores_an_external_next(client):
    UserFactory(username="alice")

    response = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_unknown_user_and_wrong_password_get_the_same_error(client):
    UserFactory(username="alice")

    unknown = client.post(reverse("login"), {"username": "nobody", "password": PASSWORD})
    wrong = client.post(reverse("login"), {"username": "alice", "password": "not-it-at-all"})

    assert unknown.status_code == wrong.status_code == 200
    unknown_errors = list(unknown.context["form"].non_field_errors())
    wrong_errors = list(wrong.context["form"].non_field_errors())
    assert unknown_errors
    assert unknown_errors == wrong_errors
    assert unknown_errors[0] in unknown.content.decode().replace("&#x27;", "'")
    assert logged_in_user_id(client) is None


def test_logout_needs_a_post(member_client, member):
    response = member_client.get(reverse("logout"))

    assert response.status_code == 405
    assert logged_in_user_id(member_client) == str(member.pk)

    response = member_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(member_client) is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/decisions/new/"),
        ("post", "/decisions/new/"),
    ],
)
def test_member_actions_send_anonymous_visitors_to_login_with_next(client, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [path]


# --- Brute force (django-axes) ----------------------------------------------------


def test_five_failures_lock_out_the_username_and_address(client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    UserFactory(username="alice")
    wrong = {"username": "alice", "password": "guess"}
    for _ in range(4):
        assert client.post(reverse("login"), wrong).status_code == 200

    fifth = client.post(reverse("login"), wrong)
    sixth = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert logged_in_user_id(client) is None
    # The lock is per username and address: alice from elsewhere still gets in,
    # and so does another member from this address.
    elsewhere = Client(REMOTE_ADDR="203.0.113.7")
    elsewhere.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert logged_in_user_id(elsewhere) is not None
    bob = UserFactory(username="bob")
    here = Client()
    here.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert logged_in_user_id(here) == str(bob.pk)


def test_a_success_before_the_limit_resets_the_failures(client):
    UserFactory(username="alice")
    wrong = {"username": "alice", "password": "guess"}
    for _ in range(4):
        client.post(reverse("login"), wrong)
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert logged_in_user_id(client) is not None
    client.post(reverse("logout"))

    for _ in range(4):
        assert client.post(reverse("login"), wrong).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) is not None


def proxied(address):
    """A client behind our TLS proxy, which appends the client's address."""
    return Client(HTTP_X_FORWARDED_FOR=address)


def test_behind_a_proxy_lockouts_are_per_client_address(settings):
    settings.BEHIND_PROXY = True
    bob = UserFactory(username="bob")
    # The attacker writes bob's address into the header; the proxy appends
    # the attacker's real one, and that is the one that counts.
    attacker = proxied("198.51.100.7, 203.0.113.66")
    wrong = {"username": "bob", "password": "guess"}
    for _ in range(4):
        assert attacker.post(reverse("login"), wrong).status_code == 200

    assert attacker.post(reverse("login"), wrong).status_code == 429
    assert (
        attacker.post(reverse("login"), {"username": "bob", "password": PASSWORD}).status_code
        == 429
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    # Bob, from his own address, still gets in.
    own = proxied("198.51.100.7")
    response = own.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(own) == str(bob.pk)


def test_without_a_proxy_x_forwarded_for_is_ignored(settings):
    settings.BEHIND_PROXY = False
    UserFactory(username="bob")
    wrong = {"username": "bob", "password": "guess"}
    for n in range(4):
        proxied(f"203.0.113.{n}").post(reverse("login"), wrong)

    response = proxied("203.0.113.99").post(reverse("login"), wrong)

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


@pytest.mark.parametrize("login_path", ["/accounts/login/", "/admin/login/"])
def test_one_address_cannot_try_passwords_against_every_account(settings, login_path):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    members = [UserFactory(username=f"member{n}", is_staff=True) for n in range(4)]
    here = Client(REMOTE_ADDR="203.0.113.5")
    for member in members[:3]:
        for _ in range(2):  # below the per-account limit of 5
            response = here.post(login_path, {"username": member.username, "password": "guess"})
            assert response.status_code == 200

    # Even the right password of an untried account is refused from here ...
    response = here.post(login_path, {"username": "member3", "password": PASSWORD})

    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    assert logged_in_user_id(here) is None
    # ... but not from elsewhere.
    elsewhere = Client(REMOTE_ADDR="198.51.100.8")
    elsewhere.post(login_path, {"username": "member3", "password": PASSWORD})
    assert logged_in_user_id(elsewhere) == str(members[3].pk)


def test_a_members_own_failures_stay_below_the_address_limit(settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    UserFactory(username="alice")
    UserFactory(username="bob")
    for _ in range(4):
        Client().post(reverse("login"), {"username": "alice", "password": "guess"})

    here = Client()
    here.post(reverse("login"), {"username": "bob", "password": PASSWORD})

    assert logged_in_user_id(here) is not None


def test_behind_a_proxy_a_malformed_forwarded_address_counts_as_the_proxys(settings):
    # Reaching the app past the proxy with a made-up header must not put
    # text into axes' address column (an inet on PostgreSQL: a 500).
    settings.BEHIND_PROXY = True
    UserFactory(username="bob")

    response = proxied("not-an-address").post(
        reverse("login"), {"username": "bob", "password": "guess"}
    )

    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]


# --- Back to the page the reader came from --------------------------------------

COMPARISON = "/compare/django-vs-flask/"


@pytest.fixture
def comparison():
    from tests.factories import FrameworkFactory

    FrameworkFactory(slug="django", name="Django")
    FrameworkFactory(slug="flask", name="Flask")
    return COMPARISON


def header_link(client, url, name):
    """The header's link to the ``name`` page (log in or sign up) on ``url``."""
    html = client.get(url).content.decode()
    header = html[html.index('class="site-auth"') :]
    href = re.search(rf'href="({re.escape(reverse(name))}[^"]*)"', header).group(1)
    return html_lib.unescape(href)


def next_of(link):
    return parse_qs(urlsplit(link).query)["next"][0]


@pytest.mark.parametrize("query", ["", "?only=differences"])
def test_header_links_carry_the_page_address_with_its_query(client, comparison, query):
    for name in ("login", "signup"):
        assert next_of(header_link(client, comparison + query, name)) == comparison + query


def test_header_links_of_a_cached_page_carry_its_own_address(client, comparison, page_cache):
    first = Client().get(comparison)
    again = Client().get(comparison)
    assert again["X-Cache"] == "hit"
    for name in ("login", "signup"):
        assert next_of(header_link(Client(), comparison, name)) == comparison
    assert first.content == again.content


def test_signup_from_a_page_ends_on_that_page(client, comparison):
    signup_page = client.get(header_link(client, comparison, "signup"))
    next_field = re.search(r'name="next" value="([^"]*)"', signup_page.content.decode()).group(1)

    response = client.post(reverse("signup"), signup_data(next=next_field), follow=True)

    assert response.redirect_chain[-1][0] == comparison
    assert response.status_code == 200
    assert logged_in_user_id(client) == str(User.objects.get(username="newcomer").pk)


def test_login_from_a_page_ends_on_that_page(client, comparison):
    UserFactory(username="alice")
    login_page = client.get(header_link(client, comparison, "login"))
    next_field = re.search(r'name="next" value="([^"]*)"', login_page.content.decode()).group(1)

    response = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD, "next": next_field},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == comparison
    assert response.status_code == 200


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example"])
def test_login_and_signup_never_leave_the_site(client, next_url):
    UserFactory(username="alice")
    login = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": next_url}
    )
    assert login["Location"] == reverse("home")
    signup = Client().post(reverse("signup"), signup_data(next=next_url))
    assert signup["Location"] == reverse("home")


def test_a_signup_form_error_keeps_next(client):
    response = client.post(
        reverse("signup"), signup_data(password2="different", next="/compare/django-vs-flask/")
    )

    assert response.status_code == 400
    assert 'name="next" value="/compare/django-vs-flask/"' in response.content.decode()


def test_a_login_form_error_keeps_next(client):
    response = client.post(
        reverse("login"), {"username": "nobody", "password": "x", "next": "/frameworks/?q=a"}
    )

    assert 'name="next" value="/frameworks/?q=a"' in response.content.decode()

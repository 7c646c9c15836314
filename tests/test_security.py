"""Security headers, deploy checks and a fuzz test that finds no 500."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frameworks.models import ProCon

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/compare/django-vs-flask/", "/frameworks/django/"])
def test_pages_carry_the_security_headers(client, demo, url):
    response = client.get(url, secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_pages_have_no_inline_script_or_style(client, demo, member_client):
    for page in ("/", "/compare/django-vs-flask/", "/frameworks/django/", "/frameworks/"):
        html = member_client.get(page).content.decode()
        for chunk in html.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            assert "src=" in head or 'type="application/ld+json"' in head, page
        assert " style=" not in html, page
        assert " onclick=" not in html and " onload=" not in html, page


def test_session_and_csrf_cookies_are_secure_and_httponly(client, demo):
    from tests.factories import UserFactory

    UserFactory(username="cookie", password="a long enough passphrase")
    response = client.post(
        "/accounts/login/",
        {"username": "cookie", "password": "a long enough passphrase"},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


def test_http_redirects_to_https_in_production(settings, client, demo):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_check_deploy_passes_without_warnings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "compare.example.com",
    }
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("SECURE_COOKIES", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- fuzzing: malformed input never gives a 500 ---------------------------

PATH_PARTS = st.sampled_from(
    [
        "django",
        "flask",
        "-vs-",
        "vs",
        "-",
        "--",
        "%00",
        "%2F",
        "..",
        "%C3%A4",
        "%F0%9F%98%80",
        "<script>",
        "'",
        '"',
        "%",
        "%ZZ",
        "x" * 300,
        "DJANGO",
        "fastapi",
        " ",
        "?",
        "#",
        "\\",
    ]
)


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{response.status_code} for {what!r}"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(PATH_PARTS, min_size=1, max_size=6))
def test_fuzz_compare_paths(demo_once, parts):
    client = Client(raise_request_exception=False)
    path = "/compare/" + "".join(parts) + "/"
    assert_no_server_error(client.get(path), path)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    key=st.sampled_from(
        [
            "q",
            "category",
            "language",
            "license",
            "sort",
            "page",
            "only",
            "a",
            "b",
            "w-security",
            "w-",
        ]
    ),
    value=st.text(max_size=80),
    where=st.sampled_from(["/frameworks/", "/compare/", "/compare/django-vs-flask/", "/"]),
)
def test_fuzz_query_strings(demo_once, key, value, where):
    client = Client(raise_request_exception=False)
    assert_no_server_error(client.get(where, {key: value}), (where, key, value))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    target=st.sampled_from(
        [
            "/procons/{pk}/vote/",
            "/procons/999999/vote/",
            "/frameworks/flask/suggest/",
            "/frameworks/nope/suggest/",
            "/decisions/new/",
            "/accounts/signup/",
            "/accounts/login/",
        ]
    ),
    data=st.dictionaries(
        st.sampled_from(["kind", "text", "detail", "body", "frameworks", "username", "next"]),
        st.text(max_size=200),
        max_size=5,
    ),
)
def test_fuzz_form_posts(demo_once, fuzz_member, target, data):
    client = Client(raise_request_exception=False)
    client.force_login(fuzz_member)
    pk = ProCon.objects.values_list("pk", flat=True).first()
    url = target.format(pk=pk)
    assert_no_server_error(client.post(url, data), (url, data))


@pytest.fixture
def demo_once(demo):
    return None


@pytest.fixture
def fuzz_member(db):
    from tests.factories import UserFactory

    return UserFactory(username="fuzzer")


# --- cached anonymous pages carry nothing personal ---------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/compare/",
        "/compare/django-vs-flask/",
        "/compare/django-vs-fastapi-vs-flask-vs-pyramid/",
        "/compare/django-vs-flask/embed/",
        "/frameworks/",
        "/frameworks/flask/",
        "/categories/web-frameworks/",
    ],
)
def test_anonymous_pages_carry_no_csrf_token(client, demo, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" not in response.content
    assert "csrftoken" not in response.cookies
    assert "vote-form" not in response.content.decode()


def test_member_pages_carry_a_csrf_token_in_every_vote_form(member_client, demo):
    html = member_client.get("/compare/django-vs-flask/").content.decode()
    # One per vote, follow and watch form, and the header's log-out form.
    forms = sum(
        html.count(f'class="{name}"') for name in ("vote-form", "follow-form", "watch-form")
    )
    assert html.count('name="csrfmiddlewaretoken"') == forms + 1
    assert html.count('class="vote-form"') > 10


# --- Cache-Control of signed-in pages -------------------------------------------


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize("url", ["/", "/compare/django-vs-flask/", "/frameworks/django/"])
def test_signed_in_pages_are_private_and_not_stored(demo, member_client, url):
    response = member_client.get(url)

    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)
    assert "public" not in cache_control(response)
    assert "Cookie" in response["Vary"]


def test_a_signed_in_answer_without_a_form_token_is_private(demo, member_client):
    procon = ProCon.objects.filter(status=ProCon.Status.APPROVED).first()

    response = member_client.post(
        f"/procons/{procon.pk}/vote/", HTTP_ACCEPT="application/json", secure=True
    )

    assert response.status_code == 200
    assert response.json()["voted"] is True
    assert cache_control(response) == {"private"}


def test_anonymous_cacheable_pages_keep_their_headers(settings, demo):
    settings.PAGE_CACHE = True
    response = Client().get("/compare/django-vs-flask/")

    assert response.status_code == 200
    assert cache_control(response) == {"no-cache"}
    assert response["ETag"]

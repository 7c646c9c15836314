"""core.backends.MemberBackend: members are read with one written-out
statement, sign in as with Django's ModelBackend, and members signed in
before it existed stay signed in."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.backends import MemberBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery staple"  # UserFactory's password
SETTINGS = "/accounts/settings/"


def fields(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_get_user_reads_the_member_as_the_orm_does():
    member = UserFactory(first_name="Ada", last_name="Lovelace")
    User.objects.filter(pk=member.pk).update(last_login="2026-11-02T10:30:00Z")

    with CaptureQueriesContext(connection) as queries:
        user = MemberBackend().get_user(str(member.pk))  # sessions hold text

    assert len(queries) == 1
    expected = User.objects.get(pk=member.pk)
    assert fields(user) == fields(expected)
    assert user.last_login.tzinfo is not None  # aware, on SQLite too
    assert user._state.adding is False and user._state.db == "default"
    assert user.get_session_auth_hash() == expected.get_session_auth_hash()


@pytest.mark.parametrize("user_id", ["999999", "not-a-number", ""])
def test_get_user_finds_no_one_for_an_unknown_or_malformed_id(user_id):
    UserFactory()
    assert MemberBackend().get_user(user_id) is None


def test_get_user_refuses_an_inactive_member():
    member = UserFactory(is_active=False)
    assert MemberBackend().get_user(member.pk) is None


def test_a_log_in_signs_in_through_member_backend(client):
    member = UserFactory(username="alice")

    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "core.backends.MemberBackend"
    assert client.get(SETTINGS).context["user"] == member


def test_members_signed_in_before_member_backend_stay_signed_in(client):
    member = UserFactory()
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(SETTINGS)

    assert response.status_code == 200
    assert response.context["user"] == member


def test_a_failed_log_in_checks_the_password_once(client, monkeypatch):
    """ModelBackend stays listed for old sessions only: a wrong password is
    refused by MemberBackend and never hashed a second time."""
    UserFactory(username="alice")
    checks = []
    original = ModelBackend.authenticate

    def counted(self, *args, **kwargs):
        checks.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counted)

    wrong = client.post(reverse("login"), {"username": "alice", "password": "not-it-at-all"})
    unknown = client.post(reverse("login"), {"username": "nobody", "password": PASSWORD})

    assert wrong.status_code == unknown.status_code == 200
    assert checks == ["MemberBackend", "MemberBackend"]
    assert BACKEND_SESSION_KEY not in client.session

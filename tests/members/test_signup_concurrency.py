"""Two sign-ups at the same moment, as from two gunicorn threads.

Both pass the form's checks before either inserts; a barrier just before the
insert makes that interleaving certain. The database then refuses the
second account, and its sign-up must get a form error, never a 500.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.views import SignupView

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()
PASSWORD = "plum-Sofa-glacier-42"


def sign_up_together(monkeypatch, forms):
    barrier = threading.Barrier(len(forms))
    form_valid = SignupView.form_valid

    def insert_together(view, form):
        barrier.wait(timeout=10)
        return form_valid(view, form)

    monkeypatch.setattr(SignupView, "form_valid", insert_together)

    def sign_up(data):
        try:
            response = Client().post(reverse("signup"), data)
            errors = response.context["form"].errors if response.status_code == 400 else {}
            return response.status_code, dict(errors)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(forms)) as executor:
        return sorted(executor.map(sign_up, forms), key=lambda result: result[0])


def signup(username, email):
    return {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}


def test_parallel_signups_with_one_username_give_one_account_and_one_form_error(monkeypatch):
    results = sign_up_together(
        monkeypatch, [signup("twin", "one@example.com"), signup("twin", "two@example.com")]
    )

    (created, _), (refused, errors) = results
    assert (created, refused) == (302, 400)
    assert errors == {"username": ["A user with that username already exists."]}
    assert User.objects.filter(username="twin").count() == 1


def test_parallel_signups_with_one_email_give_one_account_and_one_form_error(monkeypatch):
    results = sign_up_together(
        monkeypatch, [signup("first", "Same@example.com"), signup("second", "same@EXAMPLE.com")]
    )

    (created, _), (refused, errors) = results
    assert (created, refused) == (302, 400)
    assert errors == {"email": ["An account with this email exists already."]}
    assert User.objects.filter(email__iexact="same@example.com").count() == 1

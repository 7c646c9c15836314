"""Memoised links (core/links.py) follow each request's script prefix."""

import pytest
from django.test import Client
from django.urls import set_script_prefix

from core import links

pytestmark = pytest.mark.django_db


def test_links_carry_the_prefix_of_their_own_request(demo):
    # Django's handler sets the prefix from SCRIPT_NAME; the test client does not.
    set_script_prefix("/portal/")
    try:
        mounted = Client().get("/compare/django-vs-flask/")
    finally:
        set_script_prefix("/")
    plain = Client().get("/compare/django-vs-flask/")

    assert 'href="/portal/frameworks/flask/"' in mounted.content.decode()
    assert 'href="/frameworks/flask/"' in plain.content.decode()
    assert "/portal/" not in plain.content.decode()


def test_outside_a_request_the_prefix_is_djangos():
    assert links.script_prefix() == "/"
    assert links.url_for("frameworks:detail", "flask") == "/frameworks/flask/"

"""Django's default error handlers render the site's Jinja2 error pages."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views import defaults

from core.http import too_many

pytestmark = pytest.mark.django_db


def site_request(path="/somewhere/"):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return request


def test_404_page_is_the_sites_page_with_the_reason(client):
    response = client.get("/frameworks/no-such-framework/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "<h1>Page not found</h1>" in html
    assert "We have no published framework called" in html
    assert 'class="site-header"' in html and 'id="page-search-q"' in html


def test_404_without_a_matching_route_has_no_current_nav_item(client):
    html = client.get("/no/such/page/").content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'aria-current="page"' not in html


def test_500_page_needs_neither_the_database_nor_a_context(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = defaults.server_error(site_request())
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "{{" not in html and "{%" not in html


def test_400_page(django_assert_num_queries):
    response = defaults.bad_request(site_request(), Exception("bad"))
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()


def test_403_page_offers_to_log_in():
    response = defaults.permission_denied(site_request("/x/"), PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "You are not allowed to do that" in html
    assert 'href="/accounts/login/?next=/x/"' in html


def test_csrf_failure_renders_the_form_expired_page(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post("/decisions/new/", {"body": "x"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_429_page_says_how_long_to_wait():
    response = too_many(site_request(), 55, "You are voting very fast.")
    html = response.content.decode()
    assert response.status_code == 429
    assert "<h1>You are voting very fast.</h1>" in html
    assert "Please wait 55 seconds, then try again." in html

"""Page metadata from one tag, error pages from one base: every page says
where it lives (canonical and og:url agree) and no error page is indexed."""

import re

import pytest
from django.test import override_settings

from tests.factories import (
    CategoryFactory,
    ComparisonFactory,
    DecisionFactory,
    FrameworkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    category = CategoryFactory(slug="web")
    django = FrameworkFactory(name="Django", slug="django", category=category)
    flask = FrameworkFactory(name="Flask", slug="flask", category=category)
    ComparisonFactory(frameworks=[django, flask])
    decision = DecisionFactory(frameworks=[django, flask])
    return {
        "/": "/",
        "/compare/": "/compare/",
        "/compare/django-vs-flask/": "/compare/django-vs-flask/",
        "/frameworks/": "/frameworks/",
        "/frameworks/django/": "/frameworks/django/",
        "/categories/web/": "/categories/web/",
        decision.get_absolute_url(): decision.get_absolute_url(),
    }


def test_canonical_and_og_url_are_the_same_absolute_url(client, pages):
    for path, canonical in pages.items():
        html = client.get(path).content.decode()
        expected = f"http://testserver{canonical}"
        assert re.findall(r'<link rel="canonical" href="([^"]+)">', html) == [expected], path
        assert re.findall(r'<meta property="og:url" content="([^"]+)">', html) == [expected], path


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/frameworks/no-such-framework/", 404, "We have no published framework"),
        ("/compare/django-vs-nothing/", 404, "Comparison not found"),
        ("/nowhere/", 404, "Page not found"),
    ],
)
def test_error_pages_share_one_base(client, pages, path, status, text):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == status
    assert '<meta name="robots" content="noindex">' in html
    assert 'class="notice-page"' in html
    assert text in html
    assert 'rel="canonical"' not in html


@override_settings(DEBUG=False)
def test_the_404_page_shows_its_code_search_box_and_way_home(client):
    html = client.get("/nowhere/").content.decode()
    assert '<p class="notice-page__code" aria-hidden="true">404</p>' in html
    assert 'class="search-box"' in html
    assert "pick frameworks to compare" in html

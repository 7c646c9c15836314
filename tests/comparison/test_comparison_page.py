"""The comparison page's shape (issue 29): the comparison first, a quiet
table whose provenance is one switch away (``?details=1``, a page of its
own), exports and embed in one "Share and export" menu, and a budget of
bytes and queries for Django vs Flask."""

import re

import pytest
from django.test import Client
from markupsafe import escape

from comparison.models import Assessment

pytestmark = pytest.mark.django_db

URL = "/compare/django-vs-flask/"
DETAILS = URL + "?details=1"
FOUR_WAY = "/compare/bottle-vs-fastapi-vs-pyramid-vs-tornado/"

#: Django vs Flask, rendered with every cache empty (issue 29). Issue 31's
#: health rows cost two queries (the release series with their advisory
#: counts, the health signals) whatever the number of frameworks.
MAX_BYTES = 60_000
MAX_QUERIES = 17


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def section(html, name):
    """The HTML of ``<section id="name">`` up to the next section."""
    match = re.search(rf'<section id="{name}"(.*?)(?=<section id=|</main>)', html, re.S)
    assert match, name
    return match.group(1)


def test_django_vs_flask_keeps_to_its_budget_uncached(client, demo, django_assert_max_num_queries):
    # The autouse fixture emptied the cache: no data, fragment or page entry.
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(response.content) <= MAX_BYTES, len(response.content)


def test_the_comparison_comes_before_decisions_and_discussion(client, demo):
    html = html_of(client, URL)
    order = [
        html.index('class="card framework-card"'),
        html.index('class="callout summary"'),
        html.index('<table class="compare-table'),
        html.index('id="differences"'),
        html.index('<section id="decisions"'),
        html.index('<section id="alternatives"'),
    ]
    assert order == sorted(order)
    tabs = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group()
    assert re.findall(r'href="#(\w+)"', tabs) == [
        "overview",
        "comparison",
        "weigh",
        "decisions",
        "alternatives",
        "related",
    ]


def test_a_generated_comparison_says_where_they_differ_before_the_table(client, demo):
    html = html_of(client, "/compare/fastapi-vs-flask/")
    overview = section(html, "overview")
    assert "Where they differ" in overview
    # Each criterion once, as a link to its row, not a second copy of the table.
    assert 'href="#criterion-url-routing"' in overview
    assert "Not assessed yet" not in overview and "verdict--" not in overview
    assert html.index('id="overview"') < html.index("<table") < html.index('id="decisions"')


def test_by_default_a_cell_shows_its_verdict_and_summary_only(client, demo):
    html = html_of(client, URL)
    table = re.search(r"<table.*?</table>", html, re.S).group()
    flask = Assessment.objects.get(framework__slug="flask", criterion__slug="url-routing")
    assert str(escape(flask.summary)) in table
    assert "verdict--no" in table
    for provenance in (
        flask.source_url,
        "Suggest an edit",
        'class="source"',
        "<time",
        "imported +",  # how a vote count is made
    ):
        assert provenance not in table, provenance
    assert "Show sources and dates" in html


def test_details_show_every_cells_source_date_and_edit_link(client, demo):
    html = html_of(client, DETAILS)
    table = re.search(r"<table.*?</table>", html, re.S).group()
    cells = Assessment.objects.current().filter(framework__slug__in=["django", "flask"])
    for cell in cells:
        if cell.source_url:
            assert f'href="{cell.source_url}"' in table, cell
    login = "/accounts/login/?next=/frameworks/flask/criteria/url-routing/suggest/"
    assert login in table
    assert table.count('class="suggest-edit"') == 30  # 22 assessments and 8 statistics
    assert "678 = 678 imported + 0 from members" in re.sub(r"<[^>]+>", "", table)
    assert "as of <time" in table
    # Switching them off again, and the same page for search engines.
    assert f'href="{URL}#comparison"' in html and "Hide sources and dates" in html
    assert '<meta name="robots" content="noindex, follow">' in html
    assert f'<link rel="canonical" href="http://testserver{URL}">' in html


def test_the_switches_keep_each_other(client, demo):
    html = html_of(client, URL + "?details=1&only=differences")
    assert 'href="/compare/django-vs-flask/?details=1#comparison">' in html  # all rows
    assert 'href="/compare/django-vs-flask/?only=differences#comparison">' in html  # no sources
    weights = section(html, "weigh")
    assert '<input type="hidden" name="details" value="1">' in weights
    assert '<input type="hidden" name="only" value="differences">' in weights


@pytest.mark.parametrize("query", ["details=yes", "details=0", "details=1&details=1", "details="])
def test_another_details_value_redirects_to_the_page_without_it(client, demo, query):
    response = client.get(f"{URL}?{query}&only=differences")
    assert response.status_code == 301
    assert response["Location"] == URL + "?only=differences"


def test_exports_and_embed_are_in_one_share_menu(client, demo):
    html = html_of(client, URL)
    menu = re.search(r'<details class="share-menu".*?</details>', html, re.S).group()
    assert "<summary>Share and export</summary>" in menu
    for href in (
        '"/compare/django-vs-flask.json"',
        '"/compare/django-vs-flask.csv"',
        '"/compare/django-vs-flask/embed/"',
    ):
        assert href in menu
    assert 'id="embed-html"' in menu
    # Nowhere else on the page.
    outside = html.replace(menu, "")
    assert "django-vs-flask.json" not in outside.split("<main", 1)[1]
    assert "Embed this comparison" not in outside


def test_the_exports_and_embed_still_answer(client, demo):
    assert client.get("/compare/django-vs-flask.json").json()["frameworks"]
    csv = client.get("/compare/django-vs-flask.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "Django vs Flask" in html_of(client, "/compare/django-vs-flask/embed/")


@pytest.mark.parametrize(
    ("url", "count"), [(FOUR_WAY, 6), ("/compare/django-vs-laravel-vs-nodejs/", 3)]
)
def test_three_or_four_frameworks_offer_each_pair_side_by_side(client, demo, url, count):
    pairs = re.search(r'<ul class="pairs".*?</ul>', html_of(client, url), re.S).group()
    links = re.findall(r'<li><a href="([^"]+)">', pairs)
    assert len(links) == count
    for link in links:  # each the pair's canonical address, curated or generated
        assert client.get(link).status_code == 200, link


def test_on_a_phone_each_of_four_cells_names_its_framework(client, demo):
    html = html_of(client, FOUR_WAY)
    assert '<a href="/compare/bottle-vs-fastapi/">Bottle vs FastAPI</a>' in html
    # Each cell names its framework for the two-line layout of a phone.
    assert html.count('data-fw="Tornado"') >= 10
    assert '<ul class="pairs"' not in html_of(client, URL)
    assert "data-fw=" not in html_of(client, URL)


def test_each_variant_is_a_cached_page_of_its_own(client, demo, page_cache, committed):
    assert client.get(URL)["X-Cache"] == "miss"
    first = client.get(DETAILS)
    assert first["X-Cache"] == "miss"
    assert client.get(URL)["X-Cache"] == "hit"
    again = Client().get(DETAILS)
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert b"Suggest an edit" in again.content
    assert b"Suggest an edit" not in Client().get(URL).content

    # A source only the details show: that page follows it at once.
    cell = Assessment.objects.get(framework__slug="flask", criterion__slug="url-routing")
    cell.source_url = "https://flask.palletsprojects.com/en/stable/quickstart/#routing"
    committed(cell.save)
    fresh = Client().get(DETAILS)
    assert fresh["X-Cache"] == "miss"
    assert cell.source_url.encode() in fresh.content

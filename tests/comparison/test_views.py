"""The comparison pages: curated, generated, canonical URLs, bad input and
query budgets."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comparison.models import Assessment, Criterion
from frameworks.models import Framework, ProCon
from stats.models import Advisory, HealthSignal, ReleaseSeries
from tests.factories import (
    AssessmentFactory,
    ComparisonFactory,
    CriterionFactory,
    DecisionFactory,
    DifferenceFactory,
    FrameworkFactory,
    ProConFactory,
)

pytestmark = pytest.mark.django_db


def section(html, anchor):
    """The HTML of the section with id=anchor (up to the next section)."""
    match = re.search(rf'id="{anchor}"(.*?)(?=<section|</main>)', html, re.S)
    assert match, f"no section #{anchor}"
    return match.group(1)


# --- the demo catalogue as a visitor sees it -------------------------------


def test_curated_django_vs_flask_shows_every_section(client, demo):
    response = client.get("/compare/django-vs-flask/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Django vs Flask" in html
    for anchor in ("overview", "decisions", "comparison", "alternatives", "related"):
        assert f'href="#{anchor}"' in html
        assert f'id="{anchor}"' in html
    # Breadcrumb: the deepest category both share.
    assert 'aria-label="Breadcrumb"' in html
    assert "Web Frameworks" in html
    # Statistics in compact form; unknown shown as a dash, never 0.
    overview = section(html, "overview")
    assert "85.6K" in overview and "38.7K" in overview and "19.3K" in overview
    assert "–" in overview
    # The summary under the cards; the six numbered differences after the table.
    assert "In summary" in overview
    assert section(html, "differences").count("<li") >= 6
    assert html.index('id="comparison"') < html.index('id="differences"')
    # The table: caption, th scope, pros with their votes.
    table = section(html, "comparison")
    assert "<caption" in table and 'scope="col"' in table and 'scope="row"' in table
    assert "Rapid development" in table and "678" in table
    assert "Underpowered templating" in table
    # Decisions and alternatives.
    assert "599K" in section(html, "decisions")
    alternatives = section(html, "alternatives")
    assert "FastAPI" in alternatives and "/compare/django-vs-fastapi/" in alternatives
    assert "/compare/django-vs-fastapi-vs-flask/" in alternatives  # "add to this comparison"
    assert "Django vs Flask" not in section(html, "related")
    assert "Django vs Laravel vs Node.js" in section(html, "related")
    assert '<link rel="canonical" href="http://testserver/compare/django-vs-flask/"' in html
    assert 'property="og:title"' in html


#: The "Add X to this comparison" links of an alternative card.
ADD_LINK = re.compile(r'<a href="([^"]+)">Add <span class="visually-hidden">[^<]*</span>to')


@pytest.mark.parametrize(
    "url",
    [
        "/compare/django-vs-flask/",
        "/compare/django-vs-laravel-vs-nodejs/",
        "/compare/flask-vs-pyramid/",
        "/compare/bottle-vs-flask-vs-tornado/",
    ],
)
def test_every_add_to_this_comparison_link_is_canonical(client, demo, url):
    html = client.get(url).content.decode()
    links = ADD_LINK.findall(section(html, "alternatives"))

    assert links, url
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, f"{link}: {response.status_code}"


def test_generated_comparison_is_built_from_assessments(client, demo):
    response = client.get("/compare/bottle-vs-fastapi-vs-pyramid-vs-tornado/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bottle vs FastAPI vs Pyramid vs Tornado" in html
    for criterion in Criterion.objects.all():
        assert criterion.name in html
    summary = Assessment.objects.get(framework__slug="fastapi", criterion__slug="orm-databases")
    assert summary.summary[:40] in html


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/compare/flask-vs-django/", "/compare/django-vs-flask/"),
        ("/compare/DJANGO-vs-Flask/", "/compare/django-vs-flask/"),
        ("/compare/tornado-vs-bottle/", "/compare/bottle-vs-tornado/"),
        ("/compare/nodejs-vs-django-vs-laravel/", "/compare/django-vs-laravel-vs-nodejs/"),
    ],
)
def test_every_order_redirects_permanently_to_the_canonical_url(client, demo, path, target):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == target


def test_redirect_keeps_the_query_string(client, demo):
    response = client.get("/compare/flask-vs-django/?only=differences")
    assert response["Location"] == "/compare/django-vs-flask/?only=differences"


def test_curated_slug_is_an_alias(client, demo):
    ComparisonFactory(
        slug="python-web-giants",
        title="Python web giants",
        frameworks=[FrameworkFactory(slug="aaa"), FrameworkFactory(slug="bbb")],
    )
    response = client.get("/compare/python-web-giants/")
    assert response.status_code == 301
    assert response["Location"] == "/compare/aaa-vs-bbb/"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/compare/django-vs-flsk/", "no published framework"),
        ("/compare/django-vs-django/", "more than once"),
        ("/compare/django/", "at least 2"),
        ("/compare/django-vs-flask-vs-fastapi-vs-bottle-vs-tornado/", "at most 4"),
        ("/compare/django-vs-%3Cscript%3E/", "letters, digits"),
        ("/compare/django-vs-fl%C3%A4sk/", "letters, digits"),
        ("/compare/" + "x" * 400 + "/", "too long"),
        ("/compare/-vs-django/", "letters, digits"),
    ],
)
def test_bad_compare_urls_get_a_helpful_404(client, demo, path, message):
    response = client.get(path)
    assert response.status_code == 404
    assert message in response.content.decode()
    assert "<script>" not in response.content.decode().split("</head>")[1]


def test_a_typo_suggests_the_close_match(client, demo):
    html = client.get("/compare/django-vs-flsk/").content.decode()
    assert "Flask" in html and "/frameworks/flask/" in html


def test_unpublished_framework_is_not_comparable(client, demo):
    Framework.objects.filter(slug="flask").update(is_published=False)
    response = client.get("/compare/django-vs-flask/")
    assert response.status_code == 404


def test_only_differences_hides_rows_where_all_agree(client):
    a, b = FrameworkFactory(slug="alpha"), FrameworkFactory(slug="beta")
    same = CriterionFactory(name="Same thing", question="Ships it?")
    different = CriterionFactory(name="Different thing", question="Has it?")
    for framework in (a, b):
        AssessmentFactory(framework=framework, criterion=same, verdict="yes")
    AssessmentFactory(framework=a, criterion=different, verdict="yes")
    AssessmentFactory(framework=b, criterion=different, verdict="no")
    full = client.get("/compare/alpha-vs-beta/").content.decode()
    only = client.get("/compare/alpha-vs-beta/?only=differences").content.decode()
    assert "Same thing" in section(full, "comparison")
    assert "Same thing" not in section(only, "comparison")
    assert "Different thing" in section(only, "comparison")


def test_best_statistic_is_marked(client):
    FrameworkFactory(slug="alpha", github_stars=100)
    FrameworkFactory(slug="beta", github_stars=2000)
    table = section(client.get("/compare/alpha-vs-beta/").content.decode(), "comparison")
    assert "(highest)" in table


# The picker: tests/comparison/test_picker.py.


# --- browsing and discovery ----------------------------------------------


def test_catalogue_filters_sort_and_paginate_in_the_url(client, demo):
    html = client.get("/frameworks/", {"language": "Python", "sort": "-stars"}).content.decode()
    assert html.index("Django") < html.index("Flask")
    assert "Laravel" not in html
    assert client.get("/frameworks/", {"category": "microframeworks"}).status_code == 200
    assert client.get("/frameworks/", {"cursor": "n.999"}).status_code == 400
    assert client.get("/frameworks/", {"q": "jinja"}).status_code == 200


def results_heading(client, query):
    html = client.get("/frameworks/", query).content.decode()
    heading = re.search(r'id="results-title"[^>]*>(.*?)</h2>', html, re.S).group(1)
    return re.sub(r"<[^>]+>|\s+", " ", heading).split()


def test_catalogue_filters_take_a_language_or_licence_in_any_case(client, demo):
    html = client.get("/frameworks/", {"language": "python"}).content.decode()

    assert 'role="alert"' not in html
    assert '<option value="Python" selected>' in html
    assert "Laravel" not in html
    assert results_heading(client, {"language": "python"}) == results_heading(
        client, {"language": "Python"}
    )
    assert results_heading(client, {"license": "mit"}) == results_heading(
        client, {"license": "MIT"}
    )


def test_catalogue_heading_counts_only_the_filters_applied(client, demo):
    everything = results_heading(client, {})

    unknown = results_heading(client, {"language": "Klingon"})
    assert unknown[0] == everything[0]
    assert "match" not in unknown
    assert " ".join(unknown).endswith("(Language not applied: see the form)")

    searched = " ".join(results_heading(client, {"language": "Klingon", "q": "flask"}))
    assert "match your filters (Language not applied: see the form)" in searched


def test_framework_and_category_pages(client, demo):
    html = client.get("/frameworks/django/").content.decode()
    assert "Rapid development" in html and "678" in html
    alternatives = section(html, "alternatives")
    assert 'href="/compare/django-vs-flask/"' in alternatives
    assert 'href="/compare/bottle-vs-django/"' in alternatives
    assert "Django vs Flask" in html
    assert client.get("/frameworks/nope/").status_code == 404
    html = client.get("/categories/web-frameworks/").content.decode()
    assert 'aria-label="Breadcrumb"' in html and "Flask" in html
    assert client.get("/categories/nope/").status_code == 404


def test_discovery(client, demo):
    index = client.get("/sitemap.xml").content.decode()
    sections = re.findall(r"<loc>http://testserver(/sitemap-\w+\.xml)</loc>", index)
    assert sorted(sections) == [
        "/sitemap-categories.xml",
        "/sitemap-comparisons.xml",
        "/sitemap-frameworks.xml",
    ]
    sitemap = "".join(client.get(section).content.decode() for section in sections)
    assert "/compare/django-vs-flask/" in sitemap
    assert "/frameworks/django/" in sitemap
    assert "/categories/web-frameworks/" in sitemap
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-frameworks.xml?p=9").status_code == 404
    assert client.get("/sitemap-frameworks.xml?p=x").status_code == 404
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()
    feed = client.get("/feeds/comparisons/").content.decode()
    assert "Django vs Flask" in feed and "<rss" in feed


def test_the_sitemap_index_pages_a_section_past_its_limit(client, demo, monkeypatch):
    from pages.sitemaps import FrameworkSitemap

    monkeypatch.setattr(FrameworkSitemap, "limit", 5)  # 50,000 in production
    index = client.get("/sitemap.xml").content.decode()
    pages = re.findall(r"/sitemap-frameworks\.xml(?:\?p=(\d+))?</loc>", index)
    assert pages == ["", "2", "3", "4"]  # 18 demo frameworks
    last = client.get("/sitemap-frameworks.xml?p=4").content.decode()
    assert last.count("<url>") == 3


def test_the_sitemap_index_sizes_its_sections_from_the_data_cache(
    client, demo, page_cache, committed, monkeypatch, django_assert_num_queries
):
    """Kept under the tags of the published set: one query (the frameworks'
    latest change) once warm, and a framework published since is counted."""
    from pages.sitemaps import FrameworkSitemap

    monkeypatch.setattr(FrameworkSitemap, "limit", 6)  # 50,000 in production
    client.get("/sitemap.xml")
    with django_assert_num_queries(1):  # the frameworks' latest change
        index = client.get("/sitemap.xml").content.decode()
    assert re.findall(r"/sitemap-frameworks\.xml(?:\?p=(\d+))?</loc>", index) == ["", "2", "3"]
    committed(FrameworkFactory)
    index = client.get("/sitemap.xml").content.decode()
    assert re.findall(r"/sitemap-frameworks\.xml(?:\?p=(\d+))?</loc>", index) == ["", "2", "3", "4"]
    assert client.get("/sitemap-frameworks.xml?p=4").content.decode().count("<url>") == 1


# --- query budgets ---------------------------------------------------------


def build_set(count, procons_per_framework):
    criteria = [CriterionFactory(question="Ships it?") for _ in range(3)]
    frameworks = []
    for index in range(count):
        framework = FrameworkFactory(slug=f"fw{index}", github_stars=index * 10)
        for criterion in criteria:
            AssessmentFactory(framework=framework, criterion=criterion, verdict="yes")
        ProConFactory.create_batch(procons_per_framework, framework=framework)
        ProConFactory.create_batch(procons_per_framework, framework=framework, kind=ProCon.Kind.CON)
        frameworks.append(framework)
    for framework in frameworks:
        framework.alternatives.add(FrameworkFactory())
        framework.integrations.add(FrameworkFactory())
    DecisionFactory(frameworks=frameworks).criteria.set(criteria)  # cited in the rows
    # A related curated comparison sharing the first framework.
    ComparisonFactory(frameworks=[frameworks[0], FrameworkFactory()])
    return frameworks


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("curated", [False, True])
def test_comparison_page_query_count_is_constant(client, django_assert_max_num_queries, curated):
    small = build_set(2, 5)
    url_small = "/compare/fw0-vs-fw1/"
    if curated:
        comparison = ComparisonFactory(frameworks=small)
        DifferenceFactory(comparison=comparison)
    baseline = count_queries(client, url_small)

    ProCon.objects.all().delete()
    for framework in small:
        ProConFactory.create_batch(30, framework=framework)
    more = [FrameworkFactory(slug="fw2"), FrameworkFactory(slug="fw3")]
    for framework in more:
        for criterion in Criterion.objects.all():
            AssessmentFactory(framework=framework, criterion=criterion, verdict="no")
        ProConFactory.create_batch(30, framework=framework)
        framework.alternatives.add(FrameworkFactory())
        framework.integrations.add(FrameworkFactory())
    for framework in [*small, *more]:  # health rows: series, advisories, signals
        for minor in range(5):
            series = ReleaseSeries.objects.create(
                framework=framework,
                name=f"1.{minor}",
                latest=f"1.{minor}.3",
                security_ends="2030-01-01",
                source="endoflife.date",
                advisories_checked_on="2026-11-01",
            )
            Advisory.objects.create(series=series, osv_id=f"GHSA-{minor}", severity="high")
        for kind in HealthSignal.Kind.values:
            HealthSignal.objects.create(
                framework=framework,
                kind=kind,
                value=7,
                source="test",
                as_of="2026-11-01",
                checked_on="2026-11-01",
            )
    DecisionFactory(frameworks=[*small, *more])
    url_large = "/compare/fw0-vs-fw1-vs-fw2-vs-fw3/"
    if curated:
        comparison = ComparisonFactory(frameworks=[*small, *more])
        DifferenceFactory(comparison=comparison)
    assert count_queries(client, url_large) == baseline
    # The frameworks, the categories (breadcrumb), curated and related
    # comparisons with their frameworks (+ the curated one's differences),
    # the star history, the assessments with their criteria, integrations,
    # alternatives, decisions with their frameworks, the decisions citing
    # each criterion, the holes' current counts and pros and cons, and the
    # health rows (release series with their advisory counts, health signals).
    expected = 16 if curated else 15
    with django_assert_max_num_queries(expected):
        client.get(url_large)


def test_member_vote_state_costs_one_query(member_client):
    build_set(2, 5)
    url = "/compare/fw0-vs-fw1/"
    anonymous = count_queries(Client(), url)
    signed_in = count_queries(member_client, url)
    # session + user + the member's votes and follows on the page + whether they watch it
    assert signed_in == anonymous + 5


@pytest.mark.parametrize(
    "url",
    ["/", "/compare/", "/frameworks/", "/frameworks/fw0/", "/categories/category-fw/"],
)
def test_other_pages_query_count_is_constant(client, url):
    frameworks = build_set(2, 5)
    category = frameworks[0].category
    category.slug = "category-fw"
    category.save()
    small = count_queries(client, url)
    for framework in frameworks:
        ProConFactory.create_batch(100, framework=framework)
        FrameworkFactory(category=category)
        ComparisonFactory(frameworks=[framework, FrameworkFactory(category=category)])
    assert count_queries(client, url) == small


def test_structured_data_describes_the_compared_frameworks(client, demo):
    def json_ld(url):
        html = client.get(url).content.decode()
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        return json.loads(block.group(1))

    comparison = json_ld("/compare/django-vs-flask/")
    assert comparison["@type"] == "WebPage"
    assert [item["name"] for item in comparison["about"]] == ["Django", "Flask"]
    crumbs = comparison["breadcrumb"]["itemListElement"]
    assert crumbs[-1]["item"] == "http://testserver/compare/django-vs-flask/"
    framework = json_ld("/frameworks/flask/")
    assert framework["@type"] == "SoftwareApplication"
    assert framework["license"] == "BSD-3-Clause"

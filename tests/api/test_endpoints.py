"""/api/v1/: what each endpoint answers."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comparison.models import Criterion, compare_path
from frameworks.models import Framework, ProCon
from members import services as members
from tests.factories import (
    AssessmentFactory,
    CategoryFactory,
    ComparisonFactory,
    CriterionFactory,
    FrameworkFactory,
    ProConFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_frameworks_lists_the_published_catalogue_by_name(client, demo):
    Framework.objects.filter(slug="bottle").update(is_published=False)
    data = client.get("/api/v1/frameworks/").json()
    published = list(Framework.objects.published().order_by("name").values_list("slug", flat=True))
    assert data["count"] == len(published)
    assert [f["slug"] for f in data["results"]] == published
    assert "bottle" not in published
    django = next(f for f in data["results"] if f["slug"] == "django")
    source = Framework.objects.get(slug="django")
    assert django["statistics"]["github_stars"] == source.github_stars
    assert django["statistics"]["votes"] == source.votes
    assert django["statistics_as_of"] == source.stats_as_of.isoformat()
    assert django["category"]["slug"] == source.category.slug
    assert django["api_url"] == "http://testserver/api/v1/frameworks/django/"


def test_frameworks_take_the_catalogues_filters(client, demo):
    python = client.get("/api/v1/frameworks/?language=Python&sort=-stars").json()["results"]
    assert python and all(f["language"] == "Python" for f in python)
    stars = [f["statistics"]["github_stars"] for f in python]
    known = [s for s in stars if s is not None]
    assert known == sorted(known, reverse=True)
    assert stars[: len(known)] == known, "unknown statistics sort last"
    lower = client.get("/api/v1/frameworks/?language=python&sort=-stars").json()["results"]
    assert lower == python
    micro = client.get("/api/v1/frameworks/?category=microframeworks").json()["results"]
    assert "flask" in {f["slug"] for f in micro}
    assert "django" not in {f["slug"] for f in micro}
    found = client.get("/api/v1/frameworks/?q=flask").json()["results"]
    assert "flask" in {f["slug"] for f in found}


def walk(client, url, link="next"):
    """The pages of a list, following its ``next`` (or ``previous``) links."""
    pages = []
    while url:
        data = client.get(url).json()
        pages.append(data)
        url = data[link]
    return pages


def test_frameworks_are_paginated_by_cursor(client):
    FrameworkFactory.create_batch(5)
    pages = walk(client, "/api/v1/frameworks/?page_size=2")
    assert [len(p["results"]) for p in pages] == [2, 2, 1]
    assert {p["count"] for p in pages} == {5}
    assert pages[0]["previous"] is None
    assert pages[0]["next"].startswith("http://testserver/api/v1/frameworks/?cursor=n.")
    assert pages[0]["next"].endswith("&page_size=2")
    seen = [f["slug"] for p in pages for f in p["results"]]
    assert seen == list(Framework.objects.order_by("name").values_list("slug", flat=True))
    # Back from the last page: the same pages, in reverse.
    back = walk(client, pages[-1]["previous"], link="previous")
    assert [f["slug"] for p in reversed(back) for f in p["results"]] == seen[:4]


def test_filters_and_sort_are_kept_across_cursor_pages(client):
    for stars in (10, None, 30, 20, None):
        FrameworkFactory(language="Python", github_stars=stars)
    FrameworkFactory(language="Go", github_stars=99)
    pages = walk(client, "/api/v1/frameworks/?language=Python&sort=-stars&page_size=2")
    stars = [f["statistics"]["github_stars"] for p in pages for f in p["results"]]
    assert stars == [30, 20, 10, None, None]  # unknown last, the Go one never
    assert all("language=Python" in p["next"] for p in pages[:-1])


def test_one_framework_with_its_cells_pros_cons_and_comparisons(client, demo):
    data = client.get("/api/v1/frameworks/flask/").json()
    flask = Framework.objects.get(slug="flask")
    assert data["name"] == "Flask"
    assert data["description"] == flask.description
    assert [c["slug"] for c in data["category_path"]][-1] == flask.category.slug
    cell = flask.assessments.exclude(source_url="").select_related("criterion").first()
    exported = next(a for a in data["assessments"] if a["criterion"] == cell.criterion.slug)
    assert exported["summary"] == cell.summary
    assert exported["source_url"] == cell.source_url
    cons = ProCon.objects.approved().filter(framework=flask, kind="con")
    assert {(c["text"], c["votes"]) for c in data["cons"]} == {
        (c.text, c.votes_count) for c in cons
    }
    assert "django" in {a["slug"] for a in data["alternatives"]}
    assert "django-vs-flask" in {c["slug"] for c in data["comparisons"]}


def test_followers_and_stacks_are_one_number_in_the_api_the_page_and_the_export(client):
    """Shown = the curated figure plus this site's members (``with_members``),
    wherever a framework's followers and stacks are printed."""
    framework = FrameworkFactory(followers=40, stacks=30)
    other = FrameworkFactory()
    first, second = UserFactory.create_batch(2)
    members.toggle_follow(user=first, framework_id=framework.pk)
    members.add_to_stack(user=first, framework_id=framework.pk)
    members.add_to_stack(user=second, framework_id=framework.pk)
    shown = {"followers": 41, "stacks": 32}

    detail = client.get(f"/api/v1/frameworks/{framework.slug}/").json()["statistics"]
    listed = client.get("/api/v1/frameworks/").json()["results"]
    listed = next(f for f in listed if f["slug"] == framework.slug)["statistics"]
    export = client.get(compare_path([framework, other]).rstrip("/") + ".json").json()
    exported = next(f for f in export["frameworks"] if f["slug"] == framework.slug)
    page = client.get(framework.get_absolute_url()).content.decode()
    followers = rf'data-figure="framework-{framework.pk}-followers">(\d+)<'
    on_page = {
        "followers": int(re.search(followers, page)[1]),
        "stacks": int(re.search(r"<dt>Stacks</dt><dd>(\d+)", page)[1]),
    }

    for statistics in (detail, listed, exported["statistics"], on_page):
        assert {key: statistics[key] for key in shown} == shown


def test_an_unknown_framework_is_a_json_404(client, demo):
    response = client.get("/api/v1/frameworks/nosuch/")
    assert response.status_code == 404
    assert "nosuch" in response.json()["error"]
    assert response.json()["suggestions"] == []


def test_a_misspelt_framework_is_a_json_404_with_suggestions(client, demo):
    response = client.get("/api/v1/frameworks/flsk/")
    assert response.status_code == 404
    assert response.json()["suggestions"] == ["flask"]


def test_criteria_in_table_order(client, demo):
    data = client.get("/api/v1/criteria/").json()
    assert [c["slug"] for c in data["results"]] == list(
        Criterion.objects.values_list("slug", flat=True)
    )
    assert {"slug", "name", "description", "question", "position"} <= set(data["results"][0])


def test_comparisons_lists_the_curated_ones(client, demo):
    data = client.get("/api/v1/comparisons/").json()
    by_slug = {c["slug"]: c for c in data["results"]}
    curated = by_slug["django-vs-flask"]
    assert [f["slug"] for f in curated["frameworks"]] == ["django", "flask"]
    assert curated["api_url"] == "http://testserver/api/v1/comparisons/django-vs-flask/"
    assert curated["exports"]["csv"] == "http://testserver/compare/django-vs-flask.csv"


def test_any_set_of_frameworks_is_the_pages_export(client, demo):
    api = client.get("/api/v1/comparisons/bottle-vs-django-vs-flask/")
    export = client.get("/compare/bottle-vs-django-vs-flask.json")
    assert api.status_code == 200
    assert api.json() == export.json()
    assert api.json()["curated"] is False


def test_another_order_redirects_to_the_canonical_api_address(client, demo):
    response = client.get("/api/v1/comparisons/flask-vs-django/?only=differences")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/comparisons/django-vs-flask/?only=differences"


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        ("django-vs-flsk", "flsk"),
        ("django", "at least 2"),
        ("a-vs-b-vs-c-vs-d-vs-e", "at most 4"),
        ("django-vs-django", "more than once"),
    ],
)
def test_a_bad_set_is_a_json_404_with_suggestions(client, demo, slugs, message):
    response = client.get(f"/api/v1/comparisons/{slugs}/")
    assert response.status_code == 404
    assert message in response.json()["error"]
    if slugs == "django-vs-flsk":
        assert response.json()["suggestions"] == {"flsk": ["flask"]}


def test_the_root_names_the_endpoints(client):
    data = client.get("/api/v1/").json()
    assert data["frameworks"] == "http://testserver/api/v1/frameworks/"
    assert data["documentation"] == "http://testserver/api/"


def test_the_schema_page_documents_every_endpoint(client):
    response = client.get("/api/")
    assert response.status_code == 200
    html = response.content.decode()
    for path in (
        "/api/v1/frameworks/",
        "/api/v1/frameworks/&lt;slug&gt;/",
        "/api/v1/criteria/",
        "/api/v1/comparisons/",
        "If-None-Match",
        "429",
        "page_size",
        "http://testserver/compare/django-vs-flask.csv",
    ):
        assert path in html
    assert "<title>Open data API · StackCompare</title>" in html


# --- Query counts: constant in the data size -------------------------------


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:200])
    return len(captured)


def grow(times):
    category = CategoryFactory()
    criteria = CriterionFactory.create_batch(times)
    frameworks = []
    for _ in range(times):
        framework = FrameworkFactory(category=category, github_stars=10)
        ProConFactory.create_batch(3, framework=framework)
        for criterion in criteria:
            AssessmentFactory(framework=framework, criterion=criterion)
        frameworks.append(framework)
    for index in range(0, len(frameworks) - 1, 2):
        ComparisonFactory(frameworks=frameworks[index : index + 2])


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/frameworks/",
        "/api/v1/frameworks/?language=Python&sort=-votes&q=frame",
        "/api/v1/criteria/",
        "/api/v1/comparisons/",
    ],
)
def test_list_endpoints_run_a_fixed_number_of_queries(client, url):
    grow(2)
    small = queries(client, url)
    grow(8)
    assert queries(client, url) == small
    assert small <= 6


def test_framework_detail_runs_a_fixed_number_of_queries(client):
    grow(2)
    slug = Framework.objects.first().slug
    small = queries(client, f"/api/v1/frameworks/{slug}/")
    framework = Framework.objects.get(slug=slug)
    ProConFactory.create_batch(10, framework=framework)
    for criterion in CriterionFactory.create_batch(5):
        AssessmentFactory(framework=framework, criterion=criterion)
    for _ in range(3):
        ComparisonFactory(frameworks=[framework, FrameworkFactory()])
        framework.alternatives.add(FrameworkFactory())
    assert queries(client, f"/api/v1/frameworks/{slug}/") == small

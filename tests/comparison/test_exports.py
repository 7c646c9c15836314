"""/compare/<slugs>.json and .csv: exactly the table of the comparison page."""

import csv
import io

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from comparison.exports import neutralise
from comparison.models import Assessment
from frameworks import services
from frameworks.models import Framework, ProCon
from tests.factories import (
    AssessmentFactory,
    CriterionFactory,
    FrameworkFactory,
    ProConFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def rows_of(response):
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff"), "a byte order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def test_json_export_holds_every_cell_of_the_table(client, demo):
    response = client.get("/compare/django-vs-flask.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["title"] == "Django vs Flask"
    assert document["curated"] is True
    assert document["url"] == "http://testserver/compare/django-vs-flask/"
    assert [f["slug"] for f in document["frameworks"]] == ["django", "flask"]

    django = Framework.objects.get(slug="django")
    flask = Framework.objects.get(slug="flask")
    exported = document["frameworks"][0]
    assert exported["statistics"]["github_stars"] == django.github_stars
    assert exported["statistics_as_of"] == django.stats_as_of.isoformat()
    # Flask's stars are unknown: null, never 0.
    assert document["frameworks"][1]["statistics"]["github_stars"] == flask.github_stars

    cells = Assessment.objects.filter(framework__in=[django, flask]).select_related("criterion")
    by_slug = {row["slug"]: row for row in document["criteria"]}
    for cell in cells:
        exported = by_slug[cell.criterion.slug]["cells"][cell.framework.slug]
        assert exported["summary"] == cell.summary
        assert exported["verdict"] == (cell.verdict or None)
        assert exported["source_url"] == (cell.source_url or None)
        assert exported["checked_on"] == (cell.checked_on.isoformat() if cell.checked_on else None)

    pros = (
        ProCon.objects.approved()
        .filter(framework=flask, kind="pro")
        .order_by("-votes_count", "text")
    )
    flask_procons = document["pros_and_cons"]["flask"]
    assert flask_procons["pros_count"] == pros.count()
    assert [(p["text"], p["votes"]) for p in flask_procons["pros"]] == [
        (p.text, p.votes_count) for p in pros
    ]
    assert document["overview"]["differences"], "a curated comparison's differences"


def test_csv_export_is_one_row_per_cell_with_a_header(client, demo):
    response = client.get("/compare/django-vs-flask.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="django-vs-flask.csv"'
    rows = rows_of(response)
    assert rows[0] == ["section", "item", "framework", "value", "text", "source", "date"]
    django = Framework.objects.get(slug="django")
    assert ["statistic", "GitHub stars", "Django", str(django.github_stars), "", "",
            django.stats_as_of.isoformat()] in rows  # fmt: skip
    cell = Assessment.objects.filter(framework=django).exclude(source_url="").first()
    criterion_rows = [r for r in rows if r[0] == "criterion" and r[1] == cell.criterion.name]
    assert [r[2] for r in criterion_rows] == ["Django", "Flask"]
    assert criterion_rows[0][4] == cell.summary
    assert criterion_rows[0][5] == cell.source_url
    top = ProCon.objects.approved().filter(framework=django, kind="pro").first()
    assert ["pro", top.text, "Django", str(top.votes_count), top.detail, "", ""] in rows
    assert {r[0] for r in rows[1:]} >= {"framework", "statistic", "criterion", "pro", "con"}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_start_like_a_formula_are_neutralised(client, start):
    left = FrameworkFactory(slug="left", name=f"{start}Left")
    right = FrameworkFactory(slug="right")
    criterion = CriterionFactory()
    payload = f'{start}HYPERLINK("http://evil.example","x")'
    AssessmentFactory(framework=left, criterion=criterion, summary=payload)
    AssessmentFactory(framework=right, criterion=criterion, summary="Plain text")
    ProConFactory(framework=left, text=f"{start}1+1")

    rows = rows_of(client.get("/compare/left-vs-right.csv"))

    cells = [cell for row in rows for cell in row]
    assert "'" + payload in cells
    assert f"'{start}1+1" in cells
    assert f"'{start}Left" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "Plain text" in cells  # everything else untouched


def test_neutralise_leaves_numbers_and_plain_text_alone():
    assert neutralise(42) == 42
    assert neutralise("") == ""
    assert neutralise("Fast – really") == "Fast – really"
    assert neutralise("-1") == "'-1"


def test_a_non_canonical_address_redirects_to_the_canonical_export(client, demo):
    response = client.get("/compare/flask-vs-django.csv?only=differences")
    assert response.status_code == 301
    assert response["Location"] == "/compare/django-vs-flask.csv?only=differences"
    response = client.get("/compare/FLASK-vs-Django.json")
    assert response.status_code == 301
    assert response["Location"] == "/compare/django-vs-flask.json"


def test_only_differences_exports_the_filtered_table(client, demo):
    full = client.get("/compare/django-vs-flask.json").json()
    only = client.get("/compare/django-vs-flask.json?only=differences").json()
    assert only["only_differences"] is True
    assert all(row["differs"] for row in only["criteria"])
    assert len(only["criteria"]) <= len(full["criteria"])


@pytest.mark.parametrize(
    "url",
    [
        "/compare/django-vs-flask.xml",
        "/compare/django-vs-flask.JSON",
        "/compare/django-vs-nosuch.json",
        "/compare/django.json",
        "/compare/django-vs-flask-vs-django.csv",
    ],
)
def test_an_unknown_format_or_address_is_a_404_page(client, demo, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_page_links_its_exports_in_a_header(client, demo):
    response = client.get("/compare/django-vs-flask/")
    assert (
        '</compare/django-vs-flask.json>; rel="alternate"; type="application/json"'
        in (response["Link"])
    )
    assert '</compare/django-vs-flask.csv>; rel="alternate"; type="text/csv"' in response["Link"]


def test_exports_are_cached_like_pages_and_a_vote_reaches_them(demo, page_cache, committed):
    reader = Client()
    for url in ("/compare/django-vs-flask.json", "/compare/django-vs-flask.csv"):
        assert reader.get(url)["X-Cache"] == "miss"
        assert reader.get(url)["X-Cache"] == "hit"
    item = ProCon.objects.approved().filter(framework__slug="flask").first()
    votes, _ = committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)

    response = reader.get("/compare/django-vs-flask.json")
    assert response["X-Cache"] == "miss"
    texts = {p["text"]: p["votes"] for p in response.json()["pros_and_cons"]["flask"]["pros"]}
    texts.update({p["text"]: p["votes"] for p in response.json()["pros_and_cons"]["flask"]["cons"]})
    assert texts[item.text] == votes
    assert reader.get("/compare/django-vs-flask.csv")["X-Cache"] == "miss"
    # A comparison without Flask is not touched.
    assert reader.get("/compare/django-vs-laravel-vs-nodejs.json")["X-Cache"] == "miss"
    assert reader.get("/compare/django-vs-laravel-vs-nodejs.json")["X-Cache"] == "hit"


def test_unknown_query_parameters_redirect_like_the_page(client, demo):
    response = client.get("/compare/django-vs-flask.json?utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == "/compare/django-vs-flask.json"


def test_export_query_count_does_not_grow_with_the_data(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    left, right = FrameworkFactory(slug="left"), FrameworkFactory(slug="right")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/compare/left-vs-right.json").status_code == 200
        return len(queries)

    small = count()
    for framework in (left, right):
        ProConFactory.create_batch(20, framework=framework)
        for criterion in CriterionFactory.create_batch(5):
            AssessmentFactory(framework=framework, criterion=criterion)
    assert count() == small


@given(st.text(max_size=30))
def test_no_neutralised_text_starts_like_a_formula_and_the_text_survives(text):
    cell = neutralise(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


def test_the_comparison_page_links_its_exports(client, demo):
    html = client.get("/compare/django-vs-flask/").content.decode()
    assert 'href="/compare/django-vs-flask.json"' in html
    assert 'href="/compare/django-vs-flask.csv"' in html
    only = client.get("/compare/django-vs-flask/?only=differences").content.decode()
    assert 'href="/compare/django-vs-flask.csv?only=differences"' in only

"""/compare/<slugs>.json and .csv: exactly the table of the comparison page."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from comparison.exports import neutralise
from comparison.models import Assessment
from frameworks import services
from frameworks.models import Framework, ProCon
from stats.models import HealthSignal
from tests.factories import (
    AdvisoryFactory,
    AssessmentFactory,
    CriterionFactory,
    FrameworkFactory,
    ProConFactory,
    ReleaseSeriesFactory,
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

    # The unpinned table shows the current assessments (Django 5.2 and Flask 3.1).
    cells = Assessment.objects.current().filter(framework__in=[django, flask])
    cells = cells.select_related("criterion")
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
    assert rows[0] == [
        "section", "item", "framework", "value", "text", "source", "date", "versions"
    ]  # fmt: skip
    django = Framework.objects.get(slug="django")
    assert ["statistic", "GitHub stars", "Django", str(django.github_stars), "", "",
            django.stats_as_of.isoformat(), ""] in rows  # fmt: skip
    cell = Assessment.objects.filter(framework=django).exclude(source_url="").first()
    criterion_rows = [r for r in rows if r[0] == "criterion" and r[1] == cell.criterion.name]
    assert [r[2] for r in criterion_rows] == ["Django", "Flask"]
    assert criterion_rows[0][4] == cell.summary
    assert criterion_rows[0][5] == cell.source_url
    top = ProCon.objects.approved().filter(framework=django, kind="pro").first()
    assert ["pro", top.text, "Django", str(top.votes_count), top.detail, "", "", ""] in rows
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


# --- Health rows and release series (issue 31) ------------------------------


@pytest.fixture
def with_health():
    """Two frameworks: one with a Scorecard and an LTS series, one with nothing."""
    today = timezone.localdate()
    left = FrameworkFactory(slug="left", name="Left", latest_version="2.1.0")
    FrameworkFactory(slug="right", name="Right")
    ReleaseSeriesFactory(
        framework=left,
        name="2.1",
        latest="2.1.0",
        lts=True,
        security_ends=dt.date(2099, 4, 1),
        checked_on=today,
        advisories_checked_on=today,
    )
    HealthSignal.objects.create(
        framework=left,
        kind="scorecard",
        value=Decimal("6.5"),
        source="OpenSSF Scorecard",
        source_url="https://scorecard.dev/viewer/?uri=github.com/x/left",
        as_of=dt.date(2026, 12, 1),
        checked_on=today,
    )
    return left


def test_json_export_has_a_health_row_per_signal_and_each_frameworks_series(client, with_health):
    document = client.get("/compare/left-vs-right.json").json()
    rows = {row["key"]: row for row in document["health"]}
    assert list(rows) == ["cadence", "latest", "support", "advisories", "scorecard", "commit"]
    scorecard = rows["scorecard"]
    assert scorecard["label"] == "OpenSSF Scorecard" and scorecard["why"]
    assert scorecard["cells"]["left"]["value"] == {"score": 6.5, "out_of": 10, "checks": []}
    assert scorecard["cells"]["left"]["source_url"].startswith("https://scorecard.dev/")
    assert scorecard["cells"]["left"]["as_of"] == "2026-12-01"
    assert scorecard["cells"]["right"]["value"] is None, "unknown, never 0"
    assert rows["advisories"]["cells"]["left"]["value"]["counts"]["high"] == 0
    left, right = document["frameworks"]
    (series,) = left["release_series"]
    assert series["name"] == "2.1" and series["security_ends"] == "2099-04-01"
    assert "items" not in series["advisories"], "the table reads counts, not the list"
    assert right["release_series"] == []


def test_csv_export_has_one_row_per_health_signal_and_series(client, with_health):
    rows = rows_of(client.get("/compare/left-vs-right.csv"))
    health = [r for r in rows if r[0] == "health"]
    assert len(health) == 6 * 2
    source = "https://scorecard.dev/viewer/?uri=github.com/x/left"
    assert ["health", "OpenSSF Scorecard", "Left", "6.5 / 10", "OpenSSF Scorecard", source,
            "2026-12-01", ""] in health  # fmt: skip
    assert ["health", "OpenSSF Scorecard", "Right", "", "Unknown", "", "", ""] in health
    assert [r[2] for r in health if r[1] == "Latest release"] == ["Left", "Right"]
    (series,) = [r for r in rows if r[0] == "release series"]
    assert series[:4] == ["release series", "2.1", "Left", "2.1.0"]
    assert series[4] == "LTS; active support: end unknown; security fixes until 2099-04-01"
    assert series[5] == "https://endoflife.date/django"


def test_export_queries_stay_flat_with_more_series_and_advisories(client, with_health):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/compare/left-vs-right.json").status_code == 200
        return len(queries)

    small = count()
    for name in ("1.0", "1.1", "2.0"):
        series = ReleaseSeriesFactory(framework=with_health, name=name)
        AdvisoryFactory.create_batch(3, series=series)
    assert count() == small

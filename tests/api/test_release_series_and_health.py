"""/api/v1/frameworks/<slug>/ and /api/v1/comparisons/<slugs>/: the release
series with their advisories and the health signals, each with its source
(issue 31). Unknown is null, never 0; dates ISO; versions text."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from stats.models import HealthSignal
from tests.api.test_endpoints import queries
from tests.factories import AdvisoryFactory, FrameworkFactory, ReleaseSeriesFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
KEYS = ["cadence", "latest", "support", "advisories", "scorecard", "commit"]


@pytest.fixture
def tracked():
    """A framework with a supported LTS series carrying one advisory, an
    ended one, a cadence and a Scorecard."""
    framework = FrameworkFactory(
        slug="tracked",
        latest_version="5.2.8",
        latest_release_at=timezone.now(),
        github_repo="example/tracked",
        pushed_at=timezone.now(),
    )
    current = ReleaseSeriesFactory(
        framework=framework,
        name="5.2",
        released=dt.date(2025, 4, 2),
        latest="5.2.8",
        latest_released=dt.date(2025, 11, 5),
        lts=True,
        support_ends=TODAY + dt.timedelta(days=30),
        security_ends=TODAY + dt.timedelta(days=800),
        language_versions="3.10-3.14",
        checked_on=TODAY,
        advisories_checked_on=TODAY,
    )
    ReleaseSeriesFactory(
        framework=framework,
        name="4.2",
        released=dt.date(2023, 4, 3),
        security_ends=TODAY - dt.timedelta(days=10),
    )
    AdvisoryFactory(
        series=current,
        osv_id="GHSA-aaaa-bbbb-cccc",
        severity="high",
        published=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    for kind, value, details in (
        ("cadence", Decimal("12.5"), {"releases": 40}),
        ("scorecard", Decimal("7.3"), {"checks": [
            {"name": "Fuzzing", "score": 0, "reason": "not fuzzed", "url": "https://x.test/f"}
        ]}),
    ):  # fmt: skip
        HealthSignal.objects.create(
            framework=framework,
            kind=kind,
            value=value,
            details=details,
            source="PyPI" if kind == "cadence" else "OpenSSF Scorecard",
            source_url="https://scorecard.dev/",
            as_of=TODAY,
            checked_on=TODAY,
        )
    return framework


def test_a_framework_carries_its_series_with_advisories_and_its_signals(client, tracked):
    data = client.get("/api/v1/frameworks/tracked/").json()
    current, ended = data["release_series"]
    assert current == {
        "name": "5.2",
        "released": "2025-04-02",
        "latest": "5.2.8",
        "latest_released": "2025-11-05",
        "lts": True,
        "support_ends": (TODAY + dt.timedelta(days=30)).isoformat(),
        "security_ends": (TODAY + dt.timedelta(days=800)).isoformat(),
        "ended": False,
        "past_support": False,
        "language_versions": "3.10-3.14",
        "source": "endoflife.date",
        "source_url": "https://endoflife.date/django",
        "checked_on": TODAY.isoformat(),
        "advisories": {
            "checked_on": TODAY.isoformat(),
            "counts": {"critical": 0, "high": 1, "moderate": 0, "low": 0, "unknown": 0},
            "latest_published": "2026-11-01T00:00:00+00:00",
            "source_url": "https://osv.dev/",
            "items": [
                {
                    "id": "GHSA-aaaa-bbbb-cccc",
                    "severity": "high",
                    "published": "2026-11-01T00:00:00+00:00",
                    "summary": "A vulnerability for tests.",
                    "url": "https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc",
                }
            ],
        },
    }
    assert ended["name"] == "4.2" and ended["past_support"] is True

    health = {s["key"]: s for s in data["health"]}
    assert [s["key"] for s in data["health"]] == KEYS
    assert health["cadence"]["value"] == {"median_days": 12.5, "releases": 40}
    assert health["latest"]["value"] == "5.2.8"
    assert health["support"]["value"] == {
        "supported": ["5.2"],
        "next_end": {
            "series": "5.2",
            "ends": "active support",
            "on": (TODAY + dt.timedelta(days=30)).isoformat(),
        },
    }
    assert health["support"]["attention"] is True, "support ends within 90 days"
    assert health["advisories"]["value"]["counts"]["high"] == 1
    assert health["advisories"]["details"][0]["url"].endswith("/GHSA-aaaa-bbbb-cccc")
    scorecard = health["scorecard"]
    assert scorecard["value"]["score"] == 7.3
    assert scorecard["value"]["checks"][0]["reason"] == "not fuzzed"
    assert scorecard["source"] == "OpenSSF Scorecard"
    assert scorecard["source_url"] == "https://scorecard.dev/"
    assert scorecard["as_of"] == TODAY.isoformat()
    assert scorecard["text"] == "7.3 / 10" and scorecard["why"]


def test_unknown_is_null_never_zero(client):
    framework = FrameworkFactory(slug="bare")
    ReleaseSeriesFactory(framework=framework, name="1.0", source_url="")
    data = client.get("/api/v1/frameworks/bare/").json()
    (series,) = data["release_series"]
    for key in ("released", "latest", "latest_released", "support_ends", "security_ends",
                "language_versions", "source_url", "checked_on"):  # fmt: skip
        assert series[key] is None, key
    assert series["past_support"] is False, "an unknown end never counts as ended"
    assert series["advisories"]["counts"] is None, "OSV never asked: unknown, not none"
    assert [s["key"] for s in data["health"]] == KEYS
    for signal in data["health"]:
        assert signal["value"] is None and signal["text"] is None, signal["key"]
        assert signal["as_of"] is None and signal["source"] is None
        assert signal["why"]


def test_a_version_is_text_as_given(client):
    framework = FrameworkFactory(slug="texty", latest_version="3.10")
    ReleaseSeriesFactory(framework=framework, name="3.10", latest="3.10")
    data = client.get("/api/v1/frameworks/texty/").json()
    assert data["release_series"][0]["name"] == "3.10"
    assert {s["key"]: s["value"] for s in data["health"]}["latest"] == "3.10"


def test_detail_queries_stay_flat_with_more_series_and_advisories(client, tracked):
    small = queries(client, "/api/v1/frameworks/tracked/")
    for name in ("3.2", "4.0", "4.1", "5.0", "5.1"):
        series = ReleaseSeriesFactory(framework=tracked, name=name, advisories_checked_on=TODAY)
        AdvisoryFactory.create_batch(3, series=series)
    assert queries(client, "/api/v1/frameworks/tracked/") == small


def test_the_comparison_carries_health_rows_per_framework(client, tracked):
    other = FrameworkFactory(slug="other")
    data = client.get("/api/v1/comparisons/other-vs-tracked/").json()
    assert [row["key"] for row in data["health"]] == KEYS
    cadence = data["health"][0]["cells"]
    assert cadence["tracked"]["value"] == {"median_days": 12.5, "releases": 40}
    assert cadence["other"]["value"] is None
    frameworks = {f["slug"]: f for f in data["frameworks"]}
    assert [s["name"] for s in frameworks["tracked"]["release_series"]] == ["5.2", "4.2"]
    assert frameworks[other.slug]["release_series"] == []


def test_a_new_series_changes_the_cached_answer_and_its_etag(tracked, page_cache, committed):
    reader = Client()
    url = "/api/v1/frameworks/tracked/"
    before = reader.get(url)
    assert reader.get(url, headers={"If-None-Match": before["ETag"]}).status_code == 304
    committed(ReleaseSeriesFactory, framework=tracked, name="6.0", released=TODAY)
    after = reader.get(url, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200, "the old ETag no longer matches"
    assert after["ETag"] != before["ETag"]
    assert "6.0" in [s["name"] for s in after.json()["release_series"]]


def test_the_list_names_the_latest_and_supported_series_only(client, tracked):
    FrameworkFactory(slug="untracked")
    results = {f["slug"]: f for f in client.get("/api/v1/frameworks/").json()["results"]}
    assert results["tracked"]["latest_series"] == "5.2"
    assert results["tracked"]["supported_series"] == ["5.2"], "4.2 is past its support"
    assert results["untracked"]["latest_series"] is None
    assert results["untracked"]["supported_series"] is None, "unknown, not none supported"
    assert "release_series" not in results["tracked"] and "health" not in results["tracked"]


def test_list_queries_stay_flat_with_more_series(client, tracked):
    small = queries(client, "/api/v1/frameworks/")
    for _ in range(3):
        framework = FrameworkFactory()
        for name in ("1.0", "2.0"):
            series = ReleaseSeriesFactory(framework=framework, name=name, security_ends=TODAY)
            AdvisoryFactory.create_batch(2, series=series)
    assert queries(client, "/api/v1/frameworks/") == small


def test_a_new_series_reaches_the_cached_list(tracked, page_cache, committed):
    reader = Client()
    reader.get("/api/v1/frameworks/")
    assert reader.get("/api/v1/frameworks/")["X-Cache"] == "hit"
    committed(ReleaseSeriesFactory, framework=tracked, name="6.0", released=TODAY,
              security_ends=TODAY + dt.timedelta(days=900))  # fmt: skip
    listed = reader.get("/api/v1/frameworks/")
    assert listed["X-Cache"] == "miss"
    assert listed.json()["results"][0]["supported_series"] == ["6.0", "5.2"]

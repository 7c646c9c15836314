"""sync_stats' release series, OSV advisories and health signals, against
the local fake of endoflife.date, PyPI, npm, OSV and OpenSSF Scorecard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from stats.models import Advisory, HealthSignal, ReleaseSeries
from stats.releases import cadence, series_from_releases
from tests.factories import FrameworkFactory
from tests.fakeapi import Package, Reply, Vuln, sync

pytestmark = pytest.mark.django_db

DJANGO_CYCLES = [
    {
        "cycle": "5.2",
        "releaseDate": "2025-04-02",
        "eol": "2028-04-30",
        "latest": "5.2.8",
        "latestReleaseDate": "2025-11-05",
        "lts": True,
        "support": "2025-12-31",
        "supportedPythonVersions": "3.10 - 3.14",
    },
    {
        "cycle": "4.2",
        "releaseDate": "2023-04-03",
        "eol": "2026-04-30",
        "latest": "4.2.26",
        "latestReleaseDate": "2025-11-05",
        "lts": True,
        "support": "2023-12-04",
    },
    {
        "cycle": "1.11",
        "releaseDate": "2017-04-04",
        "eol": True,
        "latest": "1.11.29",
        "latestReleaseDate": "2020-03-04",
        "lts": True,
        "support": False,
    },
]


@pytest.fixture
def django_fw(fake_apis):
    fake_apis.add_repo("django/django")
    fake_apis.pypi["Django"] = Package(
        "5.2.8",
        "2025-11-05T09:00:00Z",
        earlier={
            "5.2": "2025-04-02T10:00:00Z",
            "5.2.7": "2025-10-01T10:00:00Z",
            "5.2.6": "2025-09-03T10:00:00Z",
            "6.0b1": "2025-10-22T10:00:00Z",  # a pre-release: no series, no cadence
        },
    )
    fake_apis.endoflife["django"] = DJANGO_CYCLES
    fake_apis.add_scorecard("django/django", score=7.3)
    return FrameworkFactory(
        slug="django",
        name="Django",
        github_repo="django/django",
        pypi_project="Django",
        endoflife_product="django",
    )


@pytest.fixture
def flask_fw(fake_apis):
    fake_apis.pypi["Flask"] = Package(
        "3.1.2",
        "2025-08-19T21:00:00Z",
        earlier={
            "3.0.0": "2023-09-30T14:00:00Z",
            "3.0.3": "2024-04-07T19:00:00Z",
            "3.1.0": "2024-11-13T18:00:00Z",
            "3.1.1": "2025-05-13T15:00:00Z",
        },
        requires_python=">=3.9",
    )
    return FrameworkFactory(slug="flask", name="Flask", pypi_project="Flask")


def test_endoflife_series_with_their_support_windows(django_fw):
    out, error = sync()
    assert error is None, out
    series = {s.name: s for s in ReleaseSeries.objects.filter(framework=django_fw)}
    assert set(series) == {"5.2", "4.2", "1.11"}
    new = series["5.2"]
    assert new.released == dt.date(2025, 4, 2)
    assert (new.latest, new.latest_released) == ("5.2.8", dt.date(2025, 11, 5))
    assert new.lts and not new.ended
    assert new.support_ends == dt.date(2025, 12, 31)
    assert new.security_ends == dt.date(2028, 4, 30)
    assert new.language_versions == "3.10 - 3.14"
    assert (new.source, new.source_url) == ("endoflife.date", "https://endoflife.date/django")
    assert new.checked_on == timezone.localdate()
    old = series["1.11"]
    assert old.ended and old.security_ends is None and old.support_ends is None  # no invented date
    assert old.is_past_support()


def test_pypi_release_list_gives_series_and_cadence_when_endoflife_has_no_product(flask_fw):
    out, error = sync()
    assert error is None, out
    series = {s.name: s for s in ReleaseSeries.objects.filter(framework=flask_fw)}
    assert set(series) == {"3.0", "3.1"}
    assert series["3.1"].released == dt.date(2024, 11, 13)
    assert (series["3.1"].latest, series["3.1"].latest_released) == ("3.1.2", dt.date(2025, 8, 19))
    assert series["3.1"].language_versions == "Python >=3.9"
    assert series["3.1"].source == "PyPI release list"
    # Support dates are unknown, never guessed.
    assert series["3.1"].support_ends is None and series["3.1"].security_ends is None


def test_cadence_signal_from_the_release_list(fake_apis):
    def ago(days):
        return (timezone.now() - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    fake_apis.pypi["Bottle"] = Package(
        "0.13.4", ago(10), earlier={"0.13.3": ago(40), "0.13.2": ago(100), "0.12.0": ago(900)}
    )
    fw = FrameworkFactory(slug="bottle", pypi_project="Bottle")
    out, error = sync()
    assert error is None, out
    signal = HealthSignal.objects.get(framework=fw, kind="cadence")
    assert signal.value == Decimal("45.0")  # gaps of 60 and 30 days; 900 days ago is outside
    assert signal.details == {"releases": 3}
    assert (signal.source, signal.checked_on) == ("PyPI release list", timezone.localdate())


def test_npm_release_list_gives_series(fake_apis):
    fake_apis.npm["express"] = Package(
        "5.1.0",
        "2025-03-31T14:00:00Z",
        earlier={"5.0.0": "2024-09-10T00:00:00Z", "4.21.2": "2024-12-05T00:00:00Z"},
    )
    fw = FrameworkFactory(slug="expressjs", npm_package="express")
    out, error = sync()
    assert error is None, out
    names = dict(ReleaseSeries.objects.filter(framework=fw).values_list("name", "latest"))
    assert names == {"5.1": "5.1.0", "5.0": "5.0.0", "4.21": "4.21.2"}


def test_osv_advisories_on_the_latest_patch_of_supported_series(fake_apis, django_fw):
    fake_apis.vulns["GHSA-aaaa-bbbb-cccc"] = Vuln(
        "GHSA-aaaa-bbbb-cccc", severity="HIGH", affects=("PyPI", "Django", ("5.2.8", "4.2.26"))
    )
    fake_apis.vulns["PYSEC-2025-1"] = Vuln(
        "PYSEC-2025-1", severity=None, affects=("PyPI", "Django", ("5.2.8",))
    )
    fake_apis.vulns["GHSA-old1"] = Vuln("GHSA-old1", affects=("PyPI", "Django", ("1.11.29",)))
    out, error = sync()
    assert error is None, out
    new = ReleaseSeries.objects.for_display().get(framework=django_fw, name="5.2")
    assert {(a.osv_id, a.severity) for a in new.advisories.all()} == {
        ("GHSA-aaaa-bbbb-cccc", "high"),
        ("PYSEC-2025-1", "unknown"),  # no severity given: unknown, never "low"
    }
    assert new.advisory_counts() == [("high", 1), ("severity not given", 1)]
    assert new.advisories.get(osv_id="PYSEC-2025-1").get_absolute_url() == (
        "https://osv.dev/vulnerability/PYSEC-2025-1"
    )
    # The unsupported series is not asked about: its advisories stay unknown.
    old = ReleaseSeries.objects.for_display().get(framework=django_fw, name="1.11")
    assert old.advisory_counts() is None
    # Fixed in a new patch: the advisory no longer affects the latest one.
    fake_apis.vulns["GHSA-aaaa-bbbb-cccc"].affects = ("PyPI", "Django", ("4.2.26",))
    sync()
    assert list(new.advisories.values_list("osv_id", flat=True)) == ["PYSEC-2025-1"]


def test_scorecard_keeps_every_check_with_its_reason(fake_apis, django_fw):
    sync()
    signal = HealthSignal.objects.get(framework=django_fw, kind="scorecard")
    assert signal.value == Decimal("7.3")
    assert signal.as_of == dt.date(2026, 11, 30)
    assert signal.details["checks"][1] == {
        "name": "Fuzzing",
        "score": 0,
        "reason": "project is not fuzzed",
        "url": "https://github.com/ossf/scorecard/blob/main/docs/checks.md#fuzzing",
    }


def test_a_repository_scorecard_has_not_scored_is_no_failure_and_no_signal(fake_apis, django_fw):
    del fake_apis.scorecards["django/django"]
    out, error = sync()
    assert error is None, out
    assert not HealthSignal.objects.filter(framework=django_fw, kind="scorecard").exists()


def test_a_curated_series_is_left_as_the_curator_wrote_it(django_fw):
    ReleaseSeries.objects.create(
        framework=django_fw,
        name="5.2",
        released=dt.date(2025, 4, 2),
        security_ends=dt.date(2028, 4, 1),
        source="curator",
        curated=True,
    )
    sync()
    kept = ReleaseSeries.objects.get(framework=django_fw, name="5.2")
    assert kept.security_ends == dt.date(2028, 4, 1) and kept.source == "curator"


def test_second_run_reads_endoflife_and_scorecard_conditionally(fake_apis, django_fw):
    sync()
    fake_apis.log.clear()
    out, error = sync()
    assert error is None, out
    headers = dict(fake_apis.log)
    assert headers["/eol/api/django.json"].get("If-None-Match")
    assert headers["/scorecard/projects/github.com/django/django"].get("If-None-Match")
    # Nothing changed: no history row for the daily "checked" dates.
    assert ReleaseSeries.history.filter(name="5.2").count() == 1


GARBAGE = [
    ("/eol/api/django.json", Reply(200, {"cycle": "5.2"}), "not a list of release cycles"),
    ("/eol/api/django.json", Reply(200, "<html>oops</html>"), "did not answer JSON"),
    (
        "/eol/api/django.json",
        Reply(200, [{**DJANGO_CYCLES[0], "releaseDate": "yesterday"}]),
        "is not a date",
    ),
    (
        "/eol/api/django.json",
        Reply(200, [{**DJANGO_CYCLES[0], "releaseDate": "2999-01-01"}]),
        "not a plausible date",
    ),
    (
        "/eol/api/django.json",
        Reply(200, [{**DJANGO_CYCLES[0], "latest": "<script>alert(1)</script>"}]),
        "not a version",
    ),
    (
        "/eol/api/django.json",
        Reply(200, [{**DJANGO_CYCLES[0], "releaseDate": "2025-12-01"}]),
        "predates its first release",
    ),
    (
        "/eol/api/django.json",
        Reply(200, [{**DJANGO_CYCLES[0], "cycle": 3.10}]),  # a float: 3.1
        "not a version",
    ),
    ("/eol/api/django.json", Reply(size=20_000), "sent more than"),
    ("/eol/api/django.json", Reply(503, {"message": "down"}), "HTTP 503 (3 attempts)"),
    ("/osv/v1/querybatch", Reply(200, {"results": []}), "does not answer each query"),
    (
        "/osv/v1/querybatch",
        Reply(200, {"results": [{"vulns": [{"id": "<b>x</b>"}]}]}),
        "not an OSV id",
    ),
    (
        "/scorecard/projects/github.com/django/django",
        Reply(200, {"date": "2026-11-30", "score": 11, "checks": []}),
        "not between 0 and 10",
    ),
    (
        "/scorecard/projects/github.com/django/django",
        Reply(200, {"date": "2026-11-30", "score": 5, "checks": [{"name": "X", "score": "10"}]}),
        "is not -1 to 10",
    ),
]


@pytest.mark.parametrize(("path", "reply", "reason"), GARBAGE)
def test_garbage_fails_its_source_writes_nothing_and_the_others_go_on(
    fake_apis, settings, django_fw, flask_fw, path, reply, reason
):
    settings.SYNC_MAX_BYTES = 10_000
    fake_apis.override(path, reply)
    out, error = sync()
    assert error is not None and error.returncode == 1
    assert reason in out
    assert "FAILED django" in out
    assert ReleaseSeries.objects.filter(framework=flask_fw).count() == 2  # Flask went on
    if path.startswith("/eol/"):
        assert not ReleaseSeries.objects.filter(framework=django_fw).exists()
    if path.startswith("/scorecard/"):
        assert not HealthSignal.objects.filter(kind="scorecard").exists()


def test_an_unknown_osv_severity_fails_osv_and_records_no_advisory(fake_apis, django_fw):
    fake_apis.vulns["GHSA-zzzz"] = Vuln(
        "GHSA-zzzz", severity="APOCALYPTIC", affects=("PyPI", "Django", ("5.2.8",))
    )
    out, error = sync()
    assert error is not None and "FAILED django (OSV)" in out
    assert "not a known severity" in out
    assert not Advisory.objects.exists()
    assert ReleaseSeries.objects.filter(framework=django_fw).count() == 3  # the series stay


def test_cadence_is_the_median_gap_over_two_years_and_unknown_with_too_few_releases():
    today = dt.date(2026, 12, 1)
    days = [dt.date(2026, 11, 1), dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2020, 1, 1)]
    assert cadence(days, today) == (Decimal("30.5"), 3)
    assert cadence(days[:2], today) is None  # one gap is no median
    assert cadence([], today) is None


def test_series_from_releases_groups_final_releases_by_minor_version():
    releases = {
        "3.1.10": (dt.date(2025, 8, 1), ">=3.9"),
        "3.1.9": (dt.date(2025, 7, 1), ">=3.9"),
        "3.1.0": (dt.date(2024, 11, 13), ">=3.9"),
    }
    [series] = series_from_releases(releases, "PyPI", "https://pypi.org/project/Flask/#history")
    assert (series.name, series.latest) == ("3.1", "3.1.10")  # numeric, not text order
    assert series.released == dt.date(2024, 11, 13)

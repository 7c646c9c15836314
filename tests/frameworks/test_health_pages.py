"""The health panel and release series on framework and comparison pages,
their freshness markers, and the watch feed's lifecycle entries (issue 31)."""

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stats.health import health_for, lifecycle_events
from stats.models import Advisory, HealthSignal, ReleaseSeries
from tests.factories import FrameworkFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = timezone.localdate()


def series(framework, name, **values):
    values.setdefault("source", "endoflife.date")
    values.setdefault("source_url", "https://endoflife.date/django")
    return ReleaseSeries.objects.create(framework=framework, name=name, **values)


@pytest.fixture
def django_fw():
    framework = FrameworkFactory(
        name="Django",
        slug="django",
        github_repo="django/django",
        latest_version="5.2.8",
        latest_release_at=timezone.now() - dt.timedelta(days=20),
        pushed_at=timezone.now() - dt.timedelta(days=2),
        github_as_of=TODAY,
    )
    current = series(
        framework,
        "5.2",
        released=dt.date(2025, 4, 2),
        latest="5.2.8",
        lts=True,
        support_ends=TODAY + dt.timedelta(days=30),
        security_ends=TODAY + dt.timedelta(days=800),
        advisories_checked_on=TODAY,
        checked_on=TODAY,
    )
    series(
        framework,
        "4.2",
        released=dt.date(2023, 4, 3),
        latest="4.2.26",
        lts=True,
        security_ends=TODAY - dt.timedelta(days=10),
    )
    Advisory.objects.create(
        series=current,
        osv_id="GHSA-aaaa-bbbb-cccc",
        severity="high",
        published=timezone.now() - dt.timedelta(days=3),
        summary="<b>SQL injection</b> in a lookup",
    )
    HealthSignal.objects.create(
        framework=framework,
        kind="scorecard",
        value=Decimal("7.3"),
        details={
            "checks": [
                {"name": "Fuzzing", "score": 0, "reason": "project is not fuzzed", "url": ""}
            ]
        },
        source="OpenSSF Scorecard",
        as_of=TODAY,
        checked_on=TODAY,
    )
    return framework


def test_every_signal_has_a_value_source_date_and_why_or_is_unknown(django_fw):
    bare = FrameworkFactory()
    health = health_for([django_fw, bare])
    signals = {s.key: s for s in health[django_fw.pk].signals}
    assert signals["latest"].value == "5.2.8"
    assert signals["support"].value.startswith("5.2 LTS; next end: 5.2 active support")
    assert signals["support"].warn  # within 90 days
    assert signals["advisories"].value == "1 high on 5.2.8"
    assert (
        signals["advisories"].details[0][1] == "https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc"
    )
    assert signals["scorecard"].value == "7.3 / 10"
    assert signals["scorecard"].details == (("Fuzzing: 0/10, project is not fuzzed", ""),)
    assert signals["cadence"].value is None  # never synced: unknown
    for signal in signals.values():
        assert signal.why
        if signal.known:
            assert signal.source
    # Nothing known: every signal unknown, never 0 nor "healthy".
    assert all(not s.known for s in health[bare.pk].signals)


def test_series_without_any_support_date_leave_support_unknown():
    flask = FrameworkFactory()
    series(flask, "3.1", released=dt.date(2024, 11, 13), source="PyPI release list")
    assert health_for([flask])[flask.pk].signal("support").value is None


def test_framework_page_shows_the_panel_and_marks_ended_series(client, django_fw):
    html = client.get("/frameworks/django/").content.decode()
    panel = html[html.index('<section id="health"') :]
    panel = panel[: panel.index("</section>")]
    assert "1 high on 5.2.8" in panel
    assert 'href="https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc"' in panel
    assert "project is not fuzzed" in panel
    assert "Known vulnerabilities not yet fixed" in panel  # why it matters
    row = panel[panel.index('id="series-4.2"') :]
    row = row[: row.index("</tr>")]
    assert "End of support" in row
    current = panel[panel.index('id="series-5.2"') :]
    assert "End of support" not in current[: current.index("</tr>")]
    assert "<b>SQL injection</b>" not in html  # advisory text is text


def test_a_version_is_text_never_markup(client, django_fw):
    ReleaseSeries.objects.filter(name="5.2").update(language_versions="<i>3.10</i>")
    html = client.get("/frameworks/django/").content.decode()
    assert "<i>3.10</i>" not in html and "&lt;i&gt;3.10&lt;/i&gt;" in html


def test_comparison_table_has_the_health_rows(client, django_fw):
    FrameworkFactory(name="Flask", slug="flask")
    html = client.get("/compare/django-vs-flask/").content.decode()
    rows = html[html.index('id="health"') :]
    rows = rows[: rows.index("</tbody>")]
    assert rows.count('role="row"') == 7  # the group row and six signals
    assert "1 high on 5.2.8" in rows and "7.3 / 10" in rows
    assert rows.count("unknown") >= 6  # Flask knows nothing: unknown, not 0
    details = client.get("/compare/django-vs-flask/?details=1").content.decode()
    assert ">OpenSSF Scorecard</a>" in details or "OpenSSF Scorecard," in details


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_framework_page_queries_do_not_grow_with_series_and_advisories(client, django_fw):
    one = queries(client, "/frameworks/django/")
    for n in range(20):
        more = series(django_fw, f"3.{n}", released=dt.date(2020, 1, 1) + dt.timedelta(n))
        Advisory.objects.create(series=more, osv_id=f"PYSEC-2020-{n}", severity="low")
    HealthSignal.objects.create(
        framework=django_fw,
        kind="cadence",
        value=30,
        source="PyPI release list",
        as_of=TODAY,
        checked_on=TODAY,
    )
    assert queries(client, "/frameworks/django/") == one


def test_the_watch_feed_announces_series_ends_of_support_and_advisories(client, django_fw):
    events = lifecycle_events([django_fw])
    titles = [e.title for e in events]
    assert "New release series: Django 5.2" in titles
    assert any(t.startswith("Active support for Django 5.2 end on") for t in titles)
    assert any(t.startswith("Security fixes for Django 4.2 end on") for t in titles)
    assert "New advisory on Django 5.2.8: GHSA-aaaa-bbbb-cccc" in titles
    # 5.2's security fixes end in 800 days: too far ahead to announce.
    assert not any(t.startswith("Security fixes for Django 5.2") for t in titles)

    response = client.get("/frameworks/django/feed/")
    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
    advisory = entries["New advisory on Django 5.2.8: GHSA-aaaa-bbbb-cccc"]
    link = advisory.find(f"{ATOM}link").get("href")
    assert link == "https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc"
    assert "<b>" not in (advisory.findtext(f"{ATOM}summary") or "")
    comparison = client.get("/compare/django-vs-" + FrameworkFactory(slug="flask").slug + "/feed/")
    assert b"New release series: Django 5.2" in comparison.content


def test_an_end_of_support_comes_with_the_day_on_cached_pages(
    client, django_fw, page_cache, monkeypatch
):
    """A series whose security fixes end today is marked from tomorrow on,
    on cached pages too, though nothing was written in between."""
    ReleaseSeries.objects.filter(name="5.2").update(security_ends=TODAY)
    url = "/frameworks/django/"

    def ended(cached):
        response = client.get(url)
        assert response["X-Cache"] == cached
        html = response.content.decode()
        row = html[html.index('id="series-5.2"') :]
        return "End of support" in row[: row.index("</tr>")]

    assert not ended("miss") and not ended("hit")
    later = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ended("miss") and ended("hit")

"""History charts, trends, freshness markers and inactive frameworks on pages."""

import datetime as dt
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from core import charts
from frameworks.models import Framework
from stats.models import StatSnapshot
from tests.factories import AssessmentFactory, FrameworkFactory, StatSnapshotFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_demo_loads_only_the_seeds_dated_figures_and_the_sources(demo):
    def history(slug, metric):
        return list(
            StatSnapshot.objects.filter(framework__slug=slug, metric=metric)
            .order_by("day")
            .values_list("day", "value")
        )

    assert history("django", "github_stars") == [
        (dt.date(2021, 8, 10), 58000),
        (dt.date(2025, 6, 1), 85600),
    ]
    assert history("flask", "github_stars") == [(dt.date(2021, 8, 10), 56000)]
    assert history("flask", "stacks") == [(dt.date(2025, 6, 1), 19300)]
    assert StatSnapshot.objects.count() == 8
    assert set(StatSnapshot.objects.values_list("source", flat=True)) == {
        "Flask vs Django article, updated Aug 10, 2021",
        "StackShare, Django vs Flask, June 2025",
    }
    django = Framework.objects.get(slug="django")
    assert (django.github_repo, django.pypi_project) == ("django/django", "Django")
    assert Framework.objects.get(slug="expressjs").npm_package == "express"
    assert Framework.objects.get(slug="jinja").pypi_project == "Jinja2"


def test_demo_framework_page_gives_two_readings_as_figures_not_a_chart(client, demo):
    html = page(client, "/frameworks/django/")
    # Two readings say nothing of a trend: no chart, the figures with dates.
    assert '<svg class="chart"' not in html
    assert "GitHub stars: 85.6K</strong>" in html
    assert "Earlier: 58K on 10 Aug 2021 (too few readings to chart)." in html
    assert "Not enough history for a 30- or 365-day change." in html


def test_a_framework_with_a_history_charts_it_with_an_accessible_name(client, demo):
    django = Framework.objects.get(slug="django")
    StatSnapshot.objects.create(
        framework=django, metric="github_stars", day=dt.date(2023, 5, 1), value=70000, source="t"
    )
    html = page(client, "/frameworks/django/")
    assert '<svg class="chart"' in html
    assert "GitHub stars over time</title>" in html
    assert "58K on 10 Aug 2021 to 85.6K on 1 Jun 2025" in html
    assert "GitHub forks over time" not in html  # one point: its figure only


def test_demo_comparison_gives_the_readings_as_figures_with_dates(client, demo):
    html = page(client, "/compare/django-vs-flask/")
    assert '<svg class="chart"' not in html
    assert (
        "<li>Django: 85.6K on 1 Jun 2025, 58K on 10 Aug 2021 (too few readings to chart)</li>"
        in html
    )
    assert "<li>Flask: 56K on 10 Aug 2021 (too few readings to chart)</li>" in html


def test_changes_over_30_and_365_days_where_history_covers_them(client):
    framework = FrameworkFactory(slug="fw", github_stars=1500, github_as_of=TODAY())
    for days_ago, value in [(400, 700), (366, 800), (31, 1300), (10, 1400), (0, 1500)]:
        StatSnapshotFactory(framework=framework, day=TODAY() - dt.timedelta(days_ago), value=value)
    html = page(client, "/frameworks/fw/")
    assert "+200 in 30 days" in html  # 1500 - 1300 (31 days ago, within tolerance)
    assert "+700 in 365 days" in html


def test_change_needs_a_point_near_the_start():
    points = [(dt.date(2021, 1, 1), 10), (dt.date(2025, 1, 1), 100)]
    assert charts.change_over(points, 365) is None
    assert charts.change_over(points[:1], 30) is None


def test_as_of_dates_and_out_of_date_markers(client, settings):
    settings.STATS_STALE_DAYS = 30
    settings.ASSESSMENT_STALE_DAYS = 365
    old = FrameworkFactory(
        slug="old",
        github_stars=10,
        github_as_of=TODAY() - dt.timedelta(days=45),
        weekly_downloads=99,
        downloads_as_of=TODAY(),
    )
    fresh = FrameworkFactory(slug="fresh", github_stars=20, github_as_of=TODAY())
    AssessmentFactory(framework=old, checked_on=TODAY() - dt.timedelta(days=400))
    AssessmentFactory(framework=fresh, checked_on=TODAY() - dt.timedelta(days=10))

    old_page = page(client, "/frameworks/old/")
    stars = re.search(r"<dt>GitHub stars</dt><dd>(.*?)</dd>", old_page, re.S).group(1)
    assert (TODAY() - dt.timedelta(days=45)).isoformat() in stars
    assert "out of date" in stars
    downloads = re.search(r"<dt>Weekly downloads</dt><dd>(.*?)</dd>", old_page, re.S).group(1)
    assert TODAY().isoformat() in downloads and "out of date" not in downloads
    fresh_page = page(client, "/frameworks/fresh/")
    stars = re.search(r"<dt>GitHub stars</dt><dd>(.*?)</dd>", fresh_page, re.S).group(1)
    assert "out of date" not in stars

    # A comparison's cells show their check dates with their sources.
    html = page(client, "/compare/fresh-vs-old/?details=1")
    cells = re.findall(r"[Cc]hecked <time[^>]*>[^<]*</time>( <span class=\"stale\">)?", html)
    assert sorted(bool(c) for c in cells) == [False, True]


def test_inactive_frameworks_are_marked_and_hidden_unless_asked(client):
    long_ago = timezone.now() - dt.timedelta(days=800)
    archived = FrameworkFactory(slug="archived", name="Archived", is_archived=True)
    idle = FrameworkFactory(
        slug="idle", name="Idle", pushed_at=long_ago, latest_release_at=long_ago
    )
    busy = FrameworkFactory(
        slug="busy", name="Busy", pushed_at=timezone.now(), latest_release_at=long_ago
    )
    unknown = FrameworkFactory(slug="unknown", name="Unknown")
    assert [archived.is_inactive, idle.is_inactive, busy.is_inactive, unknown.is_inactive] == [
        True,
        True,
        False,
        False,
    ]

    def names(query=""):
        html = page(client, "/frameworks/" + query)
        return re.findall(r'framework-card__name"><a href="[^"]+">([^<]+)</a>', html)

    assert names() == ["Busy", "Unknown"]
    assert names("?status=inactive") == ["Archived", "Idle"]
    assert names("?status=all") == ["Archived", "Busy", "Idle", "Unknown"]
    assert 'badge--inactive">Inactive</span>' in page(client, "/frameworks/idle/")
    compare = page(client, "/compare/busy-vs-idle/")
    assert compare.count('class="badge badge--inactive"') == 2  # card and table header


def test_catalogue_sorts_by_stars_gained_and_downloads(client):
    today = TODAY()
    rows = [("Steady", 100_000, 99_900, 10), ("Rising", 5_000, 2_000, 300), ("New", 50, None, 5)]
    for name, stars, then, downloads in rows:
        framework = FrameworkFactory(
            name=name, slug=name.lower(), github_stars=stars, weekly_downloads=downloads
        )
        if then is not None:
            StatSnapshotFactory(framework=framework, day=today - dt.timedelta(days=92), value=then)

    def names(sort):
        html = page(client, f"/frameworks/?sort={sort}")
        return re.findall(r'framework-card__name"><a href="[^"]+">([^<]+)</a>', html)

    assert names("-stars_gained") == ["Rising", "Steady", "New"]  # unknown gain last
    assert names("-downloads") == ["Rising", "Steady", "New"]
    assert names("-stars") == ["Steady", "Rising", "New"]
    html = page(client, "/frameworks/?sort=-stars_gained")
    assert "Stars gained, 90 days</dt><dd>+3K" in html


@pytest.mark.parametrize("sort", [",", "-stars,", ",,-stars"])
def test_catalogue_ignores_empty_entries_in_the_sort_list(client, sort):
    """Found by the query-string fuzzer: "?sort=," ordered by a field named
    "" and got a 500."""
    FrameworkFactory(name="Alpha", slug="alpha", github_stars=5)
    FrameworkFactory(name="Zulu", slug="zulu", github_stars=500)

    def names(url):
        html = page(client, url)
        return re.findall(r'framework-card__name"><a href="[^"]+">([^<]+)</a>', html)

    same_as = "/frameworks/?sort=-stars" if "stars" in sort else "/frameworks/"
    assert names(f"/frameworks/?sort={sort}") == names(same_as)
    assert client.get(f"/api/v1/frameworks/?sort={sort}").status_code == 200


def test_remote_text_is_escaped(client):
    FrameworkFactory(
        slug="evil",
        github_stars=5,
        github_repo="evil/repo",
        latest_version='<script>alert("v")</script>',
        latest_release_at=timezone.now(),
    )
    html = page(client, "/frameworks/evil/")
    assert "<script>alert" not in html
    # Jinja2 writes the quote as &#34;, Django as &quot;: either way it is inert text.
    assert re.search(r"&lt;script&gt;alert\((&quot;|&#34;)v(&quot;|&#34;)\)&lt;/script&gt;", html)


def test_chart_escapes_labels():
    svg = charts.line_chart(
        [("<b>x</b>", [(dt.date(2025, m, 1), m) for m in (1, 2, 3)])],
        title='"><script>',
        chart_id="c",
    )
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;b&gt;x&lt;/b&gt;" in svg


def test_comparison_chart_legend_follows_the_series_drawn(client):
    # FastAPI has no history, so Flask is the second series drawn: its marks
    # and its legend swatch both take colour 2, and FastAPI gets no swatch.
    django, fastapi, flask = (
        FrameworkFactory(slug=s, name=n)
        for s, n in (("django", "Django"), ("fastapi", "FastAPI"), ("flask", "Flask"))
    )
    for framework, values in ((django, (1, 2, 3)), (flask, (3, 4, 5))):
        for i, value in enumerate(values):
            StatSnapshotFactory(
                framework=framework, day=dt.date(2025, 1, 1) + dt.timedelta(i * 30), value=value
            )
    response = client.get("/compare/django-vs-fastapi-vs-flask/", follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert fastapi.name in html
    legend = re.findall(r'chart-legend__swatch--(\d)" aria-hidden="true"></span>(\w+)', html)
    assert legend == [("1", "Django"), ("2", "Flask")]
    chart = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert set(re.findall(r"chart__dot--(\d)", chart)) == {"1", "2"}


def test_the_out_of_date_mark_comes_with_the_day_on_cached_pages_too(
    client, demo, page_cache, settings, monkeypatch
):
    """A figure read STATS_STALE_DAYS ago is marked from the next day on,
    on every page showing it, though nothing was written in between: what
    shows a date's age is cached until the local date changes."""

    settings.STATS_STALE_DAYS = 30
    read_on = TODAY() - dt.timedelta(days=30)
    Framework.objects.filter(slug__in=["django", "flask"]).update(github_as_of=read_on)
    urls = ["/frameworks/django/", "/compare/django-vs-flask/"]
    urls.append("/compare/django-vs-flask/?details=1")
    day = read_on.isoformat()
    mark = re.compile(rf'<time datetime="{day}">[^<]*</time>( <span class="stale">)?')

    def marks(url, cached):
        response = client.get(url)
        assert response.status_code == 200 and response["X-Cache"] == cached, url
        html = response.content.decode()
        with override_settings(PAGE_CACHE=False):
            assert html == Client().get(url).content.decode(), f"{url} is not exact"
        return [bool(found) for found in mark.findall(html)]

    for url in urls:
        assert marks(url, "miss") and not any(marks(url, "hit")), url

    later = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    for url in urls:
        shown = marks(url, "miss")
        assert shown and all(shown), url
        assert marks(url, "hit") == shown  # kept again, for the new day

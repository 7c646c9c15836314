"""sync_stats against a local server playing GitHub, PyPI, pypistats and npm."""

import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from frameworks.models import Framework
from stats.models import ApiPause, StatSnapshot, SyncRecord
from tests.factories import FrameworkFactory
from tests.fakeapi import Package, Reply, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def django_fw(fake_apis):
    fake_apis.add_repo("django/django", stars=86000, forks=33000, issues=300)
    fake_apis.pypi["Django"] = Package("5.2.8", "2026-11-05T09:00:00Z", 6_000_000)
    return FrameworkFactory(
        slug="django", name="Django", github_repo="django/django", pypi_project="Django"
    )


@pytest.fixture
def express_fw(fake_apis):
    fake_apis.add_repo("expressjs/express", stars=66000, release=None)
    fake_apis.npm["express"] = Package("5.1.0", "2026-09-01T00:00:00Z", 40_000_000)
    return FrameworkFactory(
        slug="expressjs", name="Express", github_repo="expressjs/express", npm_package="express"
    )


def test_sync_writes_current_figures_and_todays_snapshots(fake_apis, django_fw, express_fw):
    out, error = sync()
    assert error is None, out
    django_fw.refresh_from_db()
    assert django_fw.github_stars == 86000
    assert django_fw.github_forks == 33000
    assert django_fw.github_open_issues == 300
    assert django_fw.github_as_of == timezone.localdate()
    assert django_fw.latest_version == "5.2.8"  # the PyPI upload is newer than the tag
    assert django_fw.weekly_downloads == 6_000_000
    assert django_fw.downloads_as_of == timezone.localdate()
    express_fw.refresh_from_db()
    assert express_fw.latest_version == "5.1.0"  # no GitHub release: the npm one
    assert express_fw.weekly_downloads == 40_000_000
    metrics = set(
        StatSnapshot.objects.filter(framework=django_fw).values_list("metric", "value", "source")
    )
    assert ("github_stars", 86000, "GitHub API") in metrics
    assert ("weekly_downloads", 6_000_000, "pypistats") in metrics
    assert "2 updated, 0 unchanged, 0 failed" in out


def test_second_run_same_day_updates_the_row_and_uses_conditional_requests(fake_apis, django_fw):
    sync()
    first = len(fake_apis.log)
    fake_apis.log.clear()
    out, error = sync()
    assert error is None
    assert "0 updated, 1 unchanged" in out
    assert len(fake_apis.log) == first
    # Every GET is conditional; OSV's querybatch is a POST, and Scorecard's
    # 404 (this repository is not scored) carries no ETag.
    unconditional = {"/osv/v1/querybatch", "/scorecard/projects/github.com/django/django"}
    assert all(h.get("If-None-Match") for p, h in fake_apis.log if p not in unconditional)
    assert "4 not modified" in out

    fake_apis.repos["django/django"].stars = 86100
    sync()
    stars = StatSnapshot.objects.filter(framework=django_fw, metric="github_stars")
    assert [(s.day, s.value) for s in stars] == [(timezone.localdate(), 86100)]


def test_one_failure_keeps_the_last_good_value_and_its_date_and_exits_1(
    fake_apis, django_fw, express_fw
):
    sync()
    Framework.objects.filter(pk=django_fw.pk).update(github_as_of=dt.date(2026, 1, 1))
    fake_apis.override("/github/repos/django/django", Reply(500, {"message": "boom"}))
    fake_apis.repos["expressjs/express"].stars = 70000
    fake_apis.log.clear()
    out, error = sync()
    assert error is not None and error.returncode == 1
    django_fw.refresh_from_db()
    assert django_fw.github_stars == 86000
    assert django_fw.github_as_of == dt.date(2026, 1, 1)
    assert Framework.objects.get(pk=express_fw.pk).github_stars == 70000
    assert "FAILED django (GitHub):" in out and "HTTP 500 (3 attempts)" in out
    assert "1 updated, 0 unchanged, 1 failed" in out
    assert "Traceback" not in out
    # 1 + 2 retries on the 500
    assert fake_apis.paths().count("/github/repos/django/django") == 3


def test_retry_after_a_500_then_success(fake_apis, django_fw):
    fake_apis.override(
        "/pypistats/api/packages/Django/recent", Reply(502, "bad gateway"), Reply(200, None)
    )
    fake_apis.overrides["/pypistats/api/packages/Django/recent"][1] = Reply(
        200, {"data": {"last_week": 123}}
    )
    out, error = sync()
    assert error is None, out
    assert Framework.objects.get(pk=django_fw.pk).weekly_downloads == 123


def test_slow_answer_times_out_and_counts_as_a_failure(fake_apis, django_fw, settings):
    settings.SYNC_RETRIES = 0
    fake_apis.override("/npm/express", Reply(200, {"dist-tags": {}}, delay=1.5))
    express = FrameworkFactory(slug="ex", npm_package="express")
    fake_apis.npm["express"] = Package()
    out, error = sync("--only", "ex")
    assert error is not None
    assert "timed out after 0.5 s" in out
    assert Framework.objects.get(pk=express.pk).weekly_downloads is None


@pytest.mark.parametrize(
    "body",
    [
        "<html>Service unavailable</html>",
        {"full_name": "django/django", "archived": False},  # no counts
        {
            "full_name": "django/django",
            "archived": False,
            "stargazers_count": -5,
            "forks_count": 1,
            "open_issues_count": 1,
        },
        {
            "full_name": "django/django",
            "archived": False,
            "stargazers_count": 10**12,
            "forks_count": 1,
            "open_issues_count": 1,
        },
        {
            "full_name": "django/django",
            "archived": "no",
            "stargazers_count": 1,
            "forks_count": 1,
            "open_issues_count": 1,
        },
        ["not", "an", "object"],
    ],
)
def test_garbage_answers_are_failures_never_values(fake_apis, django_fw, body):
    fake_apis.override("/github/repos/django/django", Reply(200, body))
    out, error = sync()
    assert error is not None
    assert "FAILED django (GitHub)" in out
    django_fw.refresh_from_db()
    assert django_fw.github_stars is None
    assert not StatSnapshot.objects.filter(metric="github_stars").exists()


def test_a_release_tag_with_a_nul_fails_github_and_keeps_the_other_figures(fake_apis, django_fw):
    # The text policy (core/text.py). Stored, the NUL broke the framework's
    # page and feed; on PostgreSQL it failed the whole sync, PyPI's good
    # figures included.
    fake_apis.repos["django/django"].release = ("6.0\x00", "2026-11-06T00:00:00Z")

    out, error = sync()

    assert error is not None
    assert "FAILED django (GitHub)" in out and "'tag_name' holds a NUL character" in out
    django_fw.refresh_from_db()
    assert django_fw.latest_version == "5.2.8"  # PyPI's
    assert django_fw.weekly_downloads == 6_000_000
    assert django_fw.github_stars is None


def test_a_licence_with_a_nul_fails_github(fake_apis, django_fw):
    Framework.objects.filter(pk=django_fw.pk).update(license="")  # so GitHub's is taken
    fake_apis.repos["django/django"].license = "BSD\x00"

    out, error = sync()

    assert error is not None and "'license.spdx_id' holds a NUL character" in out
    assert Framework.objects.get(pk=django_fw.pk).license == ""


def test_other_control_characters_in_an_answer_are_stripped(fake_apis, django_fw):
    fake_apis.repos["django/django"].release = ("\x1b6.0\x07", "2026-11-06T00:00:00Z")

    out, error = sync()

    assert error is None, out
    assert Framework.objects.get(pk=django_fw.pk).latest_version == "6.0"


def test_absurd_download_count_is_a_failure(fake_apis, django_fw):
    fake_apis.pypi["Django"].downloads = 10**15
    out, error = sync()
    assert error is not None and "'last_week'" in out and "out of range" in out
    assert Framework.objects.get(pk=django_fw.pk).weekly_downloads is None


def test_rate_limit_stops_github_calls_and_is_reported_as_skipped(fake_apis):
    for index in range(3):
        fake_apis.add_repo(f"org/repo{index}")
        FrameworkFactory(slug=f"fw{index}", name=f"Fw {index}", github_repo=f"org/repo{index}")
    fake_apis.override(
        "/github/repos/org/repo0",
        Reply(
            403,
            {"message": "API rate limit exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"},
        ),
    )
    out, error = sync()
    assert error is None, out  # skipped, not failed: cron is not woken for a limit
    assert (
        "SKIPPED GitHub for 3 frameworks: GitHub rate limit reached; "
        "no GitHub calls until 2100-01-01 00:00 UTC" in out
    )
    assert "Synced 3 frameworks: 0 updated, 0 unchanged, 0 failed, 3 skipped" in out
    assert [p for p in fake_apis.paths() if p.startswith("/github")] == ["/github/repos/org/repo0"]
    assert not SyncRecord.objects.exclude(synced_at=None).exists()  # not read completely

    # The next run, before the reset, does not call GitHub at all.
    fake_apis.log.clear()
    out, error = sync()
    assert error is None and "no GitHub calls until 2100-01-01" in out
    assert not any(p.startswith("/github") for p in fake_apis.paths())


def test_a_pause_that_has_ended_is_ignored(fake_apis, django_fw):
    ApiPause.objects.create(api="github", until=timezone.now() - dt.timedelta(minutes=1))
    out, error = sync()
    assert error is None, out
    assert "/github/repos/django/django" in fake_apis.paths()


def test_renamed_repository_is_followed_and_recorded(fake_apis):
    fake_apis.add_repo("tiangolo/fastapi-new", stars=90000)
    fake_apis.renamed["tiangolo/fastapi"] = "tiangolo/fastapi-new"
    framework = FrameworkFactory(slug="fastapi", github_repo="tiangolo/fastapi")
    out, error = sync()
    assert error is None, out
    framework.refresh_from_db()
    assert framework.github_repo == "tiangolo/fastapi-new"
    assert framework.github_stars == 90000
    assert "repository renamed tiangolo/fastapi -> tiangolo/fastapi-new" in out


def test_missing_release_is_no_failure(fake_apis):
    fake_apis.add_repo("a/b", release=None)
    framework = FrameworkFactory(slug="ab", github_repo="a/b")
    out, error = sync()
    assert error is None, out
    framework.refresh_from_db()
    assert framework.latest_version == "" and framework.github_stars == 1000


def test_archived_repository_marks_the_framework_inactive(fake_apis):
    fake_apis.add_repo("old/thing", archived=True)
    framework = FrameworkFactory(slug="old", github_repo="old/thing")
    sync()
    framework.refresh_from_db()
    assert framework.is_archived and framework.is_inactive
    assert list(Framework.objects.inactive()) == [framework]


def test_github_token_is_sent_when_set(fake_apis, django_fw, settings):
    settings.GITHUB_TOKEN = "t0ken"
    sync("--only", "django")
    github = [h for p, h in fake_apis.log if p.startswith("/github")]
    assert github and all(h.get("Authorization") == "Bearer t0ken" for h in github)
    pypi = [h for p, h in fake_apis.log if p.startswith("/pypi")]
    assert all("Authorization" not in h for h in pypi)


def test_only_and_stale_hours_choose_the_frameworks(fake_apis, django_fw, express_fw):
    out, _ = sync("--only", "expressjs")
    assert "Synced 1 framework:" in out
    assert not any(p.startswith("/pypi") for p in fake_apis.paths())
    out, _ = sync("--stale-hours", "6")
    assert "Synced 1 framework:" in out and "1 skipped" in out
    SyncRecord.objects.update(synced_at=timezone.now() - dt.timedelta(hours=7))
    out, _ = sync("--stale-hours", "6")
    assert "Synced 2 frameworks:" in out


def test_unknown_slug_is_a_clear_error(fake_apis):
    with pytest.raises(CommandError, match="No framework with the slug nope"):
        call_command("sync_stats", "--only", "nope", stdout=io.StringIO())


def test_progress_bar_only_in_a_terminal(fake_apis, django_fw):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    call_command("sync_stats", stdout=out)
    assert "[##############################] 1/1" in out.getvalue()
    plain, _ = sync()
    assert "[" not in plain.split("Synced")[0]


def test_an_answer_without_a_push_date_keeps_the_known_one(fake_apis):
    fake_apis.add_repo("a/b", pushed_at=None)
    pushed = timezone.now() - dt.timedelta(days=3)
    framework = FrameworkFactory(slug="ab", github_repo="a/b", pushed_at=pushed)
    out, error = sync()
    assert error is None, out
    framework.refresh_from_db()
    assert framework.pushed_at == pushed and framework.github_stars == 1000


def test_make_run_fetches_nothing(monkeypatch, db):
    """load_demo (what make run calls besides migrate) opens no connection."""
    import httpx

    def refuse(*args, **kwargs):
        raise AssertionError("load_demo must not reach the network")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    monkeypatch.setattr("socket.create_connection", refuse)
    call_command("load_demo", verbosity=0)
    assert Framework.objects.filter(slug="django", github_stars=85600).exists()


def test_a_host_that_cannot_be_reached_is_tried_once_per_run(fake_apis, settings):
    """Offline (no route to npm, say), each framework would wait out every
    timeout and retry; after the first one fails to connect, the others
    fail at once, and the hosts that answer are still asked."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.NPM_REGISTRY_URL = f"http://127.0.0.1:{closed}/npm"
    for n in range(3):
        fake_apis.add_repo(f"org/fw{n}", stars=100 + n)
        fake_apis.npm[f"fw{n}"] = Package()
        FrameworkFactory(slug=f"fw{n}", github_repo=f"org/fw{n}", npm_package=f"fw{n}")

    out, error = sync()

    assert error is not None
    assert out.count("could not be reached earlier in this run") == 2
    assert sorted(Framework.objects.values_list("github_stars", flat=True)) == [100, 101, 102]


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_trickling_answer_fails_at_its_deadline(fake_apis, django_fw, settings, headers_too):
    """httpx's timeout bounds each read: a server sending a byte every 0.1 s
    never trips a 0.5 s timeout. SYNC_TIMEOUT bounds the whole request."""
    settings.SYNC_RETRIES = 0
    repo = {"full_name": "django/django", "archived": False, "stargazers_count": 1}
    fake_apis.override(
        "/github/repos/django/django",
        Reply(200, repo, trickle=0.1, trickle_headers=headers_too),  # ~8 s in all
    )

    started = time.monotonic()
    out, error = sync("--only", "django")

    assert time.monotonic() - started < 3
    assert error is not None and error.returncode == 1
    assert "FAILED django (GitHub):" in out and "timed out after 0.5 s (1 attempt)" in out
    django_fw.refresh_from_db()
    assert django_fw.github_stars is None
    assert django_fw.weekly_downloads == 6_000_000  # PyPI still answered


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_answer_over_the_size_cap_is_a_failure_and_not_read_to_its_end(
    fake_apis, django_fw, settings, chunked
):
    settings.SYNC_MAX_BYTES = 100_000
    path = "/pypi/pypi/Django/json"
    fake_apis.override(path, Reply(200, size=200_000_000, chunked=chunked))

    out, error = sync("--only", "django")

    assert error is not None and error.returncode == 1
    assert "FAILED django (PyPI):" in out and "sent more than 100000 bytes" in out
    assert fake_apis.paths().count(path) == 1  # not retried: it would be as large again
    assert fake_apis.sent[path] < 50_000_000  # we stopped reading
    django_fw.refresh_from_db()
    assert django_fw.github_stars == 86000  # GitHub still answered
    assert django_fw.weekly_downloads is None

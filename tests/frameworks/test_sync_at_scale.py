"""sync_stats over a large catalogue: budgets, shards, oldest first, rate
limits, and the report of what was skipped (docs/statistics.md)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frameworks import cache as tags
from frameworks.models import Framework
from stats.management.commands import sync_stats
from stats.models import ApiPause, SyncRecord
from stats.sync import frameworks_to_sync, oldest_first
from tests.factories import FrameworkFactory
from tests.fakeapi import Package, Reply, sync

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
PER_FRAMEWORK = 70  # queries to sync one framework on GitHub and PyPI, first read
OUTSIDE = 2  # the frameworks to sync, and the API pauses in force


def github_frameworks(fake_apis, count, **values):
    made = []
    for index in range(count):
        fake_apis.add_repo(f"org/repo{index}", stars=100 + index)
        made.append(
            FrameworkFactory(
                slug=f"fw{index}", name=f"Fw {index}", github_repo=f"org/repo{index}", **values
            )
        )
    return made


def github_reads(fake_apis):
    """The repositories read, in order (their first request)."""
    return [
        p.removeprefix("/github/repos/")
        for p in fake_apis.paths()
        if p.startswith("/github/repos/") and not p.endswith("/releases/latest")
    ]


def test_budget_is_honoured_and_the_rest_is_skipped_not_failed(fake_apis):
    github_frameworks(fake_apis, 5)
    out, error = sync("--budget", "github=4")
    assert error is None, out
    assert len([p for p in fake_apis.paths() if p.startswith("/github")]) == 4
    assert (
        "GitHub: 2 refreshed, 0 unchanged (304), 3 skipped (budget or rate limit), 0 failed" in out
    )
    assert "SKIPPED GitHub for 3 frameworks: GitHub budget of 4 requests for this run spent" in out
    assert "Synced 5 frameworks: 2 updated, 0 unchanged, 0 failed, 3 skipped" in out
    read = Framework.objects.exclude(github_stars=None).values_list("slug", flat=True)
    assert sorted(read) == ["fw0", "fw1"]
    # Only what was read completely counts as synced for --stale-hours.
    assert sorted(
        SyncRecord.objects.exclude(synced_at=None).values_list("framework__slug", flat=True)
    ) == [
        "fw0",
        "fw1",
    ]


def test_a_budget_for_every_api_and_one_for_each(fake_apis):
    fake_apis.add_repo("a/b")
    fake_apis.pypi["p"] = Package()
    FrameworkFactory(slug="ab", github_repo="a/b", pypi_project="p")
    out, error = sync("--budget", "0", "--budget", "pypi=2")
    assert error is None, out
    assert not any(p.startswith("/github") for p in fake_apis.paths())
    assert "PyPI: 1 refreshed" in out and "GitHub: 0 refreshed, 0 unchanged (304), 1 skipped" in out


def test_the_next_runs_take_the_oldest_figures_first(fake_apis):
    old, older, fresh, _never = github_frameworks(fake_apis, 4)
    for framework, days in ((old, 10), (older, 20), (fresh, 1)):
        Framework.objects.filter(pk=framework.pk).update(github_as_of=TODAY() - dt.timedelta(days))
    assert [f.slug for f in oldest_first(frameworks_to_sync(Framework.objects.all()))] == [
        "fw3",  # never read
        "fw1",
        "fw0",
        "fw2",
    ]
    sync("--budget", "github=4")
    assert github_reads(fake_apis) == ["org/repo3", "org/repo1"]

    # Those just read are now the freshest: the next run goes on with the others.
    fake_apis.log.clear()
    sync("--budget", "github=4")
    assert github_reads(fake_apis) == ["org/repo0", "org/repo2"]


def test_a_not_modified_answer_costs_no_budget(fake_apis):
    github_frameworks(fake_apis, 3)
    sync()
    fake_apis.log.clear()
    out, error = sync("--budget", "github=2")
    assert error is None, out
    assert len(github_reads(fake_apis)) == 3  # every answer a 304: nothing spent
    assert (
        "GitHub: 0 refreshed, 3 unchanged (304), 0 skipped (budget or rate limit), 0 failed" in out
    )


def test_shards_partition_the_catalogue_exactly(fake_apis):
    github_frameworks(fake_apis, 7)
    FrameworkFactory(slug="nosource")  # names no source: in no shard
    everyone = set(frameworks_to_sync(Framework.objects.all()).values_list("slug", flat=True))
    shards = [
        set(frameworks_to_sync(Framework.objects.all(), (k, 3)).values_list("slug", flat=True))
        for k in (1, 2, 3)
    ]
    assert len(everyone) == 7 and all(shards)
    assert set().union(*shards) == everyone
    assert sum(map(len, shards)) == len(everyone)  # no framework in two shards

    read = []
    for k in (1, 2, 3):
        fake_apis.log.clear()
        out, error = sync("--shard", f"{k}/3")
        assert error is None, out
        read.append(set(github_reads(fake_apis)))
    assert [{f"fw{r.removeprefix('org/repo')}" for r in names} for names in read] == shards


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--shard", "0/3"),
        ("--shard", "4/3"),
        ("--shard", "1/0"),
        ("--shard", "a/b"),
        ("--budget", "-1"),
        ("--budget", "gitlab=5"),
        ("--budget", "github="),
    ],
)
def test_a_bad_shard_or_budget_is_a_clear_error(fake_apis, option, value):
    with pytest.raises(CommandError, match=f"argument {option}: invalid"):
        call_command("sync_stats", option, value, stdout=io.StringIO())


@pytest.mark.parametrize(("remaining", "read"), [(4, 2), (3, 1)])
def test_rate_limit_headers_stop_github_before_a_403_and_the_rest_continue(
    fake_apis, remaining, read
):
    frameworks = github_frameworks(fake_apis, 3)
    for framework in frameworks:
        fake_apis.pypi[framework.slug] = Package(downloads=7)
        Framework.objects.filter(pk=framework.pk).update(pypi_project=framework.slug)
    fake_apis.github_remaining = remaining
    out, error = sync()
    assert error is None, out
    # Only whole frameworks (two requests each), and never a request refused.
    assert len([p for p in fake_apis.paths() if p.startswith("/github")]) == 2 * read
    assert fake_apis.github_remaining == remaining - 2 * read
    assert (
        f"GitHub: {read} refreshed, 0 unchanged (304), {3 - read} skipped (budget or rate limit), "
        "0 failed" in out
    )
    assert (
        f"SKIPPED GitHub for {3 - read} framework{'s' if read == 1 else ''}: GitHub rate limit "
        "reached; no GitHub calls until 2100-01-01 00:00 UTC" in out
    )
    assert "PyPI: 3 refreshed, 0 unchanged (304), 0 skipped (budget or rate limit), 0 failed" in out
    assert set(Framework.objects.values_list("weekly_downloads", flat=True)) == {7}
    # None left: the next runs wait for the reset too.
    assert ApiPause.objects.filter(api="github").exists() == (fake_apis.github_remaining == 0)


def test_a_secondary_rate_limit_with_retry_after_is_skipped(fake_apis):
    github_frameworks(fake_apis, 2)
    fake_apis.override(
        "/github/repos/org/repo0", Reply(429, {"message": "slow down"}, {"Retry-After": "120"})
    )
    out, error = sync()
    assert error is None, out
    assert "SKIPPED GitHub for 2 frameworks: GitHub rate limit reached" in out
    pause = ApiPause.objects.get(api="github").until
    assert (
        timezone.now() + dt.timedelta(seconds=100)
        < pause
        < timezone.now() + dt.timedelta(minutes=3)
    )


def test_a_failure_exits_1_and_a_skip_beside_it_changes_nothing(fake_apis):
    github_frameworks(fake_apis, 3)
    fake_apis.override("/github/repos/org/repo0", Reply(404, {"message": "Not Found"}))
    out, error = sync("--budget", "github=3")  # fw0 fails (1), fw1 read (2), fw2 skipped
    assert error is not None and error.returncode == 1
    assert (
        "GitHub: 1 refreshed, 0 unchanged (304), 1 skipped (budget or rate limit), 1 failed" in out
    )


def test_npm_downloads_are_read_in_bulk_and_scoped_names_alone(fake_apis):
    for index, name in enumerate(["left-pad", "express", "@scope/thing", "gone"]):
        if name != "gone":
            fake_apis.npm[name] = Package(downloads=1000 + index)
        FrameworkFactory(slug=f"n{index}", name=f"N {index}", npm_package=name)
    out, error = sync()
    assert error is not None  # "gone" is no npm package: its single reads fail
    downloads = [p for p in fake_apis.paths() if p.startswith("/npmdl/")]
    assert downloads == [
        "/npmdl/downloads/point/last-week/left-pad,express,gone",  # the catalogue's order
        "/npmdl/downloads/point/last-week/@scope/thing",  # bulk takes no scoped names
    ]
    figures = dict(Framework.objects.values_list("npm_package", "weekly_downloads"))
    assert figures == {"left-pad": 1000, "express": 1001, "@scope/thing": 1002, "gone": None}
    assert "FAILED n3 (npm): " in out  # its registry document is missing too
    assert "npm: 3 refreshed, 0 unchanged (304), 0 skipped (budget or rate limit), 1 failed" in out


def test_a_failed_bulk_read_falls_back_to_single_reads(fake_apis):
    for name in ("a", "b"):
        fake_apis.npm[name] = Package(downloads=5)
        FrameworkFactory(slug=name, name=name, npm_package=name)
    fake_apis.override("/npmdl/downloads/point/last-week/a,b", Reply(400, {"error": "no"}))
    out, error = sync()
    assert error is None, out
    assert "/npmdl/downloads/point/last-week/a" in fake_apis.paths()
    assert set(Framework.objects.values_list("weekly_downloads", flat=True)) == {5}


@pytest.mark.parametrize("count", [2, 6])
def test_a_framework_costs_the_same_queries_and_one_cache_bump_whatever_the_catalogue(
    fake_apis, count, monkeypatch, django_capture_on_commit_callbacks
):
    """What a framework costs does not grow with the catalogue: the same
    queries each, and one bump of the cache tags its rows touch (eight
    bumps a framework, each a few file writes with the file-based cache,
    were over a third of a run's time at 5,000 frameworks)."""
    frameworks = github_frameworks(fake_apis, count)
    for framework in frameworks:
        fake_apis.pypi[framework.slug] = Package()
        Framework.objects.filter(pk=framework.pk).update(pypi_project=framework.slug)
    per_framework, bumps = [], []
    counted = sync_stats.sync_framework

    def sync_framework(framework, client):
        with CaptureQueriesContext(connection) as queries:
            outcome = counted(framework, client)
        per_framework.append(len(queries))
        return outcome

    monkeypatch.setattr(sync_stats, "sync_framework", sync_framework)
    monkeypatch.setattr("core.cache.tags.bump", lambda *names: bumps.append(set(names)))
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        out, error = sync()
    assert error is None, out
    assert per_framework == [PER_FRAMEWORK] * count
    assert len(queries) == OUTSIDE + PER_FRAMEWORK * count
    for framework, bumped in zip(frameworks, bumps, strict=True):  # one each, in sync order
        assert {tags.framework(framework.pk), tags.CATALOGUE} <= bumped

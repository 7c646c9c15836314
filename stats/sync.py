"""Write what the sources say into the catalogue and its history.

``SOURCES`` is the plan of a run in one place: each source a framework may
name, the API its requests count against (budgets, rate limits) and what
one framework costs. ``frameworks_to_sync`` and ``oldest_first`` pick a
run's frameworks and their order. ``sync_framework`` reads each source one
framework has, writes the figures that changed with
``save(update_fields=...)`` (so the page cache's signals fire) and records
today's snapshot of each figure. A failed or skipped source changes
nothing: its last good value and that value's date stay.
See docs/statistics.md, "Sync at scale".
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Mod
from django.utils import timezone

from core.cache import bumping_once
from frameworks.models import Framework

from . import sources
from .models import StatSnapshot, SyncRecord
from .releases import sync_releases

Metric = StatSnapshot.Metric


@dataclass(frozen=True)
class Source:
    """A source a framework may name, and what reading it costs."""

    label: str  # in reports
    api: str  # what its requests count against: ``--budget``, rate limits
    field: str  # the framework's field naming it
    as_of: str  # the framework's field dating its figures: oldest first
    requests: int  # requests one framework costs, retries aside
    read: object  # read(client, name) -> figures, or raises SourceError
    #: batch(client, names): reads ahead in bulk what ``read`` would ask one by one
    batch: object = None


SOURCES = (
    Source("GitHub", "github", "github_repo", "github_as_of", 2, sources.read_github),
    Source("PyPI", "pypi", "pypi_project", "downloads_as_of", 2, sources.read_pypi),
    Source(
        "npm",
        "npm",
        "npm_package",
        "downloads_as_of",
        2,
        sources.read_npm,
        batch=sources.batch_npm_downloads,
    ),
)
SOURCE = {source.label: source for source in SOURCES}


def frameworks_to_sync(queryset, shard=None):
    """The frameworks of ``queryset`` that name a source (or an
    endoflife.date product, releases.py), in shard ``(k, n)`` (by primary
    key, so the n shards partition the catalogue)."""
    queryset = queryset.exclude(endoflife_product="", **{s.field: "" for s in SOURCES})
    if shard is not None:
        k, n = shard
        queryset = queryset.alias(shard=Mod("pk", n)).filter(shard=k - 1)
    return queryset


def oldest_first(frameworks):
    """Those whose figures are oldest first (never read before all), then by
    name: a run cut short by its budget reaches the most out of date."""
    never = datetime.date.min

    def age(framework):
        dates = [getattr(framework, s.as_of) for s in SOURCES if getattr(framework, s.field)]
        return (min((d or never) for d in dates), framework.name, framework.pk)

    return sorted(frameworks, key=age)


def read_ahead(frameworks, client):
    """Let each source that can read in bulk do so for ``frameworks``, in
    their order (so a budget goes to the oldest first)."""
    for source in SOURCES:
        if source.batch is not None:
            names = [getattr(f, source.field) for f in frameworks if getattr(f, source.field)]
            source.batch(client, names)


@dataclass
class Outcome:
    framework: Framework
    changed: list = field(default_factory=list)  # field names written
    failures: list = field(default_factory=list)  # (source, reason)
    skipped: list = field(default_factory=list)  # (source, reason): budget, rate limit
    notes: list = field(default_factory=list)  # e.g. a followed rename
    written: list = field(default_factory=list)  # other rows changed (releases.py)
    #: {source label: "refreshed" | "unchanged" (every answer a 304) | "skipped" | "failed"}
    reads: dict = field(default_factory=dict)

    @property
    def status(self):
        if self.failures:
            return "failed"
        if self.changed or self.written:
            return "updated"
        return "skipped" if self.skipped else "unchanged"


def _read(source, framework, client, outcome):
    """The source's figures for ``framework``, or None when it was skipped
    or failed (as ``outcome`` notes)."""
    try:
        client.reserve(source.api, source.requests)  # a whole framework, or none of it
        figures = source.read(client, getattr(framework, source.field))
    except sources.Skipped as exc:
        outcome.reads[source.label] = "skipped"
        outcome.skipped.append((source.label, str(exc)))
        return None
    except sources.SourceError as exc:
        outcome.reads[source.label] = "failed"
        outcome.failures.append((source.label, str(exc)))
        return None
    outcome.reads[source.label] = "unchanged" if figures["not_modified"] else "refreshed"
    return figures


def record_snapshot(framework, metric, value, day, source, source_url=""):
    """Today's figure; a second reading on the same day overwrites it."""
    StatSnapshot.objects.update_or_create(
        framework=framework,
        metric=metric,
        day=day,
        defaults={"value": value, "source": source, "source_url": source_url[:500]},
    )


def _set(framework, outcome, name, value):
    if getattr(framework, name) != value:
        setattr(framework, name, value)
        outcome.changed.append(name)


def sync_framework(framework, client, *, now=None):
    # One transaction per framework: one commit for its figures, snapshots
    # and cached answers (and a framework is never left half-written), and
    # one bump of the cache tags its rows touch, not one per row written.
    with transaction.atomic(), bumping_once():
        return _sync_framework(framework, client, now=now)


def _sync_framework(framework, client, *, now=None):
    now = now or timezone.now()
    today = timezone.localdate(now)
    outcome = Outcome(framework)
    snapshots = []
    releases = []
    downloads = []
    documents = []  # the PyPI and npm answers, whose release lists releases.py reads

    if framework.github_repo:
        gh = _read(SOURCE["GitHub"], framework, client, outcome)
        if gh is not None:
            if gh["repo"].lower() != framework.github_repo.lower():
                outcome.notes.append(f"repository renamed {framework.github_repo} -> {gh['repo']}")
            _set(framework, outcome, "github_repo", gh["repo"])
            for name in ("github_stars", "github_forks", "github_open_issues"):
                _set(framework, outcome, name, gh[name])
            if gh["pushed_at"] is not None:  # an answer without a date never blanks one
                _set(framework, outcome, "pushed_at", gh["pushed_at"])
            _set(framework, outcome, "is_archived", gh["is_archived"])
            if gh["license"] and not framework.license:
                _set(framework, outcome, "license", gh["license"])
            _set(framework, outcome, "github_as_of", today)
            url = f"https://github.com/{gh['repo']}"
            for metric in (Metric.GITHUB_STARS, Metric.GITHUB_FORKS, Metric.GITHUB_OPEN_ISSUES):
                snapshots.append((metric, gh[metric.value], "GitHub API", url))
            if gh["release"]:
                releases.append(gh["release"])

    for source in (SOURCE["PyPI"], SOURCE["npm"]):
        if not getattr(framework, source.field):
            continue
        pkg = _read(source, framework, client, outcome)
        if pkg is None:
            continue
        if pkg["released_at"]:
            releases.append((pkg["version"], pkg["released_at"]))
        downloads.append((source.label, pkg["weekly_downloads"]))
        documents.append((source.label, getattr(framework, source.field), pkg["document"]))

    if releases:
        version, released_at = max(releases, key=lambda item: item[1])
        if framework.latest_release_at is None or released_at >= framework.latest_release_at:
            _set(framework, outcome, "latest_version", version[:100])
            _set(framework, outcome, "latest_release_at", released_at)
    missed = {source for source, _ in outcome.failures + outcome.skipped}
    if downloads and not missed & {"PyPI", "npm"}:  # a partial total would be a wrong figure
        total = sum(count for _, count in downloads)
        _set(framework, outcome, "weekly_downloads", total)
        _set(framework, outcome, "downloads_as_of", today)
        where = " + ".join(
            "pypistats" if label == "PyPI" else "npm downloads API" for label, *_ in downloads
        )
        snapshots.append((Metric.WEEKLY_DOWNLOADS, total, where, ""))

    if outcome.changed:
        framework._change_reason = "Statistics sync"  # its history row says so
        framework.save(update_fields=[*outcome.changed, "updated"])
    for metric, value, source, url in snapshots:
        record_snapshot(framework, metric, value, today, source, url)
    sync_releases(framework, client, outcome, documents, today)
    record, _ = SyncRecord.objects.get_or_create(framework=framework)
    record.attempted_at = now
    record.last_failures = "\n".join(f"{s}: {r}" for s, r in outcome.failures)
    if not outcome.failures and not outcome.skipped:  # read completely
        record.synced_at = now
    record.save()
    return outcome

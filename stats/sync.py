"""Write what the sources say into the catalogue and its history.

``sync_framework`` reads each source one framework has, writes the figures
that changed with ``save(update_fields=...)`` (so the page cache's signals
fire) and records today's snapshot of each figure. A failed source changes
nothing: its last good value and that value's date stay.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from frameworks.models import Framework

from . import sources
from .models import StatSnapshot, SyncRecord
from .releases import sync_releases

Metric = StatSnapshot.Metric


@dataclass
class Outcome:
    framework: Framework
    changed: list = field(default_factory=list)  # field names written
    failures: list = field(default_factory=list)  # (source, reason)
    notes: list = field(default_factory=list)  # e.g. a followed rename
    written: list = field(default_factory=list)  # other rows changed (releases.py)

    @property
    def status(self):
        if self.failures:
            return "failed"
        return "updated" if self.changed or self.written else "unchanged"


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
    # and cached answers (and a framework is never left half-written).
    with transaction.atomic():
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
        try:
            gh = sources.read_github(client, framework.github_repo)
        except sources.SourceError as exc:
            outcome.failures.append(("GitHub", str(exc)))
        else:
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

    for label, project, reader in (
        ("PyPI", framework.pypi_project, sources.read_pypi),
        ("npm", framework.npm_package, sources.read_npm),
    ):
        if not project:
            continue
        try:
            pkg = reader(client, project)
        except sources.SourceError as exc:
            outcome.failures.append((label, str(exc)))
            continue
        if pkg["released_at"]:
            releases.append((pkg["version"], pkg["released_at"]))
        downloads.append((label, project, pkg["weekly_downloads"]))
        documents.append((label, project, pkg["document"]))

    if releases:
        version, released_at = max(releases, key=lambda item: item[1])
        if framework.latest_release_at is None or released_at >= framework.latest_release_at:
            _set(framework, outcome, "latest_version", version[:100])
            _set(framework, outcome, "latest_release_at", released_at)
    package_failed = any(source in {"PyPI", "npm"} for source, _ in outcome.failures)
    if downloads and not package_failed:  # a partial total would be a wrong figure
        total = sum(count for _, _, count in downloads)
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
    if not outcome.failures:
        record.synced_at = now
    record.save()
    return outcome

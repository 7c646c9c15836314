"""Read the frameworks' statistics from GitHub, PyPI, pypistats and npm, and
their release series, advisories and health from endoflife.date, OSV and
OpenSSF Scorecard (stats/releases.py).

    python manage.py sync_stats [--only SLUG ...] [--stale-hours N]
                                [--budget [API=]N ...] [--shard K/N]

One framework's failure never stops the others; the command ends with a
line per source (refreshed, unchanged, skipped, failed), a summary, and
exits with status 1 when any source failed, so cron notices. A source
skipped for its budget or a rate limit is reported, and is no failure.
"""

import re
import sys
import time
from collections import Counter
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from frameworks.models import Framework
from stats.sources import API_NAMES, ApiClient
from stats.sync import (
    SOURCES,
    frameworks_to_sync,
    oldest_first,
    read_ahead,
    sync_framework,
)

READS = ("refreshed", "unchanged", "skipped", "failed")


def budget(text):
    """``N`` (every API) or ``API=N``: ``("*" | api, N)``."""
    match = re.fullmatch(r"(?:([a-z]+)=)?(\d{1,9})", text.strip())
    if match is None or (match[1] and match[1] not in API_NAMES):
        apis = ", ".join(API_NAMES)
        raise ValueError(f"expected N or API=N with API one of {apis}")
    return match[1] or "*", int(match[2])


def shard(text):
    """``K/N``, 1 <= K <= N: ``(K, N)``."""
    match = re.fullmatch(r"(\d{1,4})/(\d{1,4})", text.strip())
    if match is None or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError("expected K/N with 1 <= K <= N")
    return int(match[1]), int(match[2])


budget.__name__, shard.__name__ = "budget", "shard"  # named in argparse's errors


class Command(BaseCommand):
    help = (
        "Sync GitHub, PyPI and npm statistics, release series (endoflife.date), advisories "
        "(OSV) and Scorecards into the catalogue and its history."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", nargs="+", metavar="SLUG", default=None, help="Sync only these frameworks."
        )
        parser.add_argument(
            "--stale-hours",
            type=float,
            default=None,
            metavar="N",
            help="Skip frameworks synced successfully less than N hours ago.",
        )
        parser.add_argument(
            "--budget",
            type=budget,
            action="append",
            default=[],
            metavar="[API=]N",
            help="At most N requests (304s aside) to every API, or to one "
            f"({', '.join(API_NAMES)}); may be repeated. The frameworks whose "
            "figures are oldest go first; the rest are skipped, not failed.",
        )
        parser.add_argument(
            "--shard",
            type=shard,
            default=None,
            metavar="K/N",
            help="Sync only the K-th of N parts of the catalogue (by id).",
        )

    def handle(self, *args, only, stale_hours, budget, shard, **options):
        frameworks = Framework.objects.all()
        if only:
            known = set(Framework.objects.filter(slug__in=only).values_list("slug", flat=True))
            unknown = [slug for slug in only if slug not in known]
            if unknown:
                raise CommandError(f"No framework with the slug {', '.join(unknown)}.")
            frameworks = frameworks.filter(slug__in=only)
        skipped = 0
        if stale_hours is not None:
            if stale_hours < 0:
                raise CommandError("--stale-hours must be 0 or more.")
            cutoff = timezone.now() - timedelta(hours=stale_hours)
            fresh = Q(sync_record__synced_at__gte=cutoff)
            skipped = frameworks_to_sync(frameworks.filter(fresh), shard).count()
            frameworks = frameworks.exclude(fresh)
        frameworks = oldest_first(frameworks_to_sync(frameworks, shard))
        given = dict(budget)
        budgets = {api: given.get(api, given.get("*")) for api in API_NAMES}

        verbosity = options["verbosity"]
        progress = verbosity > 0 and self.stdout.isatty()
        counts = Counter()
        reads = Counter()  # (source, "refreshed" | "unchanged" | "skipped" | "failed")
        failures, notes, skips = [], [], Counter()
        started = time.monotonic()
        with ApiClient(budgets={k: v for k, v in budgets.items() if v is not None}) as client:
            read_ahead(frameworks, client)
            for index, framework in enumerate(frameworks, start=1):
                if progress:
                    self._progress(index - 1, len(frameworks), framework.name)
                try:
                    outcome = sync_framework(framework, client)
                except Exception as exc:  # contain anything unforeseen to this framework
                    counts["failed"] += 1
                    failures.append((framework, "sync", f"unexpected error: {type(exc).__name__}"))
                    continue
                counts[outcome.status] += 1
                reads.update(outcome.reads.items())
                failures.extend((framework, src, reason) for src, reason in outcome.failures)
                skips.update(outcome.skipped)
                notes.extend((framework, note) for note in outcome.notes)
            if progress:
                self._progress(len(frameworks), len(frameworks), "done")
                self.stdout.write("")
            requests, not_modified = client.requests, client.not_modified
            sent, unchanged = client.sent, client.unchanged

        if verbosity > 0:
            elapsed = time.monotonic() - started
            for framework, note in notes:
                self.stdout.write(f"{framework.slug}: {note}")
            for framework, source, reason in failures:
                self.stdout.write(self.style.ERROR(f"FAILED {framework.slug} ({source}): {reason}"))
            for (source, reason), times in skips.items():
                many = f"{times} frameworks" if times != 1 else "1 framework"
                self.stdout.write(self.style.WARNING(f"SKIPPED {source} for {many}: {reason}"))
            for source in SOURCES:
                done = [reads[source.label, state] for state in READS]
                if any(done):
                    self.stdout.write(
                        f"{source.label}: {done[0]} refreshed, {done[1]} unchanged (304), "
                        f"{done[2]} skipped (budget or rate limit), {done[3]} failed; "
                        f"{sent[source.api]} requests ({unchanged[source.api]} not modified)."
                    )
            total, held = len(frameworks), counts["skipped"]
            summary = (
                f"Synced {total} framework{'s' if total != 1 else ''}: "
                f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
                f"{counts['failed']} failed"
                + (f", {held} skipped (budget or rate limit)" if held else "")
                + (f", {skipped} skipped (synced within --stale-hours)" if skipped else "")
                + f". {requests} HTTP requests ({not_modified} not modified) in {elapsed:.1f} s."
            )
            style = self.style.ERROR if counts["failed"] else self.style.SUCCESS
            self.stdout.write(style(summary))
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} framework(s) had a failed source; see above.", returncode=1
            )

    def _progress(self, done, total, label):
        width = 30
        filled = width * done // total if total else width
        bar = "#" * filled + "-" * (width - filled)
        line = f"\r[{bar}] {done}/{total} {label[:30]:<30}"
        self.stdout.write(line, ending="")
        self.stdout.flush()
        sys.stdout.flush()

"""Read the frameworks' statistics from GitHub, PyPI, pypistats and npm, and
their release series, advisories and health from endoflife.date, OSV and
OpenSSF Scorecard (stats/releases.py).

    python manage.py sync_stats [--only SLUG ...] [--stale-hours N]

One framework's failure never stops the others; the command ends with a
summary (updated, unchanged, failed with reasons) and exits with status 1
when any source failed, so cron notices.
"""

import sys
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from frameworks.models import Framework
from stats.sources import ApiClient
from stats.sync import sync_framework


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

    def handle(self, *args, only, stale_hours, **options):
        frameworks = Framework.objects.exclude(
            github_repo="", pypi_project="", npm_package="", endoflife_product=""
        ).order_by("name")
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
            skipped = frameworks.filter(fresh).count()
            frameworks = frameworks.exclude(fresh)
        frameworks = list(frameworks)

        verbosity = options["verbosity"]
        progress = verbosity > 0 and self.stdout.isatty()
        counts = {"updated": 0, "unchanged": 0, "failed": 0}
        failures, notes = [], []
        started = time.monotonic()
        with ApiClient() as client:
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
                failures.extend((framework, src, reason) for src, reason in outcome.failures)
                notes.extend((framework, note) for note in outcome.notes)
            if progress:
                self._progress(len(frameworks), len(frameworks), "done")
                self.stdout.write("")
            requests, not_modified = client.requests, client.not_modified

        if verbosity > 0:
            elapsed = time.monotonic() - started
            for framework, note in notes:
                self.stdout.write(f"{framework.slug}: {note}")
            for framework, source, reason in failures:
                self.stdout.write(self.style.ERROR(f"FAILED {framework.slug} ({source}): {reason}"))
            summary = (
                f"Synced {len(frameworks)} framework{'s' if len(frameworks) != 1 else ''}: "
                f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
                f"{counts['failed']} failed"
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

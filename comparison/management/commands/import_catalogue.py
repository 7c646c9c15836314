"""Load a catalogue file written by export_catalogue: all of it, or nothing."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comparison import catalogue_io


class Command(BaseCommand):
    help = (
        "Load a catalogue file (export_catalogue's JSON) into this site. Idempotent: "
        "entries are matched by slug and updated, nothing is deleted. Runs in one "
        "transaction; an invalid file, or one of another format version, writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the catalogue JSON file")

    def handle(self, *args, file, **options):
        try:
            raw = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            summary = catalogue_io.import_catalogue(raw, progress=self.progress(options))
        except catalogue_io.CatalogueError as error:
            raise CommandError(f"{file} was not imported, nothing was written. {error}") from None
        if options["verbosity"]:
            self.stdout.write(
                f"Imported {file}: {summary['created']} created, {summary['updated']} updated, "
                f"{summary['unchanged']} unchanged."
            )

    def progress(self, options):
        """Progress lines on stderr for a long import (every
        ``PROGRESS_EVERY`` frameworks), unless --verbosity 0."""
        if not options["verbosity"]:
            return None
        started = time.perf_counter()

        def report(stage, done, total):
            self.stderr.write(
                f"{stage.capitalize()}: {done:,} of {total:,} frameworks "
                f"({time.perf_counter() - started:.0f} s)"
            )

        return report

"""Build a synthetic catalogue of N frameworks, with members, to measure the
site at scale (comparison/synthetic.py; make bench-scale)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comparison import catalogue_io, synthetic


class Command(BaseCommand):
    help = (
        "Write a synthetic catalogue file of N frameworks (the export_catalogue format), "
        "import it, then add members with votes, follows and stacks. Deterministic "
        "(--seed); running it again changes nothing. Refuses a database that holds "
        "frameworks or members it did not make."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frameworks", type=int, required=True, metavar="N")
        parser.add_argument(
            "--members",
            type=int,
            help=f"members (default {synthetic.MEMBERS_PER_FRAMEWORK} per framework)",
        )
        parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
        parser.add_argument("--output", type=Path, help="keep the catalogue file here")
        parser.add_argument(
            "--file-only",
            action="store_true",
            help="write the file (--output) and leave the database alone",
        )

    def handle(self, *args, frameworks, members, seed, output, file_only, **options):
        if frameworks < 2:
            raise CommandError("--frameworks must be at least 2.")
        if file_only and output is None:
            raise CommandError("--file-only needs --output FILE.")
        if not file_only:
            try:
                synthetic.refuse_a_real_catalogue()
            except synthetic.RealCatalogue as error:
                raise CommandError(str(error)) from None
        members = frameworks * synthetic.MEMBERS_PER_FRAMEWORK if members is None else members
        started = time.perf_counter()
        document = synthetic.catalogue(frameworks, seed)
        content = catalogue_io.dumps(document)
        if output is not None:
            try:
                output.write_bytes(content)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}") from None
            self.report(options, f"Catalogue written to {output} ({len(content):,} bytes).")
        if file_only:
            return
        self.report(options, f"Importing {frameworks:,} frameworks...")
        summary = catalogue_io.import_catalogue(
            content,
            progress=lambda stage, done, total: self.report(
                options, f"  {stage.capitalize()}: {done:,} of {total:,} frameworks"
            ),
        )
        self.report(
            options,
            f"Imported: {summary['created']:,} created, {summary['updated']:,} updated, "
            f"{summary['unchanged']:,} unchanged.",
        )
        added = synthetic.add_members(document, members, seed)
        if options["verbosity"]:
            rows = ", ".join(f"{n:,} {what}" for what, n in added.items())
            self.stdout.write(
                f"Synthetic catalogue of {frameworks:,} frameworks ready in "
                f"{time.perf_counter() - started:.0f} s; added {rows}."
            )

    def report(self, options, line):
        if options["verbosity"]:
            self.stderr.write(line)

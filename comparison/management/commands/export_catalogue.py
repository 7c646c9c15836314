"""Write the whole public catalogue to one versioned JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comparison import catalogue_io


class Command(BaseCommand):
    help = (
        "Write the public catalogue (frameworks and statistics, criteria, assessments, "
        "comparisons, differences, pros and cons with counts) to FILE as versioned JSON "
        '("-" for standard output). import_catalogue reads it back.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help='where to write the JSON file, or "-"')

    def handle(self, *args, file, **options):
        content = catalogue_io.dumps(catalogue_io.export_catalogue())
        if file == "-":
            self.stdout.write(content.decode(), ending="")
            return
        try:
            Path(file).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {file}: {error.strerror}") from None
        if options["verbosity"]:
            self.stderr.write(f"Catalogue written to {file} ({len(content):,} bytes).")

"""Write the decision views counted in the cache into the database.

Views are also written every DECISION_VIEWS_FLUSH_EVERY views or by the first
view after DECISION_VIEWS_FLUSH_SECONDS; schedule this (e.g. every few
minutes, like sync_stats) so that rarely read decisions catch up too."""

from django.core.management.base import BaseCommand

from frameworks.services import flush_decision_views


class Command(BaseCommand):
    help = "Write decision views counted in the cache to the database."

    def handle(self, *args, **options):
        moved = flush_decision_views()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Decision views written: {moved}."))

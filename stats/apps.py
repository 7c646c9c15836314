from django.apps import AppConfig


class StatsConfig(AppConfig):
    """Statistics sync: the sources (GitHub, PyPI, pypistats, npm), the
    daily snapshots behind the charts, and ``manage.py sync_stats``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "stats"
    verbose_name = "Statistics"

    def ready(self):
        from . import signals

        # Keep cached pages exact when snapshots change (frameworks/cache.py tags).
        signals.connect()

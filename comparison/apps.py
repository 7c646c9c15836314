from django.apps import AppConfig


class ComparisonConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comparison"
    verbose_name = "Comparisons"

    def ready(self):
        from . import signals

        # Keep cached pages exact when criteria, assessments or comparisons change.
        signals.connect()

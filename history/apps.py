from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """Public history: the Changes pages and Atom feeds of frameworks and
    comparisons, and members watching them. Built on the history rows the
    curated models keep (``core.history``); used by the pages of the
    catalogue and of comparisons."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "history"
    verbose_name = "History and watching"

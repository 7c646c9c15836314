from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Site-wide plumbing that belongs to no one domain: the page cache,
    response headers, rate limits, HTTP helpers, model and admin bases.

    It holds no models of its own and imports from no other app of ours;
    ``comparison`` and ``frameworks`` build on it, never the other way round.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Site plumbing"

    def ready(self):
        from . import checks, converters, history  # noqa: F401 (checks registers itself)

        # <id:pk> in every app's URLconf, which is read after this.
        converters.register()

        # Curated history rows record the member a change credits.
        history.connect()

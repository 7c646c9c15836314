from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The pages that compose several apps (the home page, a framework's
    page, a comparison, a category, a decision), in one place; and the holes
    they print (``holes.py``). Nothing below imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "pages"
    verbose_name = "Pages"

    def ready(self):
        from . import holes  # noqa: F401 (registers the site's holes)

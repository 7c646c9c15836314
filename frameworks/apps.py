from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_migrate, pre_delete


class FrameworksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "frameworks"
    verbose_name = "Catalogue"

    def ready(self):
        from . import services, signals

        # Keep cached pages exact when catalogue rows change (frameworks/cache.py).
        signals.connect()

        pre_delete.connect(
            services.remember_votes_of_member,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="frameworks-remember-member-votes",
        )
        post_delete.connect(
            services.recount_after_member_deleted,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="frameworks-recount-after-member-deleted",
        )
        # A deleted pro/con's votes leave its framework's count.
        post_delete.connect(
            services.recount_after_procon_deleted,
            sender="frameworks.ProCon",
            dispatch_uid="frameworks-recount-after-procon-deleted",
        )
        # SQLite drops a table's triggers when a migration rebuilds it: put
        # the search index's back (frameworks/search.py).
        post_migrate.connect(
            _ensure_search_index, sender=self, dispatch_uid="frameworks-search-index"
        )


def _ensure_search_index(using, **kwargs):
    from django.db import connections

    from .search import ensure_sqlite_index

    ensure_sqlite_index(connections[using])

from django.apps import AppConfig


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = "Members"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_delete, pre_delete

        from . import services, signals

        # Keep cached pages exact when members' names and profiles change
        # (members/cache.py).
        signals.connect()

        # A deleted member's follows and stack entries go with them: recount.
        pre_delete.connect(
            services.remember_member_frameworks,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="members-remember-member-frameworks",
        )
        post_delete.connect(
            services.recount_after_member_deleted,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="members-recount-after-member-deleted",
        )

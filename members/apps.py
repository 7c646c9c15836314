from django.apps import AppConfig


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = "Members"

    def ready(self):
        from . import signals

        # Keep cached pages exact when members' names and profiles change
        # (members/cache.py).
        signals.connect()

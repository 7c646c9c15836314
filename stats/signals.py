"""Receivers that keep cached pages exact when snapshots change."""

from django.db.models.signals import post_delete, post_save

from core.cache import bump_on_commit
from frameworks import cache as tags

from .models import StatSnapshot


def snapshot_changed(sender, instance, **kwargs):
    """History charts and trends on the framework's page and comparisons, and
    the catalogue's "stars gained" ranking."""
    bump_on_commit(tags.framework(instance.framework_id), tags.CATALOGUE)


def connect():
    uid = "stats-cache-"
    post_save.connect(snapshot_changed, sender=StatSnapshot, dispatch_uid=uid + "snapshot-save")
    post_delete.connect(snapshot_changed, sender=StatSnapshot, dispatch_uid=uid + "snapshot-del")

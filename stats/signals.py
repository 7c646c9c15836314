"""Receivers that keep cached pages exact when snapshots, release series,
advisories and health signals change."""

from django.db.models.signals import post_delete, post_save

from core.cache import bump_on_commit
from frameworks import cache as tags

from .models import Advisory, HealthSignal, ReleaseSeries, StatSnapshot


def snapshot_changed(sender, instance, **kwargs):
    """History charts and trends on the framework's page and comparisons, and
    the catalogue's "stars gained" ranking."""
    bump_on_commit(tags.framework(instance.framework_id), tags.CATALOGUE)


def framework_row_changed(sender, instance, **kwargs):
    """A series or health signal: the framework's page and its comparisons."""
    bump_on_commit(tags.framework(instance.framework_id))


def advisory_changed(sender, instance, **kwargs):
    framework_id = (
        ReleaseSeries.objects.filter(pk=instance.series_id)
        .values_list("framework_id", flat=True)
        .first()
    )
    if framework_id is not None:
        bump_on_commit(tags.framework(framework_id))


def connect():
    uid = "stats-cache-"
    post_save.connect(snapshot_changed, sender=StatSnapshot, dispatch_uid=uid + "snapshot-save")
    post_delete.connect(snapshot_changed, sender=StatSnapshot, dispatch_uid=uid + "snapshot-del")
    for model in (ReleaseSeries, HealthSignal):
        name = model._meta.model_name
        post_save.connect(framework_row_changed, sender=model, dispatch_uid=f"{uid}{name}-save")
        post_delete.connect(framework_row_changed, sender=model, dispatch_uid=f"{uid}{name}-del")
    post_save.connect(advisory_changed, sender=Advisory, dispatch_uid=uid + "advisory-save")
    post_delete.connect(advisory_changed, sender=Advisory, dispatch_uid=uid + "advisory-del")

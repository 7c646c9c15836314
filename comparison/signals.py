"""Receivers that keep cached pages exact when comparison rows change.

Connected in ``ComparisonConfig.ready()``; the tags are described in
``comparison/cache.py``.
"""

from django.db.models.signals import post_delete, post_save
from simple_history.signals import post_create_historical_record

from core.cache import bump_on_commit
from frameworks import cache as catalogue_tags

from . import cache as tags
from .models import Assessment, Comparison, ComparisonEntry, Criterion, Difference


def criterion_changed(sender, instance, **kwargs):
    bump_on_commit(tags.CRITERIA)


def assessment_changed(sender, instance, **kwargs):
    bump_on_commit(catalogue_tags.framework(instance.framework_id))


def comparison_changed(sender, instance, **kwargs):
    bump_on_commit(tags.COMPARISONS)


def assessment_history_written(sender, instance, **kwargs):
    bump_on_commit(catalogue_tags.history(instance.framework_id))


def comparison_history_written(sender, instance, **kwargs):
    pk = instance.pk if isinstance(instance, Comparison) else instance.comparison_id
    bump_on_commit(tags.comparison_history(pk))


def connect():
    uid = "comparison-cache-"
    for model, receiver in (
        (Assessment, assessment_history_written),
        (Comparison, comparison_history_written),
        (ComparisonEntry, comparison_history_written),
        (Difference, comparison_history_written),
    ):
        post_create_historical_record.connect(
            receiver,
            sender=model.history.model,
            dispatch_uid=f"{uid}history-{model._meta.model_name}",
        )
    for model, receiver in (
        (Criterion, criterion_changed),
        (Assessment, assessment_changed),
        (Comparison, comparison_changed),
        (ComparisonEntry, comparison_changed),
        (Difference, comparison_changed),
    ):
        label = model._meta.model_name
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}{label}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}{label}-delete")

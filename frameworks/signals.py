"""Receivers that keep cached pages exact when catalogue rows change.

Connected in ``FrameworksConfig.ready()``. Each receiver names the tags a
change touches (``frameworks/cache.py``) and bumps them once the transaction
commits. Votes have no model receivers (a vote's DELETE stays a single
statement: Django fetches rows before deleting only when a model has delete
receivers); the services announce them, with follows and stack entries,
as ``services.counts_changed``.
"""

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from simple_history.signals import post_create_historical_record

from core.cache import bump_on_commit

from . import cache as tags
from . import services
from .models import Category, Decision, Framework, ProCon, Vote


def framework_pre_save(sender, instance, **kwargs):
    """Remember the stored values, to tell which pages a save reaches."""
    instance._stored = (
        Framework.objects.filter(pk=instance.pk).values(*tags.DIRECTORY_FIELDS, "tagline").first()
        if instance.pk
        else None
    )


def framework_saved(sender, instance, created=False, update_fields=None, **kwargs):
    stored = getattr(instance, "_stored", None)
    changed = {
        field
        for field in (*tags.DIRECTORY_FIELDS, "tagline")
        if stored is None or stored[field] != getattr(instance, field)
    }
    touched = {tags.framework(instance.pk), tags.CATALOGUE}
    if changed & set(tags.REFERENCE_FIELDS):
        touched.add(tags.framework_ref(instance.pk))
    if changed & set(tags.DIRECTORY_FIELDS):
        touched.add(tags.FRAMEWORKS)
    bump_on_commit(*touched)


def framework_deleted(sender, instance, **kwargs):
    bump_on_commit(
        tags.framework(instance.pk),
        tags.framework_ref(instance.pk),
        tags.FRAMEWORKS,
        tags.CATALOGUE,
    )


def procon_changed(sender, instance, **kwargs):
    pk = instance.framework_id
    bump_on_commit(tags.framework(pk), tags.votes(pk), tags.CATALOGUE, tags.VOTES)


def counts_changed(sender, framework_ids, **kwargs):
    """Votes (``sender`` Vote), or follows and stack entries, of these
    frameworks: only the holes showing them, and lists ordered by votes."""
    if sender is Vote:
        bump_on_commit(tags.VOTES, *(tags.votes(pk) for pk in framework_ids))
    else:
        bump_on_commit(tags.FOLLOWS, *(tags.follows(pk) for pk in framework_ids))


def framework_links_changed(sender, instance, action, pk_set, **kwargs):
    """Alternatives and integrations: the pages at both ends show the link."""
    if action not in ("pre_clear", "post_add", "post_remove"):
        return
    ids = {instance.pk, *(pk_set or ())}
    if action == "pre_clear":
        rows = sender.objects.filter(
            Q(from_framework=instance.pk) | Q(to_framework=instance.pk)
        ).values_list("from_framework_id", "to_framework_id")
        ids.update(pk for row in rows for pk in row)
    bump_on_commit(*(tags.framework(pk) for pk in ids))


def decision_pre_delete(sender, instance, **kwargs):
    instance._framework_ids = list(instance.frameworks.values_list("pk", flat=True))


def decision_changed(sender, instance, **kwargs):
    """A decision shows on the pages of every framework it names."""
    ids = getattr(instance, "_framework_ids", None)
    if ids is None:
        ids = list(instance.frameworks.values_list("pk", flat=True))
    bump_on_commit(tags.decision(instance.pk), *(tags.decisions(pk) for pk in ids))


def decision_frameworks_changed(sender, instance, action, pk_set, reverse, **kwargs):
    """Links between decisions and frameworks: every framework named before
    or after shows the decision's card, which lists them all."""
    if action not in ("pre_clear", "post_add", "post_remove"):
        return
    if reverse:  # ``framework.decisions`` changed; pk_set holds decision ids
        decision_ids = set(pk_set or ())
        if action == "pre_clear":
            decision_ids = set(instance.decisions.values_list("pk", flat=True))
        ids = {instance.pk}
        ids.update(
            sender.objects.filter(decision_id__in=decision_ids).values_list(
                "framework_id", flat=True
            )
        )
    else:
        decision_ids = {instance.pk}
        ids = set(pk_set or ()) | set(instance.frameworks.values_list("pk", flat=True))
    bump_on_commit(*(tags.decision(pk) for pk in decision_ids), *(tags.decisions(pk) for pk in ids))


def decision_criteria_changed(sender, instance, action, pk_set, reverse, **kwargs):
    """The criteria a decision cites: counted and linked in the criterion rows
    of the comparisons of every framework it names."""
    if action not in ("pre_clear", "post_add", "post_remove"):
        return
    if reverse:  # ``criterion.decisions`` changed; pk_set holds decision ids
        decision_ids = set(pk_set or ())
        if action == "pre_clear":
            decision_ids = set(instance.decisions.values_list("pk", flat=True))
    else:
        decision_ids = {instance.pk}
    ids = Decision.frameworks.through.objects.filter(decision_id__in=decision_ids).values_list(
        "framework_id", flat=True
    )
    bump_on_commit(
        *(tags.decision(pk) for pk in decision_ids), *(tags.decisions(pk) for pk in set(ids))
    )


def category_changed(sender, instance, **kwargs):
    bump_on_commit(tags.CATEGORIES, tags.FRAMEWORKS)


def framework_history_written(sender, instance, **kwargs):
    """A new history row of a framework or of one of its pros/cons: its
    Changes page and feed (and those of comparisons including it)."""
    framework_id = instance.pk if isinstance(instance, Framework) else instance.framework_id
    bump_on_commit(tags.history(framework_id))


def connect():
    uid = "frameworks-cache-"
    for model in (Framework, ProCon):
        post_create_historical_record.connect(
            framework_history_written,
            sender=model.history.model,
            dispatch_uid=uid + "history-" + model._meta.model_name,
        )
    services.counts_changed.connect(counts_changed, dispatch_uid=uid + "counts")
    pre_save.connect(framework_pre_save, sender=Framework, dispatch_uid=uid + "framework-pre")
    post_save.connect(framework_saved, sender=Framework, dispatch_uid=uid + "framework-save")
    post_delete.connect(framework_deleted, sender=Framework, dispatch_uid=uid + "framework-del")
    post_save.connect(procon_changed, sender=ProCon, dispatch_uid=uid + "procon-save")
    post_delete.connect(procon_changed, sender=ProCon, dispatch_uid=uid + "procon-del")
    for through in (Framework.alternatives.through, Framework.integrations.through):
        m2m_changed.connect(
            framework_links_changed, sender=through, dispatch_uid=uid + through._meta.label
        )
    pre_delete.connect(decision_pre_delete, sender=Decision, dispatch_uid=uid + "decision-pre")
    post_save.connect(decision_changed, sender=Decision, dispatch_uid=uid + "decision-save")
    post_delete.connect(decision_changed, sender=Decision, dispatch_uid=uid + "decision-del")
    m2m_changed.connect(
        decision_frameworks_changed,
        sender=Decision.frameworks.through,
        dispatch_uid=uid + "decision-frameworks",
    )
    m2m_changed.connect(
        decision_criteria_changed,
        sender=Decision.criteria.through,
        dispatch_uid=uid + "decision-criteria",
    )
    post_save.connect(category_changed, sender=Category, dispatch_uid=uid + "category-save")
    post_delete.connect(category_changed, sender=Category, dispatch_uid=uid + "category-del")
    # Deleting a member needs no receiver here: their decisions go with them,
    # and each deleted decision bumps the pages that listed it.

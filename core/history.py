"""History of curated rows (django-simple-history), shared by the apps.

Each curated model declares ``history = CuratedHistory(...)``; every save and
delete then writes a row into its historical table with who (the signed-in
user, from ``simple_history.middleware.HistoryRequestMiddleware``), when and
the whole row as it became.

Recording who and why from code that runs outside a request, or on behalf of
someone else, sets attributes on the instance before saving it::

    assessment.summary = suggestion.summary
    assessment._history_user = curator          # who made the change
    assessment._change_reason = "Suggested edit #12 approved"
    assessment._history_credit = suggestion.author  # the member it credits
    assessment.save()

``_history_user`` and ``_change_reason`` are django-simple-history's own;
``_history_credit`` is ours (the ``history_credit`` column): the public
Changes pages then show "alice (approved by a curator)".

Writes that bypass ``save()`` (``QuerySet.update()``, raw SQL such as the vote
counter) write no history; code that changes curated fields that way records
them with ``record_bulk_change()``.
"""

import difflib
import re

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


class CreditedHistory(models.Model):
    """Columns every curated history row has besides simple-history's own."""

    history_credit = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The member a change credits (an approved suggestion).",
    )

    class Meta:
        abstract = True


class CuratedHistory(HistoricalRecords):
    """``HistoricalRecords`` that write no row for a save that changed no
    recorded field (the admin saves a framework whenever its page is
    submitted, even with only a pro/con edited): every row is a change."""

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [CreditedHistory])
        super().__init__(**kwargs)

    def post_save(self, instance, created, using=None, **kwargs):
        if (
            not created
            and not kwargs.get("raw", False)
            and not hasattr(instance, "_change_reason")
            and self.unchanged(instance)
        ):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def unchanged(self, instance):
        manager = getattr(instance, self.manager_name)
        names = [field.attname for field in self.fields_included(instance)]
        latest = manager.order_by("-history_date", "-history_id").values(*names).first()
        return latest is not None and all(latest[name] == getattr(instance, name) for name in names)


def record_credit(sender, instance, history_instance, **kwargs):
    history_instance.history_credit = getattr(instance, "_history_credit", None)


def connect():
    pre_create_historical_record.connect(record_credit, dispatch_uid="core-history-credit")


def record_bulk_change(model, objects, *, user=None, reason=""):
    """History rows for ``objects`` changed by ``QuerySet.update()`` (which
    sends no signal); the caller passes the rows as they are now."""
    objects = list(objects)
    if objects:
        model.history.bulk_history_create(
            objects, update=True, default_user=user, default_change_reason=reason
        )
    return objects


# --- Readable differences -----------------------------------------------------

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]+")


def word_diff(old, new):
    """``[(op, text)]`` turning ``old`` into ``new`` word by word, where op is
    "same", "del" or "ins". Plain text in, plain text out: templates escape it."""
    a = _TOKENS.findall(old or "")
    b = _TOKENS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(("same", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(("del", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            parts.append(("ins", "".join(b[j1:j2])))
    return parts

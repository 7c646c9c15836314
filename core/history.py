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

An import (``load_demo``, ``import_catalogue``) runs inside ``importing()``:
each row it writes carries the import's reason, and an object it saves
several times (a comparison is created, given its frameworks, then
published) keeps one row, its state when the import is done. The import runs
in one transaction, so no reader ever saw the states in between; the Changes
pages then list one "imported" entry per object.
"""

import difflib
import re
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

#: The change reasons of the rows an import writes (``importing()``).
DEMO_IMPORT = "Imported from the demo catalogue"
FILE_IMPORT = "Imported from a catalogue file"
IMPORT_REASONS = (DEMO_IMPORT, FILE_IMPORT)


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

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        batch = _current_import()
        return reason or (batch.reason if batch is not None else reason)

    def create_historical_record(self, instance, history_type, using=None):
        batch = _current_import()
        if batch is not None and history_type == "~":
            row = batch.rows.get((getattr(instance, self.manager_name).model, instance.pk))
            if row is not None:
                # Saved again by the same import: its one row takes the new state.
                for field in self.fields_included(instance):
                    setattr(row, field.attname, getattr(instance, field.attname))
                row.save(using=using if self.use_base_model_db else None)
                return
        super().create_historical_record(instance, history_type, using=using)

    def unchanged(self, instance):
        manager = getattr(instance, self.manager_name)
        names = [field.attname for field in self.fields_included(instance)]
        latest = manager.order_by("-history_date", "-history_id").values(*names).first()
        return latest is not None and all(latest[name] == getattr(instance, name) for name in names)


def record_credit(sender, instance, history_instance, **kwargs):
    history_instance.history_credit = getattr(instance, "_history_credit", None)


def remember_import_row(sender, instance, history_instance, **kwargs):
    batch = _current_import()
    if batch is not None and history_instance.history_type != "-":
        batch.rows.setdefault((sender, instance.pk), history_instance)


def connect():
    pre_create_historical_record.connect(record_credit, dispatch_uid="core-history-credit")
    post_create_historical_record.connect(remember_import_row, dispatch_uid="core-history-import")


# --- Imports ------------------------------------------------------------------

_imports = threading.local()


class _ImportBatch:
    def __init__(self, reason):
        self.reason = reason
        self.rows = {}  # {(historical model, object pk): the row this import wrote}


def _current_import():
    return getattr(_imports, "batch", None)


@contextmanager
def importing(reason):
    """History rows written inside the block are an import's (see the
    module's docstring): ``reason`` (one of ``IMPORT_REASONS``) is their
    change reason, unless the code saving gives its own, and an object saved
    again keeps its first row, updated to its new state. Use it inside the
    import's transaction."""
    previous = _current_import()
    _imports.batch = _ImportBatch(reason)
    try:
        yield
    finally:
        _imports.batch = previous


def is_import(row):
    """Whether a history row was written by an import (and by no one)."""
    return row.history_user_id is None and row.history_change_reason in IMPORT_REASONS


def automatic_author(row):
    """Who made a change that no user made: "import" for an import's rows,
    "automatic update" for the others (sync_stats, scripts)."""
    return "import" if is_import(row) else "automatic update"


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

"""Members' suggested edits: what a target holds now, the diff a curator
reviews, and applying or rejecting a suggestion.

A suggestion stores the target's values when it was made (``snapshot``).
Approving compares them with the values now, under a row lock: if a curator
(or another approved suggestion) changed the target since, the suggestion
is marked *conflict* and nothing is applied; the curator reads the three
columns (then, now, proposed) and edits by hand if the proposal still holds.

Applying saves the Assessment or the Framework with ``save()``, so the
existing receivers bump the cache tags of every page that shows it
(``framework:<pk>``), and the model history (django-simple-history, when
installed) records the curator as the author and the member in the reason:
``_history_user`` and ``_change_reason`` are the attributes it reads; without
it they are harmless.
"""

from django.db import transaction
from django.utils import timezone

from frameworks.models import Framework
from stats.models import ReleaseSeries

from .models import SUGGESTIBLE_STATISTICS, Assessment, EditSuggestion, version_key

#: The compared fields of each target, with their labels.
ASSESSMENT_FIELDS = [("verdict", "Verdict"), ("summary", "Summary"), ("source_url", "Source")]
STATISTIC_FIELDS = [("value", "Value")]


class NotPending(Exception):
    """The suggestion was reviewed already."""


class Conflict(Exception):
    """The target changed since the suggestion was made; nothing applied."""


def assessment_values(assessment):
    """What a cell holds; an empty dict when it is not assessed yet."""
    if assessment is None:
        return {}
    return {name: getattr(assessment, name) for name, _ in ASSESSMENT_FIELDS}


def statistic_values(framework, statistic):
    return {"value": getattr(framework, statistic)}


def current_values(suggestion, *, lock=False):
    """The target's values now (reads one row; locks it when ``lock``)."""
    if suggestion.target == EditSuggestion.Target.ASSESSMENT:
        queryset = Assessment.objects.current().filter(
            framework_id=suggestion.framework_id, criterion_id=suggestion.criterion_id
        )
        if lock:
            # An empty cell has no row to lock: the framework's row serialises
            # the approvals of its cells, so two cannot both create it.
            list(
                Framework.objects.select_for_update()
                .filter(pk=suggestion.framework_id)
                .values_list("pk", flat=True)
            )
            queryset = queryset.select_for_update()
        return assessment_values(queryset.first())
    queryset = Framework.objects.filter(pk=suggestion.framework_id)
    if lock:
        queryset = queryset.select_for_update()
    return statistic_values(queryset.get(), suggestion.statistic)


def proposed_values(suggestion):
    if suggestion.target == EditSuggestion.Target.ASSESSMENT:
        return {name: getattr(suggestion, name) for name, _ in ASSESSMENT_FIELDS}
    return {"value": suggestion.value}


def is_conflicting(suggestion, current=None):
    if current is None:
        current = current_values(suggestion)
    return current != suggestion.snapshot


def shown(name, value):
    """A value as a curator reads it: a verdict's label ("Partly"), not the
    value stored ("partial")."""
    if name == "verdict" and value in Assessment.Verdict.values:
        return Assessment.Verdict(value).label
    return value


def diff_rows(suggestion, current=None):
    """[(label, then, now, proposed, changed)] for the side-by-side review;
    values as shown (``shown``), ``changed`` from the values stored."""
    if current is None:
        current = current_values(suggestion)
    fields = (
        ASSESSMENT_FIELDS
        if suggestion.target == EditSuggestion.Target.ASSESSMENT
        else STATISTIC_FIELDS
    )
    proposed = proposed_values(suggestion)
    return [
        (
            label,
            shown(name, suggestion.snapshot.get(name)),
            shown(name, current.get(name)),
            shown(name, proposed[name]),
            proposed[name] != current.get(name),
        )
        for name, label in fields
    ]


def credit_line(suggestion):
    """The history's reason for the change: who suggested it and why."""
    return f"Suggested by {suggestion.author.get_username()}: {suggestion.reason}"[:100]


def approve(suggestion_id, curator, note=""):
    """Apply a pending suggestion in one transaction; returns the suggestion.

    Raises NotPending if it was reviewed already, Conflict (after marking
    it so) if its target changed since it was made."""
    with transaction.atomic():
        suggestion = (
            EditSuggestion.objects.select_for_update(of=("self",))
            .select_related("author", "framework", "criterion")
            .get(pk=suggestion_id)
        )
        if suggestion.status != EditSuggestion.Status.PENDING:
            raise NotPending(suggestion)
        current = current_values(suggestion, lock=True)
        if current != suggestion.snapshot:
            _close(suggestion, EditSuggestion.Status.CONFLICT, curator, note)
            conflict = Conflict(suggestion)
        else:
            _apply(suggestion, curator)
            _close(suggestion, EditSuggestion.Status.APPROVED, curator, note)
            conflict = None
    if conflict is not None:
        raise conflict  # outside the block, so the CONFLICT mark is committed
    return suggestion


def reject(suggestion_id, curator, note):
    """Close a pending (or conflicting) suggestion with a note for the member."""
    if not note.strip():
        raise ValueError("Write a note for the member.")
    with transaction.atomic():
        suggestion = EditSuggestion.objects.select_for_update().get(pk=suggestion_id)
        if suggestion.status not in (
            EditSuggestion.Status.PENDING,
            EditSuggestion.Status.CONFLICT,
        ):
            raise NotPending(suggestion)
        _close(suggestion, EditSuggestion.Status.REJECTED, curator, note)
    return suggestion


def _close(suggestion, status, curator, note):
    suggestion.status = status
    suggestion.reviewer = curator
    suggestion.reviewed_at = timezone.now()
    if note:
        suggestion.review_note = note
    suggestion.save(update_fields=["status", "reviewer", "reviewed_at", "review_note"])


def _apply(suggestion, curator):
    today = timezone.localdate()
    if suggestion.target == EditSuggestion.Target.ASSESSMENT:
        assessment = (
            Assessment.objects.current()
            .filter(framework_id=suggestion.framework_id, criterion_id=suggestion.criterion_id)
            .first()
        ) or _first_current(suggestion)
        for name, _ in ASSESSMENT_FIELDS:
            setattr(assessment, name, getattr(suggestion, name))
        assessment.checked_on = today
        target = assessment
    else:
        framework = Framework.objects.get(pk=suggestion.framework_id)
        setattr(framework, suggestion.statistic, suggestion.value)
        setattr(framework, SUGGESTIBLE_STATISTICS[suggestion.statistic][1], today)
        target = framework
    target._history_user = curator
    target._change_reason = credit_line(suggestion)
    target._history_credit = suggestion.author  # credited on the Changes page
    target.save()


def _first_current(suggestion):
    """A cell's first current assessment. Where earlier versions have their
    own ("until 5.1"), it holds since the framework's next series ("5.2"),
    so no two hold for one version; ValueError (nothing applied) when no
    later series is known."""
    cell = {"framework_id": suggestion.framework_id, "criterion_id": suggestion.criterion_id}
    ends = Assessment.objects.filter(**cell).values_list("until", flat=True)
    if not ends:
        return Assessment(**cell)
    last = max(ends, key=version_key)
    later = [
        name
        for name in ReleaseSeries.objects.filter(framework_id=suggestion.framework_id).values_list(
            "name", flat=True
        )
        if version_key(name) > version_key(last)
    ]
    if not later:
        raise ValueError(
            f"Not applied: {suggestion.framework} is assessed on {suggestion.criterion} "
            f"until {last}, and no later series is known to start this one from. "
            "Add the assessment by hand, with its first version."
        )
    return Assessment(**cell, since=min(later, key=version_key))

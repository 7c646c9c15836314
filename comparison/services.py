"""Writes that span a comparison and its ordered frameworks."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from frameworks.models import Watch

from .models import (
    FRAMEWORK_RANGE,
    Comparison,
    ComparisonEntry,
    framework_set_key,
    holds_framework_count,
)


def set_comparison_frameworks(comparison: Comparison, frameworks) -> None:
    """Replace a comparison's frameworks with ``frameworks`` in that order."""
    frameworks = list(frameworks)
    if len({f.pk for f in frameworks}) != len(frameworks):
        raise ValidationError("A framework can appear only once in a comparison.")
    if not holds_framework_count(len(frameworks)):
        raise ValidationError(f"A comparison holds {FRAMEWORK_RANGE} frameworks.")
    with transaction.atomic():
        comparison.framework_key = framework_set_key(frameworks)
        comparison.save()
        comparison.entries.all().delete()
        ComparisonEntry.objects.bulk_create(
            ComparisonEntry(comparison=comparison, framework=f, position=i)
            for i, f in enumerate(frameworks, start=1)
        )


@dataclass
class WatchState:
    """What a signed-in member's page shows about watching it."""

    watching: bool = False
    new_changes: int = 0  # changes since their last visit
    since: datetime | None = None  # their last visit

    @property
    def since_param(self):
        return str(int(self.since.timestamp())) if self.since else ""


def visit_watched_page(user, scope, *, framework=None, framework_key=""):
    """A member opens a page: whether they watch it and how many changes
    (``scope``, a ``changes.Scope``) it had since their last visit, which
    becomes now. Anonymous readers get the empty state (cached pages)."""
    if not user.is_authenticated:
        return WatchState()
    watch = Watch.objects.filter(user=user, framework=framework, framework_key=framework_key)
    seen = watch.values_list("last_seen_at", flat=True).first()
    if seen is None:
        return WatchState()
    new_changes = scope.count_since(seen)
    watch.update(last_seen_at=timezone.now())
    return WatchState(True, new_changes, seen)

"""Writes that span a comparison and its ordered frameworks."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    FRAMEWORK_RANGE,
    Comparison,
    ComparisonEntry,
    framework_set_key,
    holds_framework_count,
)


def check_comparison_frameworks(frameworks) -> None:
    """ValidationError unless ``frameworks`` can be a comparison's."""
    if len({f.pk for f in frameworks}) != len(frameworks):
        raise ValidationError("A framework can appear only once in a comparison.")
    if not holds_framework_count(len(frameworks)):
        raise ValidationError(f"A comparison holds {FRAMEWORK_RANGE} frameworks.")


def set_comparison_frameworks(comparison: Comparison, frameworks) -> None:
    """Replace a comparison's frameworks with ``frameworks`` in that order."""
    frameworks = list(frameworks)
    check_comparison_frameworks(frameworks)
    with transaction.atomic():
        comparison.framework_key = framework_set_key(frameworks)
        comparison.save()
        comparison.entries.all().delete()
        ComparisonEntry.objects.bulk_create(
            ComparisonEntry(comparison=comparison, framework=f, position=i)
            for i, f in enumerate(frameworks, start=1)
        )

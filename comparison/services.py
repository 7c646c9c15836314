"""Writes that span a comparison and its ordered frameworks."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import MAX_FRAMEWORKS, MIN_FRAMEWORKS, Comparison, ComparisonEntry, framework_set_key


def set_comparison_frameworks(comparison: Comparison, frameworks) -> None:
    """Replace a comparison's frameworks with ``frameworks`` in that order."""
    frameworks = list(frameworks)
    if len({f.pk for f in frameworks}) != len(frameworks):
        raise ValidationError("A framework can appear only once in a comparison.")
    if not MIN_FRAMEWORKS <= len(frameworks) <= MAX_FRAMEWORKS:
        raise ValidationError(
            f"A comparison holds {MIN_FRAMEWORKS} to {MAX_FRAMEWORKS} frameworks."
        )
    with transaction.atomic():
        comparison.framework_key = framework_set_key(frameworks)
        comparison.save()
        comparison.entries.all().delete()
        ComparisonEntry.objects.bulk_create(
            ComparisonEntry(comparison=comparison, framework=f, position=i)
            for i, f in enumerate(frameworks, start=1)
        )

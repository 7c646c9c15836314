"""Links to compare pages, built by ``compare_path`` and nothing else."""

from django import template

from comparison.models import compare_path, holds_framework_count

register = template.Library()


@register.filter
def compare_url(framework, other):
    """The comparison page of two frameworks, in the stable slug order."""
    return compare_path(sorted([framework, other], key=lambda f: f.slug))


@register.filter
def compare_url_of(frameworks):
    """The comparison page of ``frameworks`` in slug order, or "" when they
    are too few or too many to compare."""
    frameworks = list(frameworks)
    if not holds_framework_count(len(frameworks)):
        return ""
    return compare_path(sorted(frameworks, key=lambda f: f.slug))


@register.filter
def compare_url_adding(frameworks, extra):
    """The comparison page of ``frameworks`` with ``extra`` added, in slug
    order like the other links (the page order would cost a 301), or ""
    when that would be one framework too many."""
    return compare_url_of([*frameworks, extra])

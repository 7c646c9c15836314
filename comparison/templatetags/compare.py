"""Links to compare pages, built by ``compare_path`` and nothing else."""

from django import template

from comparison.models import compare_path

register = template.Library()


@register.filter
def compare_url(framework, other):
    """The comparison page of two frameworks, in the stable slug order."""
    return compare_path(sorted([framework, other], key=lambda f: f.slug))

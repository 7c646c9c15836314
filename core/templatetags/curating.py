"""Tags of the admin's own templates (Django's engine; the public Jinja2
pages do not load this library)."""

from django import template

from core import admin as core_admin

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_work(context):
    """The index's queues with work in them: ``[(text, url)]``."""
    return core_admin.pending_work(context["request"], context.get("app_list") or [])

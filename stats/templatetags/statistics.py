"""Display helpers for statistics: their dates, freshness and changes."""

import datetime

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from core.cache import tags
from core.templatetags.site import UNKNOWN, compact

register = template.Library()


def _days_old(day):
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return (tags.today() - day).days


@register.filter
def stats_stale(day):
    """True when a statistic's date is older than STATS_STALE_DAYS."""
    return bool(day) and _days_old(day) > settings.STATS_STALE_DAYS


@register.filter
def assessment_stale(day):
    """True when an assessment was checked longer ago than ASSESSMENT_STALE_DAYS."""
    return bool(day) and _days_old(day) > settings.ASSESSMENT_STALE_DAYS


STALE_MARK = format_html('<span class="stale">{}</span>', "out of date")


@register.simple_tag
def as_of(day, prefix="as of"):
    """'as of 1 Jun 2025', with an "out of date" marker when it is stale;
    '' for an unknown date."""
    if not day:
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return format_html(
        '<span class="as-of">{} <time datetime="{}">{}</time>{}</span>',
        prefix,
        day.isoformat(),
        date_format(day),
        format_html(" {}", STALE_MARK) if stats_stale(day) else "",
    )


@register.simple_tag
def stale_mark():
    return STALE_MARK


@register.filter
def signed(number):
    """+1.2K / -340 / 0 for a change."""
    if number is None:
        return UNKNOWN
    text = compact(abs(number))
    return f"+{text}" if number > 0 else (f"−{text}" if number < 0 else "0")

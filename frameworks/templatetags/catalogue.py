"""Display helpers for the catalogue and comparison templates."""

import datetime
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import _json_script_escapes, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from comparison.models import compare_path

register = template.Library()

UNKNOWN = "–"


@register.filter
def compact(value):
    """85600 -> "85.6K", 4210 -> "4.2K", 60 -> "60", None -> "–" (unknown)."""
    if value is None or value == "":
        return UNKNOWN
    try:
        number = int(value)
    except (TypeError, ValueError):
        return UNKNOWN
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(number) >= limit:
            text = f"{number / limit:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return str(number)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None drops one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = urlencode(sorted(params.lists()), doseq=True)
    return f"?{encoded}" if encoded else "?"


@register.filter
def json_ld(data):
    """A schema.org data block. Not executed, so the CSP allows it; escaped
    like json_script so no value can close the element."""
    text = json.dumps(data, cls=DjangoJSONEncoder).translate(_json_script_escapes)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def as_list(value):
    """One object as a one-item list, for partials that take several."""
    return [value]


@register.filter
def compare_url(framework, other):
    """The comparison page of two frameworks, in the stable slug order."""
    return compare_path(sorted([framework, other], key=lambda f: f.slug))


def _days_old(day):
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return (timezone.localdate() - day).days


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
        date_format(day, "j M Y"),
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

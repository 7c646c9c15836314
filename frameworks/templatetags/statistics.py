"""Display helpers for statistics: their dates, freshness and changes."""

import datetime

from django import template
from django.conf import settings
from django.template.defaultfilters import urlencode
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from core.cache import Reader, live
from core.templatetags.site import UNKNOWN, compact
from frameworks import cache as catalogue_tags
from frameworks import selectors

register = template.Library()


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


# --- Live vote counts (frameworks/cache.py: filled in when a cached page is served)


@register.simple_tag
def procon_votes(procon, fmt="int"):
    """A pro/con's vote count; ``fmt="plural"`` gives the "s" of its unit."""
    return live(*catalogue_tags.procon_ref(procon), procon.votes_count, fmt)


@register.simple_tag
def procon_member_votes(procon, fmt="int"):
    """The votes members cast on a pro/con (its count minus the imported ones)."""
    figure = procon.votes_count - procon.baseline_votes
    return live(catalogue_tags.LIVE_VOTES, procon.framework_id, f"m{procon.pk}", figure, fmt)


@register.simple_tag
def framework_votes(framework, fmt="compact"):
    """The sum of the votes on a framework's pros and cons."""
    return live(*catalogue_tags.total_ref(framework.pk), framework.votes, fmt)


@register.simple_tag
def vote_reader(csrf_input, voted, here):
    """What a list of pros and cons shows each reader differently, for the
    list kept once for all (core.cache.Reader): the CSRF field of the vote
    forms (only read for signed-in readers), the address a form returns to
    (``here``; ``next`` for log-in links) and whether the reader voted for
    an item (``pressed``, by id)."""
    return Reader(
        csrf=csrf_input,
        here=here,
        next=lambda _: urlencode(here),  # only anonymous readers print it
        pressed=lambda pk: "true" if int(pk) in voted else "false",
    )


@register.filter
def by_votes(procons):
    """``{% for p in items|by_votes %}``: most voted first by the counts
    current when the page is rendered (frameworks.selectors.by_votes)."""
    return selectors.by_votes(procons)

"""Site-wide display helpers: figures, query strings, JSON-LD, page metadata.
The Jinja2 environment (core.jinja2) loads this library: its filters become
Jinja2 filters and its simple tags Jinja2 globals."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import _json_script_escapes, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

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


@register.simple_tag
def figure(subject, pk, name):
    """The name of a figure members change, as a page marks each place it
    shows it (``data-figure="framework-3-votes"``), so that the answer to a
    vote or a follow (``{"figures": {name: text}}``) can replace every one."""
    return f"{subject}-{pk}-{name}"


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


@register.simple_tag(takes_context=True)
def page_url_tags(context, path):
    """The page's canonical link and OpenGraph URL, both absolute, from one path."""
    request = context["request"]
    url = f"{request.scheme}://{request.get_host()}{path}"
    return format_html(
        '<link rel="canonical" href="{}">\n  <meta property="og:url" content="{}">', url, url
    )

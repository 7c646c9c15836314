"""The Jinja2 environment of the public pages.

The public templates under ``templates/`` are Jinja2 (measured: the comparison
page's templates render about 3x faster than with Django's engine, the whole
uncached page about 2x; docs/benchmarks/2026-11-22.md); the admin and form
widgets stay on Django templates. This module gives Jinja2 what those
templates used from Django: ``url()`` like ``{% url %}``, ``static()``, and
Django's own filters where Jinja2's differ (``date``, ``pluralize``,
``linebreaks``, ``truncatewords`` ...), so a page renders the same markup.

The template libraries (``core.templatetags.site``,
``comparison.templatetags.compare`` ...) are named in the backend's
``libraries`` option rather than imported here, so core imports no app of
ours: their filters become Jinja2 filters and their simple tags Jinja2
globals (a tag that takes the context gets Jinja2's).
"""

import datetime
import functools
import inspect
from importlib import import_module

from django.template import defaultfilters
from django.template.backends import jinja2 as jinja2_backend
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from jinja2 import Environment, pass_context
from markupsafe import Markup

from core import cache
from core.links import script_prefix, url_for


@functools.lru_cache(maxsize=256)
def _reverse_plain(prefix, viewname):
    return reverse(viewname)


def url(viewname, *args, **kwargs):
    """``{% url viewname arg ... %}``. With positional arguments only it is
    memoised like core.links.url_for: pages print dozens of links."""
    if not kwargs:
        if not args:
            return _reverse_plain(script_prefix(), viewname)
        return url_for(viewname, *args)
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def fragment(owner, *key, caller):
    """``{% call fragment(page, "criteria", user.is_authenticated) %}...{%
    endcall %}``: the block, rendered once per version of ``page`` and
    ``key`` (core.cache.fragment). The block may read only ``owner`` and
    what ``key`` names."""
    return Markup(cache.fragment(owner, key, caller))


class Template(jinja2_backend.Template):
    """A page whose holes are filled when it is rendered (core.cache.holes)."""

    def render(self, context=None, request=None):
        return cache.holes.fill(super().render(context, request), request)


class Jinja2(jinja2_backend.Jinja2):
    """Django's Jinja2 backend, rendering through ``Template`` above."""

    def from_string(self, template_code):
        return Template(super().from_string(template_code).template, self)

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)


@functools.lru_cache(maxsize=512)
def static_url(path):
    """``{% static path %}``, memoised: the address of a file is fixed for the
    life of the process (the manifest of hashed names is read at start), and
    Django's ``static()`` checks the installed apps on every call."""
    return static(path)


def url_or(fallback, viewname, *args, **kwargs):
    """``{% url ... as name %}``: the address, or ``fallback`` when it does not reverse."""
    try:
        return reverse(viewname, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback


@functools.lru_cache(maxsize=2048)
def _format(value, zone, arg):
    return defaultfilters.date(value, arg)


def date(value, arg=None):
    """Django's ``|date`` (django.utils.dateformat), in the current time zone
    as Django's engine shows aware datetimes. Texts are memoised by value,
    zone and format (a comparison page prints dozens of dates): an aware
    datetime equals the same instant in any zone, so the zone is part of
    the key."""
    if not arg:
        return defaultfilters.date(timezone.template_localtime(value), arg)
    if type(value) is datetime.date:
        return _format(value, None, arg)
    if type(value) is datetime.datetime:
        local = timezone.template_localtime(value)
        return _format(local, str(local.tzinfo), arg)
    return defaultfilters.date(timezone.template_localtime(value), arg)


def linebreaks(value):
    """Django's ``|linebreaks``: escapes the text, then adds <p> and <br>."""
    return defaultfilters.linebreaks_filter(value, autoescape=True)


# Django's filters under their Django names, where Jinja2 has none or its own
# differs (Jinja2's striptags collapses whitespace, its default ignores falsy
# values, its truncate counts characters).
DJANGO_FILTERS = {
    "date": date,
    "linebreaks": linebreaks,
    "pluralize": defaultfilters.pluralize,
    "truncatewords": defaultfilters.truncatewords,
    "truncatechars": defaultfilters.truncatechars,
    "cut": defaultfilters.cut,
    "urlencode": defaultfilters.urlencode,
    "striptags": defaultfilters.striptags,
}


def _context_tag(func):
    """A Django simple tag that takes the context, called with Jinja2's."""

    @pass_context
    @functools.wraps(func)
    def tag(context, *args, **kwargs):
        return func(context, *args, **kwargs)

    return tag


def load_library(env, path):
    """Adds a Django template library's filters and simple tags to ``env``."""
    register = import_module(path).register
    env.filters.update(register.filters)
    for name, compile_func in register.tags.items():
        func = inspect.unwrap(compile_func)
        if func is compile_func:
            continue  # a block tag, not a simple tag: nothing to call
        params = list(inspect.signature(func).parameters)
        # Django requires a simple tag that takes the context to name it so.
        env.globals[name] = _context_tag(func) if params[:1] == ["context"] else func


def environment(*, libraries=(), **options):
    # Like Django's engine, keep a template's last newline (same markup).
    options.setdefault("keep_trailing_newline", True)
    env = Environment(**options)
    env.globals.update(
        url=url, url_or=url_or, static=static_url, fragment=fragment, hole=cache.hole
    )
    env.filters.update(DJANGO_FILTERS)
    for path in libraries:
        load_library(env, path)
    return env


def compile_templates():
    """Compile every template of the site's Jinja2 engines now; returns how
    many. The server calls it when a worker starts (config/wsgi.py):
    compiling the 60 templates takes about a quarter of a second, which
    otherwise fell on the first readers of each page after every start,
    and under load, while other readers waited for those renders."""
    from django.template import engines

    compiled = 0
    for engine in engines.all():
        if isinstance(engine, jinja2_backend.Jinja2):
            for name in engine.env.list_templates():
                engine.env.get_template(name)
                compiled += 1
    return compiled

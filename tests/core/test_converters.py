"""Ids in paths (core/converters.py): a number no database column can hold
is a 404 at the URL, on every route that takes one, never an overflow in a
query (a 500 on PostgreSQL and on SQLite)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

from core.converters import MAX_ID, IdConverter

pytestmark = pytest.mark.django_db

TOO_BIG = str(MAX_ID + 1)
#: Django's own integer routes: the admin's "view on site" redirect reads
#: its id through the ORM, which answers "no such row" for any number.
DJANGO_INTEGER_ROUTES = {"admin/r/<int:content_type_id>/<path:object_id>/"}
#: A value for each other kind of path parameter, to build an address.
SAMPLES = {"slug": "django", "str": "django", "path": "1"}


def routes(patterns=None, prefix=""):
    """``(route, converters)`` of every URL pattern, its route written out
    from the root (``"procons/<id:pk>/vote/"``)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        converters = entry.pattern.converters if isinstance(entry.pattern, RoutePattern) else {}
        if isinstance(entry, URLResolver):
            yield from ((r, {**converters, **c}) for r, c in routes(entry.url_patterns, route))
        else:
            assert isinstance(entry, URLPattern)
            yield route, converters


def integer_routes():
    return sorted(
        route
        for route, converters in routes()
        if any(isinstance(c, IntConverter | IdConverter) for c in converters.values())
    )


def address(route, number):
    """The route's address with ``number`` for each integer parameter."""

    def value(match):
        kind = match.group(1)
        return number if kind in ("int", "id") else SAMPLES[kind]

    assert "^" not in route, f"{route}: a regex route, write its address out by hand"
    return "/" + re.sub(r"<(\w+):\w+>", value, route)


def test_every_integer_route_of_ours_takes_a_bounded_id():
    unbounded = [
        route
        for route, converters in routes()
        if any(type(c) is IntConverter for c in converters.values())
        and route not in DJANGO_INTEGER_ROUTES
    ]

    assert unbounded == []
    # The walk does find the routes (a walk that found nothing would pass).
    assert "procons/<id:pk>/vote/" in integer_routes()
    assert "comments/<id:pk>/report/" in [r.removeprefix("members/") for r in integer_routes()]


@pytest.mark.parametrize("route", integer_routes())
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_id_beyond_64_bits_is_404_on_every_integer_route(admin_client, route, method):
    response = getattr(admin_client, method)(address(route, TOO_BIG))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("text", "ok"),
    [("1", True), (str(MAX_ID), True), (TOO_BIG, False), ("9" * 40, False), ("-1", False)],
)
def test_the_converter_takes_64_bit_ids_only(text, ok):
    converter = IdConverter()

    assert accepts(converter, text) is ok
    if ok:
        assert converter.to_url(converter.to_python(text)) == text


def accepts(converter, text):
    """What the resolver does: the regex, then ``to_python``."""
    if not re.fullmatch(converter.regex, text):
        return False
    try:
        converter.to_python(text)
    except ValueError:
        return False
    return True


def test_the_largest_id_still_resolves():
    assert resolve(f"/procons/{MAX_ID}/vote/").kwargs == {"pk": MAX_ID}
    with pytest.raises(Resolver404):
        resolve(f"/procons/{TOO_BIG}/vote/")

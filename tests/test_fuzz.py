"""No request makes the site answer 5xx (issue 27, "Bad input"; issue 28).

Every URL pattern of the root URLconf is walked: first each one once with the
demo's real slugs and ids, for an anonymous visitor, a member and a staff
curator; then Hypothesis varies what a client controls: the path parameters
(real, or odd: NUL, C0 controls, invalid UTF-8 escapes, very long values),
the query string (odd bytes, repeated and unknown parameters), the method
(GET, HEAD, POST, PUT, DELETE, OPTIONS) and the body (odd encodings and
content types). A part runs with the page cache on: that is where a NUL in a
query string used to split a cached page.

Each example runs in a savepoint that is rolled back, and with an empty
cache, so every example starts from the demo as loaded (a deleted account or
a used-up rate limit does not leak into the next one). Besides "no 5xx", an
address holding a NUL or another C0 control (tab, LF and CR aside) must get
the 400 page: the text policy refuses it before any view reads it.
"""

import functools
import os
from dataclasses import dataclass
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLResolver, get_resolver
from django.utils.http import urlsafe_base64_encode
from django.utils.regex_helper import normalize
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comparison.models import Criterion
from frameworks.models import Category, Decision, Framework, ProCon
from members.services import post_comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BAD_REQUEST_TEXT = "We could not understand that request"
FUZZ_SETTINGS = settings(
    # Each run on a developer's machine walks new examples (and Hypothesis
    # keeps any that failed); CI walks a fixed set, so a landing never
    # depends on luck: a new 500 is found here, not in the landing run.
    derandomize=bool(os.environ.get("CI")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- the URL patterns -----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern as Django reverses it (``frameworks/%(slug)s/``);
    whether the page cache serves its view, and the query parameters the
    view declares to it."""

    template: str
    params: tuple
    name: str
    cached: bool
    keys: tuple

    def path(self, values):
        return "/" + self.template % values


def _walk(patterns, prefix=""):
    for pattern in patterns:
        # Django's own reading of a pattern (what reverse() uses): a format
        # string per alternative, with the names of its parameters.
        for template, params in normalize(pattern.pattern.regex.pattern):
            if isinstance(pattern, URLResolver):
                yield from _walk(pattern.url_patterns, prefix + template)
            else:
                view = pattern.callback
                # What cache_anonymous(params=..., param_prefixes=...) declares:
                # the parameters a cached page reads, so may echo.
                keys = sorted(getattr(view, "cache_params", ()))
                keys += [f"{p}url-routing" for p in getattr(view, "cache_param_prefixes", ())]
                cached = hasattr(view, "cache_params")
                name = pattern.name or ""
                yield Route(prefix + template, tuple(params), name, cached, tuple(keys))


@functools.cache
def routes():
    return tuple(dict.fromkeys(_walk(get_resolver().url_patterns)))


@functools.cache
def cached_routes():
    """The routes whose view the page cache serves, by template."""
    return {r.template: r for r in routes() if r.cached}


def test_the_walk_finds_every_kind_of_route():
    names = {route.name for route in routes()}
    templates = {route.template for route in routes()}

    assert len(routes()) > 150  # the site's routes and every model's admin pages
    assert {"home", "detail", "export", "vote", "password_reset_confirm"} <= names
    assert "compare/%(slugs)s/" in templates
    assert "admin/frameworks/framework/%(object_id)s/change/" in templates
    assert {"q", "cursor"} <= set(cached_routes()["frameworks/"].keys)
    assert "cursor" in cached_routes()["categories/%(slug)s/"].keys
    assert "w-url-routing" in cached_routes()["compare/%(slugs)s/"].keys
    assert "frameworks/%(slug)s/feed/" in cached_routes()


# --- values for path parameters -------------------------------------------------


def holds_forbidden_control(raw):
    """A NUL or another C0 control but tab, LF and CR, once percent-decoded."""
    return any(byte < 0x20 and byte not in b"\t\n\r" for byte in unquote_to_bytes(raw))


#: Path segments as a client sends them (percent-encoded where needed).
ODD_SEGMENTS = [
    "%00",
    "dja%00ngo",
    "%01",
    "x%1Fy",
    "%08",
    "%7F",
    "%0A",
    "%09",
    "%0D",
    "%FF",
    "%C0%AF",
    "%ED%A0%80",  # an encoded surrogate: invalid UTF-8
    "%F4%90%80%80",  # beyond U+10FFFF
    "%E2%80%AE",
    "%EF%BB%BF",
    "%C3%A4",
    "%2F",
    "%3F",
    "%23",
    "%25",
    "..",
    ".",
    "%20",
    "x" * 2000,
    "0",
    "-1",
    "99999999999999999999",
    "1e3",
    "NaN",
    "%3Cscript%3E",
    "'",
    "DJANGO",
    "django-vs-django",
    "django-vs-flask-vs-fastapi-vs-bottle-vs-pyramid",
]
CONTROL_SEGMENTS = [value for value in ODD_SEGMENTS if holds_forbidden_control(value)]
PRINTABLE_SEGMENTS = [value for value in ODD_SEGMENTS if not holds_forbidden_control(value)]


@pytest.fixture
def curator(db):
    return UserFactory(username="curator", is_staff=True, is_superuser=True)


@pytest.fixture
def site(demo, member, curator):
    """The demo with a comment, and real values for every path parameter."""
    decision = Decision.objects.order_by("pk").first()
    comment = post_comment(decision=decision, author=member, body="A comment.")
    procon = ProCon.objects.order_by("pk").first()
    return Site(
        values={
            "slugs": ["django-vs-flask", "fastapi-vs-flask", "django-vs-laravel-vs-nodejs"],
            "fmt": ["json", "csv"],
            "slug": list(Framework.objects.values_list("slug", flat=True)[:3]),
            "criterion": list(Criterion.objects.values_list("slug", flat=True)[:2]),
            "statistic": ["github_stars", "weekly_downloads"],
            "username": [member.username, "alvaro"],
            "uidb64": [urlsafe_base64_encode(str(member.pk).encode())],
            "token": ["set-password", "abc-123"],
            "app_label": ["frameworks", "comparison"],
            "url": ["frameworks/nope/"],
            "id": [str(member.pk)],
            "content_type_id": [str(ContentType.objects.get_for_model(Framework).pk)],
            "section": ["frameworks", "comparisons", "categories"],  # sitemap-<section>.xml
            "name": ["logos/0123456789abcdef.png"],  # a stored file: media/<path:name>
        },
        pks={
            "procons": str(procon.pk),
            "decisions": str(decision.pk),
            "comments": str(comment.pk),
        },
        categories=list(Category.objects.values_list("slug", flat=True)[:2]),
        framework_pk=str(Framework.objects.order_by("pk").first().pk),
        sessions={None: None, "member": _session(member), "curator": _session(curator)},
    )


def _session(user):
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


class Site:
    """Real values for the path parameters, and a client per visitor."""

    def __init__(self, *, values, pks, categories, framework_pk, sessions):
        self.values = values
        self.pks = pks
        self.categories = categories
        self.framework_pk = framework_pk
        self.sessions = sessions

    def real(self, route, param):
        """The real values of one path parameter of ``route``."""
        parts = route.template.split("/")
        if (
            parts[0] == "admin"
            and param in ("object_id", "_0", "_1", "version_id")
            and len(parts) > 3
        ):
            if parts[1] == "r":  # the admin's "view on site" of a framework
                return [self.framework_pk]
            model = apps.get_model(parts[1], parts[2])
            obj = model._default_manager.order_by("pk").first()
            if obj is None:
                return ["1"]
            if param in ("_1", "version_id"):  # a history row of that object
                history = getattr(obj, "history", None)
                row = history.order_by("history_id").first() if history is not None else None
                return [str(row.history_id)] if row else ["1"]
            return [str(obj.pk)]
        if param == "pk":  # procons/<pk>/, decisions/<pk>/, members/comments/<pk>/...
            return [self.pks[parts[1] if parts[0] == "members" else parts[0]]]
        if param == "slug" and parts[0] == "categories":
            return self.categories
        return self.values[param]

    def __repr__(self):  # what Hypothesis prints for a failing example
        return "Site(the demo)"

    def client(self, who):
        client = Client(raise_request_exception=False)
        if self.sessions[who]:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[who]
        return client


# --- the oracle -----------------------------------------------------------------


def refused(method, path, query):
    """The text policy refuses this request: its address holds a control
    character (the API's CORS preflight reads no address and answers 204)."""
    if method == "OPTIONS" and path.startswith("/api/v1/"):
        return False
    return holds_forbidden_control(path) or holds_forbidden_control(query)


def request(site, who, method, path, query="", body=b"", content_type="", *, times=1):
    """A request (``times`` times: a miss, then hits) in a savepoint rolled
    back afterwards, with an empty cache; asserts each answer."""
    cache.clear()
    address = f"{path}?{query}" if query else path
    what = (who, method, address[:300], content_type, body[:200])
    with transaction.atomic():
        for _ in range(times):
            response = site.client(who).generic(method, address, body, content_type)
            if response.streaming:
                b"".join(response.streaming_content)  # a failure may wait for iteration
            assert response.status_code < 500, f"{response.status_code} for {what!r}"
            if refused(method, path, query):
                assert response.status_code == 400, f"{response.status_code} for {what!r}"
        transaction.set_rollback(True)
    return response


# --- every route once, with real values ------------------------------------------


def test_every_route_with_real_values_answers_every_visitor_without_a_server_error(site):
    statuses, failures = set(), []
    for who in (None, "member", "curator"):
        for route in routes():
            values = {param: site.real(route, param)[0] for param in route.params}
            try:
                statuses.add(request(site, who, "GET", route.path(values)).status_code)
            except AssertionError as error:
                failures.append(str(error).splitlines()[0])

    assert failures == []
    assert 200 in statuses  # the walk really reached pages


def test_a_nul_in_any_route_is_refused_with_the_400_page(site, page_cache):
    # With the page cache on: it split cached pages on a NUL the page echoed.
    failures = []
    for route in routes():
        real = route.path({param: site.real(route, param)[0] for param in route.params})
        addresses = [(real, "&".join(f"{key}=%00" for key in route.keys or ["q"]))]
        if route.params:
            addresses.append((route.path(dict.fromkeys(route.params, "dja%00ngo")), ""))
        for path, query in addresses:
            try:
                response = request(site, None, "GET", path, query)
            except AssertionError as error:
                failures.append(str(error).splitlines()[0])
                continue
            page = response.content.decode()
            api = route.template.startswith("api/v1/")
            assert ("This request cannot be read" if api else BAD_REQUEST_TEXT) in page

    assert failures == []


# --- Hypothesis: odd paths, query strings, methods and bodies ---------------------

#: Query and form parameters the site's views, forms and the admin read.
KEYS = [
    *("q", "category", "language", "license", "sort", "page", "page_size", "only", "since"),
    *("format", "a", "b", "c", "d", "framework", "w-url-routing", "w-orm-databases", "w-"),
    *("next", "kind", "text", "detail", "body", "frameworks", "value", "reason", "summary"),
    *("username", "password", "password1", "password2", "email", "headline", "note", "form"),
    *("o", "p", "e", "all", "_changelist_filters", "_popup", "_to_field", "term", "app_label"),
    *("model_name", "field_name", "is_published__exact", "action", "_selected_action"),
    *("_approve", "_reject", "review_note", "account", "csrfmiddlewaretoken"),
]
REAL_VALUES = [
    *("django", "flask", "1", "2", "3", "on", "differences", "python", "Python", "-stars"),
    *("2025-01-01", "pro", "con", "needs_advice", "decided", "approve", "delete_selected"),
    "A sentence a member could write.",
]
printable_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40)
#: NUL and other controls, raw bytes (invalid UTF-8), any text at all.
hostile = st.one_of(
    st.sampled_from(CONTROL_SEGMENTS),
    st.sampled_from(["%00", "x%00", "%00%00"]),
    st.text(max_size=40).map(lambda s: quote(s, safe="")),
    st.binary(max_size=24).map(lambda b: quote_from_bytes(b, safe="")),
)
# Two queries or bodies in three hold only values a view gets past its
# first check, so the fuzz reaches forms, filters and pages; the third may
# hold anything. Keys repeat.
values = st.one_of(
    st.sampled_from(REAL_VALUES),
    st.sampled_from([*PRINTABLE_SEGMENTS, "x" * 5000]),
    printable_text.map(lambda s: quote(s, safe="")),
)
keys = st.sampled_from(KEYS)
plain_pairs = st.lists(st.tuples(keys, values), max_size=5)
pairs = st.one_of(
    plain_pairs,
    plain_pairs,
    st.lists(st.tuples(keys | hostile, values | hostile), max_size=5),
)


def query_string(items):
    return "&".join(f"{key}={value}" for key, value in items)


def fill(draw, site, route):
    """``route``'s path, each parameter real (half the time) or odd."""
    values = {}
    for param in route.params:
        real = st.sampled_from(site.real(route, param))
        values[param] = draw(
            st.one_of(
                real, real, st.sampled_from(PRINTABLE_SEGMENTS), st.sampled_from(CONTROL_SEGMENTS)
            )
        )
    return route.path(values)


@st.composite
def paths(draw, site):
    """Half the site's routes, half the admin's (there are many more of those)."""
    admin = [route for route in routes() if route.template.startswith("admin/")]
    others = [route for route in routes() if not route.template.startswith("admin/")]
    return fill(draw, site, draw(st.sampled_from(others) | st.sampled_from(admin)))


@st.composite
def page_addresses(draw, site):
    """A cached page's path, and a query of the parameters it reads (where a
    NUL used to reach the cached HTML), odd half the time."""
    route = draw(st.sampled_from(sorted(cached_routes().values(), key=lambda r: r.template)))
    keys = st.sampled_from(route.keys or KEYS)
    items = draw(st.lists(st.tuples(keys, values | hostile), max_size=4))
    return fill(draw, site, route), query_string(items)


def decoded(value):
    return unquote_to_bytes(value).decode("utf-8", "replace")


@st.composite
def bodies(draw):
    """(content type, body): forms in odd encodings, multipart with an odd
    file, broken multipart, JSON, raw bytes."""
    kind = draw(st.sampled_from(["form", "charset", "multipart", "broken", "json", "raw"]))
    if kind in ("form", "charset"):
        form = query_string(draw(pairs)).encode()
        charset = draw(st.sampled_from(["latin-1", "utf-16", "utf-8", "nope", ""]))
        suffix = f"; charset={charset}" if kind == "charset" else ""
        return f"application/x-www-form-urlencoded{suffix}", form
    if kind == "multipart":
        data = {decoded(key): decoded(value) for key, value in draw(pairs)}
        name = draw(st.sampled_from(["logo.png", "a\x00b.png", "../../x.svg", "x" * 300]))
        data["logo"] = SimpleUploadedFile(name, draw(st.binary(max_size=100)))
        return MULTIPART_CONTENT, encode_multipart(BOUNDARY, data)
    if kind == "broken":
        boundary = draw(st.sampled_from(["", "x", BOUNDARY, "%00"]))
        return f"multipart/form-data; boundary={boundary}", draw(st.binary(max_size=200))
    if kind == "json":
        return "application/json", b'{"text": "a\\u0000b", "kind": "pro", "body": "\x00"}'
    content_type = draw(st.sampled_from(["", "text/plain", "application/octet-stream"]))
    return content_type, draw(st.binary(max_size=200))


@settings(FUZZ_SETTINGS, max_examples=400)
@given(
    data=st.data(),
    who=st.sampled_from([None, "member", "curator"]),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
)
def test_no_request_gets_a_server_error(site, data, who, method):
    path = data.draw(paths(site), label="path")
    query = query_string(data.draw(pairs, label="query"))
    content_type, body = "", b""
    if method in ("POST", "PUT", "DELETE"):
        content_type, body = data.draw(bodies(), label="body")
    request(site, who, method, path, query, body, content_type)


@settings(FUZZ_SETTINGS, max_examples=200)
@given(data=st.data(), method=st.sampled_from(["GET", "GET", "HEAD"]))
def test_no_anonymous_request_gets_a_server_error_with_the_page_cache_on(
    site, page_cache, data, method
):
    path, query = data.draw(page_addresses(site), label="address")
    # A miss renders and stores the page; the same request again is a hit.
    request(site, None, method, path, query, times=2)

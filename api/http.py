"""The API's HTTP rules: JSON errors, known parameters only, pagination.

``api_view`` wraps every endpoint: GET and HEAD only, a query parameter the
endpoint does not read is a 400 (not a silent redirect: a typo such as
``?sotr=stars`` must not quietly return the unsorted list), and so is one
given twice (``?page_size=1&page_size=2``: Django would read the last), then the page
cache's ``cache_anonymous`` with the same parameters, so anonymous answers
are cached and invalidated like pages. Rate limit, CORS and ETag/304 are in
``api.middleware``.
"""

from functools import wraps
from urllib.parse import urlencode

from django.http import Http404, JsonResponse

from core import pagination
from core.cache import cache_anonymous

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
PAGE_PARAMS = ("cursor", "page_size")


class ApiError(Exception):
    def __init__(self, status, message, **details):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def error_response(status, message, **details):
    return JsonResponse({"error": message, "status": status, **details}, status=status)


def json_response(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def api_view(view=None, *, params=(), cache=True):
    """An API endpoint reading ``params``; ``cache=False`` for one that shows
    no data (nothing to invalidate, nothing worth a cache entry)."""

    def decorate(view):
        allowed = frozenset(params)
        cached_view = cache_anonymous(view, params=allowed) if cache else view

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                response = error_response(405, "This API is read-only: use GET.")
                response["Allow"] = "GET, HEAD, OPTIONS"
                return response
            unknown = sorted(k for k in request.GET if k not in allowed)
            if unknown:
                return error_response(
                    400,
                    f"Unknown query parameter {unknown[0]!r}.",
                    allowed_parameters=sorted(allowed),
                )
            repeated = sorted(k for k, values in request.GET.lists() if len(values) > 1)
            if repeated:
                name = repeated[0]
                return error_response(
                    400,
                    f"Query parameter {name!r} is given {len(request.GET.getlist(name))} times; "
                    "give it once.",
                    parameter=name,
                )
            try:
                return cached_view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error.status, error.message, **error.details)
            except Http404 as error:
                message = error.args[0] if error.args else "Not found."
                return error_response(404, str(message))

        wrapped.cache_params = allowed
        return wrapped

    return decorate(view) if view is not None else decorate


def _positive_int(request, name, default, largest=None):
    raw = request.GET.get(name)
    if raw is None:
        return default
    # isascii: int() also reads other scripts' digits, and "²" passes isdigit().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise ApiError(400, f"{name} must be a whole number from 1.", parameter=name)
    value = int(raw)
    if largest is not None and value > largest:
        raise ApiError(400, f"{name} must be at most {largest}.", parameter=name)
    return value


def paginate(request, queryset, serialise):
    """One keyset page of ``queryset`` (core/pagination.py) in the API's
    list envelope, with ``next`` and ``previous`` as addresses holding a
    ``cursor``. Two queries whatever the data size or depth: the count and
    the page. A cursor this API did not make is a 400."""
    size = _positive_int(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    try:
        page = pagination.paginate(queryset, request.GET.get("cursor") or None, size)
    except pagination.InvalidCursor as error:
        raise ApiError(400, error.message, parameter="cursor") from None

    def link(cursor):
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        if cursor:
            query["cursor"] = cursor
        encoded = urlencode(sorted(query.items()))
        return request.build_absolute_uri(request.path + (f"?{encoded}" if encoded else ""))

    return {
        "count": queryset.count(),
        "page_size": size,
        "next": link(page.next_cursor) if page.has_next else None,
        "previous": link(page.previous_cursor) if page.has_previous else None,
        "results": [serialise(row) for row in page.object_list],
    }

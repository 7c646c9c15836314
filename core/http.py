"""Small HTTP helpers shared by the views of every app."""

import hashlib

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def etag_of(content):
    """The validator of a body: stored pages, the API and badges use it."""
    return '"' + hashlib.blake2b(content, digest_size=12).hexdigest() + '"'


def canonical_query(request, params):
    """The query string with only ``params``, in a stable order."""
    items = sorted((k, v) for k in request.GET for v in request.GET.getlist(k) if k in params)
    return urlencode(items)


def wants_json(request):
    """The request came from the fetch enhancement, which asks for JSON."""
    return "application/json" in request.headers.get("Accept", "")


def safe_next(request, fallback):
    """The ``next`` target of a form or link if it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def too_many(request, retry_after, message):
    """The 429 answer of a rate limit: JSON for fetch, the site's page otherwise."""
    if wants_json(request):
        response = JsonResponse({"error": message, "retry_after": retry_after}, status=429)
    else:
        response = render(
            request, "429.html", {"message": message, "retry_after": retry_after}, status=429
        )
    response["Retry-After"] = str(retry_after)
    return response

"""What every /api/v1/ answer gets, cached or not: a per-address rate limit,
CORS for GET and ETag/304.

Sits before the page-cache middleware, so it also counts and decorates the
answers served from the cache (a hit costs one more cache round trip: the
rate-limit counter).
"""

from django.conf import settings
from django.utils.cache import get_conditional_response

from core import ratelimit
from core.http import etag_of

from .http import error_response

PREFIX = "/api/v1/"
#: The site's HTML error pages an API answer gets in JSON instead.
HTML_ERRORS = {
    400: "This request cannot be read (a control character in its address?); see /api/.",
    404: "No API endpoint at this address; see /api/.",
}


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            return self.cors(self.preflight())
        retry_after = ratelimit.hit("api", ratelimit.client_ip(request), settings.API_RATE)
        if retry_after:
            response = error_response(
                429,
                f"Too many requests from your address: at most {settings.API_RATE}.",
                retry_after=retry_after,
            )
            response["Retry-After"] = str(retry_after)
            return self.cors(response)
        response = self.get_response(request)
        if response.status_code in HTML_ERRORS and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            # An address no API route knows, or one the text policy refuses
            # (core.middleware): the site's error pages are HTML.
            response = error_response(response.status_code, HTML_ERRORS[response.status_code])
        if response.status_code == 200 and not response.streaming and request.method == "GET":
            if not response.has_header("ETag"):
                response["ETag"] = etag_of(response.content)
            response = (
                get_conditional_response(request, etag=response["ETag"], response=response)
                or response
            )
        return self.cors(response)

    @staticmethod
    def preflight():
        from django.http import HttpResponse

        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "If-None-Match"
        response["Access-Control-Max-Age"] = "86400"
        return response

    @staticmethod
    def cors(response):
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Retry-After, Link"
        return response

"""Response headers Django 5.2 does not set itself, and the site's rules
for request input Django does not enforce itself."""

from functools import wraps
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpResponsePermanentRedirect, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.http.request import split_domain_port
from django.utils.cache import patch_cache_control
from django.utils.log import log_response

from core.text import ControlCharacterError, clean_text, has_control_character
from core.views import bad_request

#: Characters of an address a log line shows (scanners send kilobytes).
LOGGED_ADDRESS_LENGTH = 200

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: The same policy for pages other sites may frame (embeds): any ancestor.
FRAMEABLE_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def frameable(view):
    """Let any site frame this view's responses: ``frame-ancestors *`` and no
    ``X-Frame-Options``. Every other page keeps DENY (``X_FRAME_OPTIONS``
    and ``frame-ancestors 'none'``). The headers are set on the response,
    so the page cache stores and replays them with the page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.xframe_options_exempt = True
        response["Content-Security-Policy"] = FRAMEABLE_POLICY
        return response

    return wrapped


def canonical_host(host, secure):
    """``host`` as this site writes it: lower case, no trailing dot, no
    port when it is the scheme's default."""
    domain, port = split_domain_port(host)
    return domain if port in ("", "443" if secure else "80") else f"{domain}:{port}"


class CanonicalHostMiddleware:
    """One address per page: a host written otherwise than its canonical
    form (``Example.COM``, ``example.com.``, ``example.com:443``) is
    redirected there, so no page echoes the variant and the page cache keeps
    one entry per page, not one per spelling of the host. Hosts outside
    ALLOWED_HOSTS get Django's 400 first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            host = request.get_host()
            canonical = canonical_host(host, request.is_secure())
            if canonical != host:
                return HttpResponsePermanentRedirect(
                    f"{request.scheme}://{canonical}{request.get_full_path()}"
                )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline script, no third-party
    origins) and a Permissions-Policy on every response, static files too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class PrivateSignedInPagesMiddleware:
    """Signed-in members' responses are for their browser only.

    ``Vary: Cookie`` alone lets a shared proxy keep one copy per cookie; this
    adds ``Cache-Control: private``, and ``no-store`` when the page holds a
    CSRF token (every signed-in page does: the log-out form), so neither a
    proxy nor the browser's disk keeps the member's page or token.

    Requests without a session cookie are left alone: they cannot be signed
    in, and reading ``request.user`` would touch the session and add
    ``Vary: Cookie`` to anonymous pages the page cache stores. Sits after
    ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True)
            if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
                patch_cache_control(response, no_store=True)
        return response


class UnreadableBodyMiddleware:
    """A POST whose body Django cannot parse gets the site's 400 page at once.

    Django raises ``BadRequest`` for a form in another charset than UTF-8 and
    ``SuspiciousOperation`` or ``MultiPartParserError`` for broken or
    oversized bodies, but for the charset case it does not remember the
    failure: every later read raises again. The CSRF check, then the error
    handlers and, with DEBUG on, the technical error page (which lists the
    POST data) each read it, and the client got a bare 500. Here the body is
    parsed once, before any of them, and a failure ends the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 (parses the body once)
            except (BadRequest, SuspiciousOperation, MultiPartParserError) as exc:
                response = bad_request(request, exc)
                log_response(
                    "Bad request (unreadable body): %s",
                    request.path,
                    response=response,
                    request=request,
                    exception=exc,
                )
                return response
        return self.get_response(request)


class TextPolicyMiddleware:
    """The text policy (``core.text``) for what a request carries.

    An address (path or query string, once percent-decoded) holding a NUL or
    another C0 control but tab, LF and CR gets the site's 400 page and one
    log line, before anything reads it: the page cache (a NUL once split its
    pages), the views' parameters, database lookups (PostgreSQL refuses NUL
    in text: a ``DataError``, a 500). Sits before the page cache, after the
    security headers and the API's middleware (which answers the API's 400
    in JSON). A cookie holding a control character is ignored, as if not
    sent (a session key with a NUL was a ``DataError`` on every page).

    A form body is checked in ``process_view``, once ``UnreadableBodyMiddleware``
    has parsed it and before the CSRF check or any view reads it: a NUL in a
    field name or value is refused the same way; the other C0 controls (a
    vertical tab pasted from a word processor) are stripped, so every form,
    the admin's included, stores text without them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        if has_control_character(request.path_info) or has_control_character(query):
            return self.refuse(request, "control character in the address")
        for name, value in list(request.COOKIES.items()):
            if has_control_character(name + value):  # only a tampering client sends one
                del request.COOKIES[name]
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if request.method != "POST":
            return None
        fields = [(key, value) for key, values in request.POST.lists() for value in values]
        if not any(has_control_character(key + value) for key, value in fields):
            return None
        cleaned = QueryDict(mutable=True)
        try:
            for key, value in fields:
                cleaned.appendlist(clean_text(key), clean_text(value))
        except ControlCharacterError:
            return self.refuse(request, "NUL in the form")
        cleaned._mutable = False
        request.POST = cleaned
        return None

    @staticmethod
    def refuse(request, reason):
        response = bad_request(request, None)
        address = request.get_full_path()  # percent-encoded: no control character
        if len(address) > LOGGED_ADDRESS_LENGTH:
            address = address[:LOGGED_ADDRESS_LENGTH] + "..."
        log_response(f"Bad request ({reason}): %s", address, response=response, request=request)
        return response

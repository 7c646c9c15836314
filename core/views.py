"""The site's error pages.

Django's default handlers are wrapped in ``requires_csrf_token``, which runs
the CSRF check again and so reads ``request.POST`` a second time. When the
body itself was the problem (a form posted in latin-1, a broken multipart
body), that second read raises inside the 400 handler, then inside the 500
handler, and the client gets a bare 500 with chained tracebacks. These
handlers never touch the request body. The ``{% csrf_token %}`` of the
logout form still renders: the CSRF middleware's ``process_request`` has set
the cookie value up by then.
"""

from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader


def _message(exception):
    message = exception.args[0] if getattr(exception, "args", None) else None
    return message if isinstance(message, str) else exception.__class__.__name__


def bad_request(request, exception):
    return HttpResponseBadRequest(loader.render_to_string("400.html", request=request))


def permission_denied(request, exception):
    return HttpResponseForbidden(
        loader.render_to_string("403.html", {"exception": str(exception)}, request=request)
    )


def page_not_found(request, exception):
    return HttpResponseNotFound(
        loader.render_to_string("404.html", {"exception": _message(exception)}, request=request)
    )


def server_error(request):
    # 500.html stands alone (no base template, no context): it must render
    # even when the database or a context processor is what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))

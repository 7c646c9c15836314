"""/mcp/, the MCP endpoint, and /llms.txt, what the site offers assistants.

The endpoint keeps the API's rules before the SDK reads anything: one rate
limit per address (the API's budget), a bounded body, JSON that parses, and
POST only (a stateless server has no stream to GET and no session to
DELETE). Every refusal is a JSON-RPC error, never a 5xx.
"""

import json

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from mcp import types

from comparison.cache import COMPARISONS
from comparison.models import FRAMEWORK_RANGE
from comparison.selectors import all_comparisons
from core import ratelimit
from core.cache import depends_on
from frameworks import cache as catalogue_tags

from . import server, tools

#: Bytes of a request body: a tool call needs a few hundred.
MAX_BODY = 64 * 1024
#: Our code for "too many requests" (JSON-RPC leaves -32000 to -32099 to servers).
RATE_LIMITED = -32029


def rpc_error(status, code, message, data=None):
    """A JSON-RPC error as the SDK's transport writes its own (no request id)."""
    error = types.JSONRPCError(
        jsonrpc="2.0",
        id="server-error",
        error=types.ErrorData(code=code, message=message, data=data),
    )
    return HttpResponse(
        error.model_dump_json(by_alias=True, exclude_none=True),
        status=status,
        content_type="application/json",
    )


# Clients POST JSON-RPC without a form token; nothing here reads a session.
@csrf_exempt
def mcp_endpoint(request):
    if request.method != "POST":
        response = rpc_error(
            405,
            types.INVALID_REQUEST,
            "Method Not Allowed: this stateless MCP server takes JSON-RPC by POST; "
            "it opens no stream (GET) and keeps no session (DELETE).",
        )
        response["Allow"] = "POST"
        return response
    retry_after = ratelimit.hit("api", ratelimit.client_ip(request), settings.API_RATE)
    if retry_after:
        response = rpc_error(
            429,
            RATE_LIMITED,
            f"Too many requests from your address: at most {settings.API_RATE}.",
            {"retry_after": retry_after},
        )
        response["Retry-After"] = str(retry_after)
        return response
    body = read_body(request)
    if body is None:
        return rpc_error(
            413, types.INVALID_REQUEST, f"Request body too large: at most {MAX_BODY} bytes."
        )
    try:
        json.loads(body.decode())
    except (UnicodeDecodeError, ValueError, RecursionError):
        # The SDK would answer a 500 for bytes that are not UTF-8 or JSON
        # nested past the parser's depth.
        return rpc_error(400, types.PARSE_ERROR, "Parse error: the body is not JSON in UTF-8.")
    status, headers, content = server.serve(request, body)
    response = HttpResponse(content, status=status)
    for name, value in headers:
        if name.lower() != b"content-length":
            response[name.decode("latin-1")] = value.decode("latin-1")
    return response


def read_body(request):
    """The body, or None when it is longer than MAX_BODY (read no further)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return None
    body = request.read(MAX_BODY + 1)
    return body if len(body) <= MAX_BODY else None


def llms_txt(request):
    """What the site offers assistants, in the llms.txt format (Markdown)."""
    depends_on(COMPARISONS, catalogue_tags.FRAMEWORKS)

    def link(title, name, *args):
        return f"- [{title}]({request.build_absolute_uri(reverse(name, args=args))})"

    lines = [
        "# StackCompare",
        "",
        "> An open comparison of web frameworks. Every table cell has a source, a checked "
        "date and a typed verdict; statistics carry their dates; pros and cons are counted "
        "from members' votes. Cite the page URL each answer gives.",
        "",
        "## MCP server (for assistants)",
        "",
        link("MCP endpoint", "assistants:mcp")
        + ": Model Context Protocol over Streamable HTTP (stateless, JSON answers), "
        "read-only, no account. Tools:",
        *(f"  - {t.definition.name}: {t.definition.description}" for t in tools.TOOLS.values()),
        "",
        "## JSON API",
        "",
        link("API documentation", "api:schema") + ": endpoints, filters, rate limit",
        link("API root", "api:root") + ": frameworks, criteria, comparisons, with provenance",
        link("Comparison export", "comparison:export", "django-vs-flask", "json")
        + ": any comparison's table as JSON (or .csv)",
        "",
        "## Pages",
        "",
        link("Catalogue", "frameworks:list") + ": every framework, filtered and sorted",
        link("Compare", "comparison:index")
        + f": any {FRAMEWORK_RANGE} frameworks at /compare/<a>-vs-<b>/; curated ones:",
        *(
            f"  - [{' '.join(c.title.split())}]({request.build_absolute_uri(c.get_absolute_url())})"
            for c in all_comparisons()
        ),
        "",
        "## Optional",
        "",
        link("Sitemap", "sitemap"),
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

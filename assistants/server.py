"""The MCP server behind /mcp/, run inside the Django request that asks.

The SDK's low-level ``Server`` holds our tools; the SDK's own Streamable
HTTP transport (``StreamableHTTPSessionManager``, stateless, JSON answers)
reads the request and writes the answer, so headers, protocol versions and
JSON-RPC framing are the SDK's. ``serve()`` runs that ASGI app for one
request under ``async_to_sync``; each tool runs back in the request's own
thread (``sync_to_async``), with its database connection and page-cache
render, as any view would. Nothing outlives the request: no session, no
stream, no second server (docs/assistants.md).
"""

import json
import logging
from importlib.metadata import PackageNotFoundError, version

from asgiref.sync import async_to_sync, sync_to_async
from django.core.serializers.json import DjangoJSONEncoder
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import McpError

from core import ratelimit

from . import tools

logger = logging.getLogger(__name__)

NAME = "stackcompare"
try:
    VERSION = version(NAME)
except PackageNotFoundError:  # run from a checkout that pip did not install
    VERSION = None
INSTRUCTIONS = (
    "A read-only catalogue of web frameworks with side-by-side comparisons. Every answer "
    "carries its provenance: cite its 'url'; give statistics with their 'as_of' date and "
    "assessment cells with their 'source_url' and 'checked_on'; say when something is "
    "'unknown' or 'stale' rather than guessing."
)


def build(request):
    """A Server answering for ``request`` (whose address makes the answers' URLs)."""
    server = Server(NAME, version=VERSION, instructions=INSTRUCTIONS)
    definitions = [t.definition for t in tools.TOOLS.values()]

    async def list_tools(_):
        return types.ServerResult(types.ListToolsResult(tools=definitions))

    async def call_tool(call):
        params = call.params
        result = await sync_to_async(answer)(request, params.name, params.arguments or {})
        return types.ServerResult(result)

    # Our own call handler, not the SDK's decorator: bad arguments are
    # JSON-RPC errors here, and a failure is logged, not sent to the client.
    server.request_handlers[types.ListToolsRequest] = list_tools
    server.request_handlers[types.CallToolRequest] = call_tool
    return server


def answer(request, name, arguments):
    """The CallToolResult of one call; McpError for arguments we refuse."""
    try:
        data = tools.call(request, name, arguments)
    except tools.ArgumentError as error:
        raise McpError(
            types.ErrorData(code=types.INVALID_PARAMS, message=error.message, data=error.data)
        ) from None
    except tools.ToolError as error:
        return result(error.answer(), text=error.message, is_error=True)
    except Exception:
        logger.exception("MCP tool %s failed for %s", name, ratelimit.client_ip(request))
        raise McpError(
            types.ErrorData(code=types.INTERNAL_ERROR, message="The tool failed; we logged why.")
        ) from None
    return result(data)


def result(data, text=None, is_error=False):
    """Structured content, and the same as JSON text for older clients."""
    text = text or json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structuredContent=data,
        isError=is_error,
    )


def serve(request, body):
    """``(status, headers, body)`` of the SDK's transport for this request."""
    return async_to_sync(_serve)(build(request), scope(request), body)


async def _serve(server, scope, body):
    manager = StreamableHTTPSessionManager(server, json_response=True, stateless=True)
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    answer = {"status": 500, "headers": [], "body": b""}

    async def receive():
        # The body, then the end: JSON answers never listen for more.
        return incoming.pop() if incoming else {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"], answer["headers"] = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    async with manager.run():
        await manager.handle_request(scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]


def scope(request):
    """The ASGI scope of a Django request, its headers as the client sent them
    (WSGI hands them over as latin-1 text)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in request.headers.items()
        ],
        "client": (ratelimit.client_ip(request) or "", 0),
        "server": None,
    }

"""/mcp/ as an assistant meets it: the SDK's own client against a live server.

Few tests, each one session doing much: a live server needs committed data,
so each test loads the demo again (pytest-django flushes after it).
"""

import asyncio

import httpx
import pytest
from django.utils.timezone import localdate
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

from assistants import views

TOOLS = {"search_frameworks", "get_framework", "compare", "list_criteria", "recent_changes"}


def run(url, scenario):
    """``scenario(session)`` in an initialized MCP session with the server at ``url``."""

    async def main():
        # trust_env=False: no proxy from the environment between us and loopback.
        async with (
            httpx.AsyncClient(timeout=20, trust_env=False) as http,
            streamable_http_client(url, http_client=http) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await scenario(session)

    return asyncio.run(main())


def http_errors(group):
    """The HTTP errors the client met, whatever groups they are wrapped in."""
    if isinstance(group, httpx.HTTPStatusError):
        return [group]
    if isinstance(group, BaseExceptionGroup):
        return [e for inner in group.exceptions for e in http_errors(inner)]
    return []


@pytest.fixture
def mcp_url(live_server):
    return live_server.url + "/mcp/"


@pytest.fixture
def demo_mcp_url(mcp_url, demo):
    return mcp_url


def test_an_assistant_lists_the_tools_and_each_answer_carries_provenance(demo_mcp_url, live_server):
    async def scenario(session):
        listed = await session.list_tools()
        calls = {
            "search": await session.call_tool("search_frameworks", {"query": "flsk"}),
            "framework": await session.call_tool("get_framework", {"slug": "flask"}),
            "compare": await session.call_tool(
                "compare", {"slugs": ["flask", "django"], "weights": {"orm-databases": 3}}
            ),
            "criteria": await session.call_tool("list_criteria", {}),
            "changes": await session.call_tool("recent_changes", {"slug": "django"}),
        }
        return listed, calls

    listed, calls = run(demo_mcp_url, scenario)
    site = live_server.url
    assert {t.name for t in listed.tools} == TOOLS
    assert all(t.annotations.readOnlyHint for t in listed.tools)
    compare_schema = next(t for t in listed.tools if t.name == "compare").inputSchema
    assert compare_schema["properties"]["slugs"]["maxItems"] == 4
    assert not any(result.isError for result in calls.values())
    answers = {name: result.structuredContent for name, result in calls.items()}

    # A typo finds the framework, as the compare page suggests it.
    (flask,) = answers["search"]["results"]
    assert (flask["slug"], flask["match"]) == ("flask", "close spelling")
    assert flask["url"] == f"{site}/frameworks/flask/"

    framework = answers["framework"]
    assert framework["url"] == f"{site}/frameworks/flask/"
    stars, stacks = framework["statistics"]["github_stars"], framework["statistics"]["stacks"]
    assert stars == {"label": "GitHub stars", "value": "unknown", "as_of": "unknown"}
    assert stacks["value"] > 0 and stacks["as_of"] == "2025-06-01" and stacks["stale"] is True
    assert framework["statistics"]["votes"]["as_of"] == localdate().isoformat()
    checked = [a for a in framework["assessments"] if a["assessed"]]
    assert checked and all(a["source_url"].startswith("http") for a in checked)
    assert all(a["checked_on"] != "unknown" and a["stale"] in (True, False) for a in checked)
    assert framework["pros_and_cons"]["pros"][0]["votes"] >= 0

    comparison = answers["compare"]
    assert comparison["url"] == f"{site}/compare/django-vs-flask/"  # canonical order
    assert comparison["weighted_url"] == f"{site}/compare/django-vs-flask/?" + "&".join(
        f"w-{c}={3 if c == 'orm-databases' else 1}" for c in sorted(comparison["scores"]["weights"])
    )
    cells = [c for row in comparison["criteria"] for c in row["cells"].values()]
    assert all({"verdict", "source_url", "checked_on", "stale"} <= set(c) for c in cells)
    django = comparison["frameworks"][0]
    assert django["statistics"]["github_stars"]["as_of"] != "unknown"
    assert {s["slug"] for s in comparison["scores"]["frameworks"]} == {"django", "flask"}
    assert comparison["exports"]["csv"] == f"{site}/compare/django-vs-flask.csv"

    criteria = answers["criteria"]["criteria"]
    assert {"url-routing": True, "scalability": False}.items() <= {
        c["slug"]: c["weighable"] for c in criteria
    }.items()

    changes = answers["changes"]
    assert changes["changes_url"] == f"{site}/frameworks/django/changes/"
    assert changes["changes"] and all(
        c["url"].startswith(changes["changes_url"] + "#change-") for c in changes["changes"]
    )
    assert all(answer["answered_at"] for answer in answers.values())


def test_bad_calls_are_errors_the_client_reads(demo_mcp_url):
    async def scenario(session):
        unknown = await session.call_tool("compare", {"slugs": ["django", "flsk"]})
        versions = await session.call_tool(
            "compare", {"slugs": ["django", "flask"], "versions": {"django": "9.9"}}
        )
        refused = {}
        for name, call in {
            "too many": ("compare", {"slugs": ["django", "flask", "rails", "laravel", "spring"]}),
            "wrong type": ("get_framework", {"slug": 7}),
            "NUL": ("search_frameworks", {"query": "fla\x00sk"}),
            "unknown argument": ("list_criteria", {"page": 2}),
            "unknown weight": ("compare", {"slugs": ["django", "flask"], "weights": {"x": 2}}),
            "bad date": ("recent_changes", {"since": "last tuesday"}),
            "unknown tool": ("delete_everything", {}),
        }.items():
            try:
                await session.call_tool(*call)
            except McpError as error:
                refused[name] = error.error
        return unknown, versions, refused

    unknown, versions, refused = run(demo_mcp_url, scenario)
    assert unknown.isError
    assert unknown.structuredContent["suggestions"] == {"flsk": ["flask"]}
    assert "Did you mean: flask?" in unknown.content[0].text
    assert versions.isError and "no release series 9.9" in versions.content[0].text
    assert set(refused) == {
        "too many",
        "wrong type",
        "NUL",
        "unknown argument",
        "unknown weight",
        "bad date",
        "unknown tool",
    }
    assert {error.code for error in refused.values()} == {types.INVALID_PARAMS}
    assert "2 to 4 framework slugs" in refused["too many"].message
    assert refused["NUL"].data == {"argument": "query"}
    assert "url-routing" in refused["unknown weight"].message  # what can be weighed


def test_an_oversized_request_is_refused(mcp_url):
    async def scenario(session):
        await session.call_tool("search_frameworks", {"query": "x" * views.MAX_BODY})

    with pytest.raises(BaseExceptionGroup) as raised:
        run(mcp_url, scenario)
    assert [e.response.status_code for e in http_errors(raised.value)] == [413]


def test_an_address_over_the_rate_limit_is_stopped(mcp_url, settings, frozen_ratelimit_clock):
    # initialize, its notification, tools/list: the fourth request is one too many.
    settings.API_RATE = "3/m"

    async def scenario(session):
        await session.list_tools()
        await session.call_tool("list_criteria", {})

    with pytest.raises(BaseExceptionGroup) as raised:
        run(mcp_url, scenario)
    (error,) = http_errors(raised.value)
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == str(60 - 5)

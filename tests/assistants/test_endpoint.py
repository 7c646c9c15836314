"""/mcp/ and /llms.txt through Django's test client: the same view and SDK
transport as over the wire, inside the test's transaction (fast, and the
queries are counted)."""

import dataclasses
import json
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from mcp import types

from assistants import tools, views
from frameworks import services
from frameworks.models import Framework, ProCon
from tests.factories import (
    AdvisoryFactory,
    AssessmentFactory,
    ProConFactory,
    ReleaseSeriesFactory,
    UserFactory,
)

TODAY = timezone.localdate()
pytestmark = pytest.mark.django_db

ACCEPT = {"HTTP_ACCEPT": "application/json, text/event-stream"}


def post(client, body, path="/mcp/", content_type="application/json"):
    return client.post(path, data=body, content_type=content_type, **ACCEPT)


def rpc(client, method, params=None, rpc_id=1, path="/mcp/"):
    message = {"jsonrpc": "2.0", "id": rpc_id, "method": method}
    if params is not None:
        message["params"] = params
    return post(client, json.dumps(message), path)


def call(client, name, **arguments):
    """The JSON-RPC answer of a tools/call, without an initialize first:
    the server is stateless."""
    response = rpc(client, "tools/call", {"name": name, "arguments": arguments})
    assert response.status_code == 200
    return response.json()


def answer(client, name, **arguments):
    result = call(client, name, **arguments)["result"]
    assert not result["isError"], result
    assert json.loads(result["content"][0]["text"]) == result["structuredContent"]
    return result["structuredContent"]


# --- HTTP rules ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "delete", "put", "patch", "options", "head"])
def test_only_post_is_allowed_as_on_a_stateless_server(client, method):
    response = getattr(client, method)("/mcp/", **ACCEPT)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    if method != "head":
        assert response.json()["error"]["code"] == types.INVALID_REQUEST


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"\xff\xfe{}",  # not UTF-8
        b"[" * 30_000 + b"]" * 30_000,  # deeper than the parser goes
        b"\x00",
    ],
)
def test_a_body_that_is_not_json_is_a_parse_error(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == types.PARSE_ERROR


def test_a_form_body_is_refused_without_a_5xx(client):
    response = post(client, "a=1&b=%00", content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500


def test_an_oversized_body_is_a_json_rpc_error(client):
    message = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": "y" * views.MAX_BODY}}
    response = post(client, json.dumps(message))
    assert response.status_code == 413
    assert "at most 65536 bytes" in response.json()["error"]["message"]


def test_the_server_introduces_itself_also_without_the_slash(client):
    for path in ("/mcp/", "/mcp"):
        params = {
            "protocolVersion": types.LATEST_PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        }
        response = rpc(client, "initialize", params, path=path)
        assert response.status_code == 200
        result = response.json()["result"]
        assert result["serverInfo"]["name"] == "stackcompare"
        assert "provenance" in result["instructions"]
        assert set(result["capabilities"]) >= {"tools"}


def test_errors_answer_the_request_by_its_id(client):
    unknown_method = rpc(client, "tools/destroy", {}, rpc_id=41).json()
    bad_arguments = rpc(client, "tools/call", {"name": "compare", "arguments": {}}, 42).json()
    assert (unknown_method["id"], bad_arguments["id"]) == (41, 42)
    assert bad_arguments["error"]["code"] == types.INVALID_PARAMS
    assert bad_arguments["error"]["message"].startswith("Invalid arguments: 'slugs'")


@pytest.mark.parametrize(
    "arguments",
    [
        {"query": "\x00"},
        {"query": "fl\x1bask"},
        {"query": "flask", "language": "Py\x00thon"},
        {"query": "\ud800"},
        {"query": "flask", "\x00": 1},
    ],
)
def test_control_characters_in_arguments_are_refused(client, arguments):
    error = call(client, "search_frameworks", **arguments)["error"]
    assert error["code"] == types.INVALID_PARAMS


def test_the_api_and_mcp_share_one_rate_limit_per_address(client, settings, frozen_ratelimit_clock):
    settings.API_RATE = "2/m"
    assert client.get("/api/v1/").status_code == 200
    assert rpc(client, "ping").status_code == 200
    response = rpc(client, "ping")
    assert response.status_code == 429
    assert response["Retry-After"] == "55"
    error = response.json()["error"]
    assert error["code"] == views.RATE_LIMITED
    assert error["data"] == {"retry_after": 55}
    assert client.get("/api/v1/").status_code == 429


def test_a_failing_tool_is_logged_and_answered_without_its_details(client, monkeypatch, caplog):
    def broken(request):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(
        tools.TOOLS, "list_criteria", dataclasses.replace(tools.TOOLS["list_criteria"], run=broken)
    )
    with caplog.at_level(logging.ERROR, logger="assistants.server"):
        error = call(client, "list_criteria")["error"]
    assert error["code"] == types.INTERNAL_ERROR
    assert "secret" not in error["message"]
    assert "secret internals" in caplog.text


# --- Tools -----------------------------------------------------------------------


def test_search_ranks_the_exact_name_first_and_takes_the_catalogues_filters(client, demo):
    found = answer(client, "search_frameworks", query="flask")
    assert found["results"][0]["slug"] == "flask"
    assert found["results"][0]["match"] == "exact name"
    python = answer(client, "search_frameworks", query="a", language="python", limit=50)
    assert python["results"] and {r["language"] for r in python["results"]} == {"Python"}
    micro = answer(client, "search_frameworks", query="a", category="microframeworks")
    assert {r["category"]["slug"] for r in micro["results"]} <= {"microframeworks"}
    assert answer(client, "search_frameworks", query="a", limit=2)["count"] > 2
    error = call(client, "search_frameworks", query="a", language="Klingon")["error"]
    assert error["code"] == types.INVALID_PARAMS and "language" in error["message"]


def test_an_unknown_slug_is_a_tool_error_naming_close_ones(client, demo):
    result = call(client, "get_framework", slug="djang")["result"]
    assert result["isError"]
    assert result["structuredContent"]["suggestions"] == {"djang": ["django"]}
    changes = call(client, "recent_changes", slug="flaks")["result"]
    assert changes["isError"] and changes["structuredContent"]["suggestions"]["flaks"]


def test_compare_answers_the_curated_page_in_its_order(client, demo):
    comparison = answer(client, "compare", slugs=["Flask", "django"])
    assert comparison["url"] == "http://testserver/compare/django-vs-flask/"
    assert comparison["curated"] is True and comparison["overview"]["differences"]
    assert [f["slug"] for f in comparison["frameworks"]] == ["django", "flask"]
    unweighted = comparison["scores"]
    assert unweighted["customised"] is False
    assert comparison["weighted_url"] == comparison["url"]


def test_recent_changes_of_the_catalogue_and_since_a_date(client, demo):
    everything = answer(client, "recent_changes")
    assert everything["changes"] and all(c["framework"] for c in everything["changes"])
    assert answer(client, "recent_changes", since="2999-01-01")["changes"] == []
    later = answer(client, "recent_changes", slug="django", since="2000-01-01T00:00:00+02:00")
    assert later["since"] == "2000-01-01T00:00:00+02:00" and later["changes"]


def test_a_framework_and_a_comparison_carry_series_and_health_with_sources(client, demo):
    django = Framework.objects.get(slug="django")
    series = ReleaseSeriesFactory(
        framework=django, name="90.1", latest="90.1.3", advisories_checked_on=TODAY
    )
    AdvisoryFactory(series=series, osv_id="PYSEC-2099-1", severity="critical")
    framework = answer(client, "get_framework", slug="django")
    listed = next(s for s in framework["release_series"] if s["name"] == "90.1")
    assert listed["latest"] == "90.1.3" and listed["released"] == "unknown"
    assert listed["source"] == "endoflife.date" and listed["source_url"].startswith("https://")
    assert listed["advisories"]["counts"]["critical"] == 1
    assert listed["advisories"]["items"][0]["url"] == "https://osv.dev/vulnerability/PYSEC-2099-1"
    for signal in framework["health"]:
        assert signal["why"] and signal["as_of"], signal
        assert signal["source"] or signal["value"] == "unknown", "a known figure names its source"

    compared = answer(client, "compare", slugs=["django", "flask"])
    rows = {row["key"]: row for row in compared["health"]}
    assert set(rows["cadence"]["cells"]) == {"django", "flask"}
    for row in compared["health"]:
        for signal in row["cells"].values():
            assert signal["value"] != None and signal["as_of"] != None  # noqa: E711
    django_column = next(f for f in compared["frameworks"] if f["slug"] == "django")
    assert "90.1" in [s["name"] for s in django_column["release_series"]]


CALLS = {
    "search_frameworks": {"query": "python"},
    "get_framework": {"slug": "django"},
    "compare": {"slugs": ["django", "flask"], "weights": {"url-routing": 2}},
    "list_criteria": {},
    "recent_changes": {"slug": "django"},
}
#: The most each call costs, whatever the data size. recent_changes reads
#: the rows and previous versions of each kind of history row it lists (a
#: framework's own, its pros' and cons', its assessments'): at most 12.
MOST_QUERIES = {
    "search_frameworks": 2,  # on SQLite, one more: is the FTS5 table there?
    "get_framework": 16,  # 13, and the release series, advisories and health signals
    "compare": 17,
    "list_criteria": 1,
    "recent_changes": 12,
}


def test_each_tool_runs_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    def counts():
        found = {}
        for name, arguments in CALLS.items():
            with django_assert_max_num_queries(MOST_QUERIES[name]) as queries:
                answer(client, name, **arguments)
            found[name] = len(queries)
        return found

    before = counts()
    django, flask = Framework.objects.get(slug="django"), Framework.objects.get(slug="flask")
    for framework in (django, flask):
        ProConFactory.create_batch(5, framework=framework, baseline_votes=3)
        ProConFactory.create_batch(3, framework=framework, kind=ProCon.Kind.CON)
    AssessmentFactory.create_batch(2, framework=django)
    for name in ("90.0", "90.1", "90.2"):
        series = ReleaseSeriesFactory(framework=django, name=name, advisories_checked_on=TODAY)
        AdvisoryFactory.create_batch(2, series=series)
    after = counts()
    del before["recent_changes"], after["recent_changes"]
    assert after == before


def test_a_framework_answer_is_cached_and_invalidated_like_its_page(
    client, demo, page_cache, committed
):
    def votes_and_queries():
        with CaptureQueriesContext(connection) as queries:
            data = answer(client, "get_framework", slug="flask")
        return data["pros_and_cons"]["pros"][0]["votes"], len(queries)

    votes, cold = votes_and_queries()
    again, warm = votes_and_queries()
    assert again == votes and warm < cold
    procon = ProCon.objects.filter(framework__slug="flask", kind="pro").order_by("-votes_count")[0]
    committed(services.toggle_vote, user=UserFactory(), procon_id=procon.pk)
    assert votes_and_queries()[0] == votes + 1


# --- llms.txt --------------------------------------------------------------------


def test_llms_txt_points_assistants_at_the_mcp_server_and_the_api(client, demo, page_cache):
    response = client.get("/llms.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# StackCompare\n")
    for url in (
        "http://testserver/mcp/",
        "http://testserver/api/",
        "http://testserver/api/v1/",
        "http://testserver/compare/django-vs-flask/",
    ):
        assert f"({url})" in text
    assert all(f"  - {name}: " in text for name in tools.TOOLS)
    assert client.get("/llms.txt")["X-Cache"] == "hit"


# --- No input makes /mcp/ answer 5xx -------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
tool_calls = st.builds(
    lambda rpc_id, name, arguments: {
        "jsonrpc": "2.0",
        "id": rpc_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    },
    st.integers() | st.text(max_size=8),
    st.sampled_from([*tools.TOOLS, "nope", ""]),
    st.dictionaries(
        st.sampled_from(["query", "slug", "slugs", "weights", "versions", "since", "limit", "x"]),
        json_values,
    ),
)
bodies = st.one_of(
    tool_calls.map(json.dumps),
    json_values.map(json.dumps),
    st.binary(max_size=64),
)


@given(body=bodies)
@examples(
    max_examples=60,  # under API_RATE: they all count against the test client's address
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_body_makes_the_endpoint_answer_5xx(client, body):
    response = post(client, body)
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")

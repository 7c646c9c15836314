"""/api/v1/: bad input, ETag/304, CORS, the rate limit and the page cache."""

import pytest
from django.test import Client

from comparison.models import Criterion
from core import pagination
from frameworks import services
from frameworks.models import ProCon
from tests.factories import FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/frameworks/",
    "/api/v1/frameworks/django/",
    "/api/v1/criteria/",
    "/api/v1/comparisons/",
    "/api/v1/comparisons/django-vs-flask/",
]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/frameworks/?sort=bogus", "Invalid filter"),
        ("/api/v1/frameworks/?category=nosuch", "Invalid filter"),
        ("/api/v1/frameworks/?language=Klingon", "Invalid filter"),
        ("/api/v1/frameworks/?q=" + "x" * 101, "Invalid filter"),
        ("/api/v1/frameworks/?cursor=0", "cursor is not valid"),
        ("/api/v1/frameworks/?cursor=n.bm90IGpzb24", "cursor is not valid"),
        ("/api/v1/frameworks/?sort=-stars&cursor=n.WzFd", "cursor is not valid"),  # one key
        ("/api/v1/frameworks/?sort=-stars&cursor=n.WyJ4IiwxXQ", "cursor is not valid"),  # "x"
        ("/api/v1/frameworks/?page=2", "Unknown query parameter 'page'"),
        ("/api/v1/frameworks/?page_size=101", "at most 100"),
        ("/api/v1/frameworks/?page_size=abc", "page_size must be"),
        # The text policy refuses a NUL before the endpoint reads it.
        ("/api/v1/criteria/?cursor=%00", "This request cannot be read"),
        ("/api/v1/comparisons/dj%00ango-vs-flask/", "This request cannot be read"),
        ("/api/v1/criteria/?page_size=%C2%B2", "page_size must be"),  # "²" passes isdigit()
        ("/api/v1/criteria/?page_size=%D9%A1", "page_size must be"),  # Arabic-Indic one
        ("/api/v1/comparisons/django-vs-flask/?only=all", 'only must be "differences"'),
        ("/api/v1/frameworks/?sotr=-stars", "Unknown query parameter 'sotr'"),
        ("/api/v1/comparisons/?only=differences", "Unknown query parameter 'only'"),
        ("/api/v1/frameworks/django/?cursor=2", "Unknown query parameter"),
        # Which of two values was meant is anyone's guess (Django reads the last).
        ("/api/v1/criteria/?page_size=1&page_size=2", "'page_size' is given 2 times"),
        ("/api/v1/frameworks/?language=Python&language=Go", "'language' is given 2 times"),
        ("/api/v1/comparisons/django-vs-flask/?only=differences&only=", "'only' is given"),
    ],
)
def test_malformed_parameters_are_a_json_400(client, demo, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_filter_errors_name_the_parameter(client, demo):
    errors = client.get("/api/v1/frameworks/?sort=bogus").json()["errors"]
    assert list(errors) == ["sort"]


def test_a_cursor_past_the_end_is_an_empty_page_back_to_the_first(client, demo):
    last = Criterion.objects.order_by("position", "name", "pk").last()
    cursor = pagination.encode("n", [last.position, last.name, last.pk])
    data = client.get(f"/api/v1/criteria/?cursor={cursor}").json()
    assert (data["results"], data["next"]) == ([], None)
    assert data["previous"] == "http://testserver/api/v1/criteria/"


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/nothing/here/")
    assert response.status_code == 404
    assert response.json()["error"].startswith("No API endpoint")


def test_writes_are_refused(client, demo):
    response = client.post("/api/v1/frameworks/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_answer_allows_any_origin(client, demo, url):
    response = client.get(url, headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_a_preflight_allows_if_none_match(client):
    response = client.options(
        "/api/v1/frameworks/",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Headers"] == "If-None-Match"


@pytest.mark.parametrize("cache_on", [False, True])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_an_unchanged_answer_is_a_304(demo, settings, url, cache_on):
    settings.PAGE_CACHE = cache_on
    reader = Client()
    first = reader.get(url)
    etag = first["ETag"]
    # The render that filled the cache (a miss) answers If-None-Match too.
    Client().get("/")  # unrelated traffic
    for _ in range(2):
        again = reader.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
        assert again["Access-Control-Allow-Origin"] == "*"
    assert reader.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_miss_and_the_hits_after_it_share_one_etag(demo, page_cache):
    reader = Client()
    miss = reader.get("/api/v1/frameworks/")
    hit = reader.get("/api/v1/frameworks/")
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert miss["ETag"] == hit["ETag"]
    assert hit.content == miss.content
    cold = Client().get("/api/v1/frameworks/", headers={"If-None-Match": miss["ETag"]})
    assert cold.status_code == 304


def test_signed_in_readers_get_the_same_data_and_an_etag(demo, member_client):
    response = member_client.get("/api/v1/frameworks/flask/")
    assert response.status_code == 200
    assert response.json() == Client().get("/api/v1/frameworks/flask/").json()
    again = member_client.get(
        "/api/v1/frameworks/flask/", headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304


def test_a_vote_changes_the_api_answer_on_the_next_request(demo, page_cache, committed):
    reader = Client()
    url = "/api/v1/frameworks/flask/"
    before = reader.get(url)
    assert reader.get(url)["X-Cache"] == "hit"
    item = ProCon.objects.get(framework__slug="flask", text="Not fast")
    votes, _ = committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)

    after = reader.get(url, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200, "the old ETag no longer matches"
    assert after["X-Cache"] == "miss"
    assert {c["text"]: c["votes"] for c in after.json()["cons"]}["Not fast"] == votes
    for listing in ("/api/v1/frameworks/", "/api/v1/comparisons/django-vs-flask/"):
        reader.get(listing)
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    listed = reader.get("/api/v1/frameworks/")
    assert listed["X-Cache"] == "miss"
    compared = reader.get("/api/v1/comparisons/django-vs-flask/")
    assert compared["X-Cache"] == "miss"
    cons = compared.json()["pros_and_cons"]["flask"]["cons"]
    assert {c["text"]: c["votes"] for c in cons}["Not fast"] == votes + 1


def test_a_new_framework_reaches_the_list_but_not_the_criteria(demo, page_cache, committed):
    reader = Client()
    for url in ("/api/v1/frameworks/", "/api/v1/criteria/"):
        reader.get(url)
    framework = committed(FrameworkFactory, slug="zzz-new", name="ZZZ New")
    listed = reader.get("/api/v1/frameworks/?page_size=50")
    assert framework.slug in {
        f["slug"] for f in reader.get("/api/v1/frameworks/").json()["results"]
    }
    assert listed.status_code == 200
    assert reader.get("/api/v1/criteria/")["X-Cache"] == "hit"


def test_the_rate_limit_counts_every_request_of_an_address(
    demo, settings, page_cache, frozen_ratelimit_clock
):
    settings.API_RATE = "3/m"
    reader = Client(REMOTE_ADDR="203.0.113.9")
    assert [reader.get("/api/v1/criteria/").status_code for _ in range(3)] == [200, 200, 200]
    refused = reader.get("/api/v1/criteria/")  # would be a cache hit
    assert refused.status_code == 429
    assert refused["Retry-After"] == "55"
    assert refused.json()["retry_after"] == 55
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Another address is not affected; pages outside the API neither.
    assert Client(REMOTE_ADDR="203.0.113.10").get("/api/v1/criteria/").status_code == 200
    assert reader.get("/frameworks/").status_code == 200

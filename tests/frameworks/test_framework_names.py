"""/frameworks/names.json: what the framework boxes suggest as one types.
At most ten published frameworks, slug prefixes first, then names or slugs
holding the text; names and slugs only; cached for everyone under its q."""

import json

import pytest
from django.test import Client

from frameworks.search import NAME_MATCHES, frameworks_matching, suggestions_for
from members.models import Follow
from tests.factories import FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/frameworks/names.json"


def names(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_slug_prefixes_come_first_then_names_holding_the_text(client):
    FrameworkFactory(name="Tornado", slug="tornado")
    FrameworkFactory(name="Flask", slug="flask")
    FrameworkFactory(name="Falcon", slug="falcon")
    FrameworkFactory(name="Django REST framework", slug="django-rest-framework")
    FrameworkFactory(name="Django", slug="django")
    FrameworkFactory(name="Hidden Django fork", slug="djangox", is_published=False)
    FrameworkFactory(name="Mezzanine (on Django)", slug="mezzanine")
    answer = names(client, "djan")
    assert [f["slug"] for f in answer["frameworks"]] == [
        "django",
        "django-rest-framework",  # prefixes, by name
        "mezzanine",  # then the name holds it
    ]
    assert answer["frameworks"][0] == {"name": "Django", "slug": "django"}
    assert [f["slug"] for f in names(client, "FL")["frameworks"]] == ["flask"]
    # No slug starts with "a": names holding it, by name.
    assert [f["name"] for f in names(client, "a")["frameworks"]] == [
        "Django",
        "Django REST framework",
        "Falcon",
        "Flask",
        "Mezzanine (on Django)",
        "Tornado",
    ]


def test_at_most_ten_answers(client):
    for n in range(25):
        FrameworkFactory(name=f"Pyramid {n:02}", slug=f"pyramid-{n:02}")
    found = names(client, "pyr")["frameworks"]
    assert len(found) == NAME_MATCHES == 10
    assert [f["name"] for f in found] == [f"Pyramid {n:02}" for n in range(10)]


@pytest.mark.parametrize("q", ["", "   ", "\u200b", "zzz", "%", "_", "x" * 5000, "'; drop"])
def test_nothing_matching_is_an_empty_list(client, q):
    FrameworkFactory(name="Flask", slug="flask")
    assert names(client, q) == {"frameworks": []}


def test_like_wildcards_are_literal(client):
    FrameworkFactory(name="Flask", slug="flask")
    FrameworkFactory(name="100% Python", slug="100-python")
    assert [f["slug"] for f in names(client, "%")["frameworks"]] == ["100-python"]
    assert [f["slug"] for f in names(client, "1_0")["frameworks"]] == []


def test_a_member_gets_the_same_answer_and_no_member_data(client):
    member = UserFactory(username="secret-member", first_name="Secret")
    flask = FrameworkFactory(name="Flask", slug="flask")
    Follow.objects.create(user=member, framework=flask)
    anonymous = client.get(URL, {"q": "fla"}).content
    signed_in = Client()
    signed_in.force_login(member)
    assert signed_in.get(URL, {"q": "fla"}).content == anonymous
    assert b"secret" not in anonymous.lower()
    assert json.loads(anonymous) == {"frameworks": [{"name": "Flask", "slug": "flask"}]}


def test_it_is_cached_for_everyone_under_its_q(client, page_cache):
    FrameworkFactory(name="Flask", slug="flask")
    assert client.get(URL, {"q": "fla"})["X-Cache"] == "miss"
    assert Client().get(URL, {"q": "fla"})["X-Cache"] == "hit"
    assert client.get(URL, {"q": "fl"})["X-Cache"] == "miss"
    # Any other parameter is no part of the address.
    response = client.get(URL, {"q": "fla", "callback": "x"})
    assert response.status_code == 301
    assert response["Location"] == f"{URL}?q=fla"


def test_a_rename_reaches_the_cached_answer(client, page_cache, committed):
    flask = FrameworkFactory(name="Flask", slug="flask")
    names(client, "fla")
    flask.name = "Flask 3"
    committed(flask.save)
    assert names(Client(), "fla")["frameworks"][0]["name"] == "Flask 3"


def test_bad_methods_and_bytes_are_4xx(client):
    assert client.post(URL, {"q": "fla"}).status_code == 405
    assert client.get(URL + "?q=fl%00a").status_code == 400
    assert client.get(URL + "?q=%ff%fe").status_code == 200


@pytest.mark.parametrize("size", [12, 120])
def test_queries_are_pinned_whatever_the_catalogue(client, django_assert_num_queries, size):
    for n in range(size):
        FrameworkFactory(name=f"Bottle {n:03}", slug=f"bottle-{n:03}")
        FrameworkFactory(name=f"Other {n:03}", slug=f"other-{n:03}", tagline="")
    # Ten prefixes: one query.
    with django_assert_num_queries(1):
        assert len(frameworks_matching("bott")) == 10
    # Fewer prefixes than ten: a second query for names holding the text.
    with django_assert_num_queries(2):
        frameworks_matching("ottle 00")
    with django_assert_num_queries(0):
        assert frameworks_matching("  ") == []


def test_close_matches_forgive_a_typo_in_any_letter(django_assert_max_num_queries):
    FrameworkFactory(name="Flask", slug="flask")
    FrameworkFactory(name="Falcon", slug="falcon")
    FrameworkFactory(name="Django", slug="django")
    # One query on SQLite; one per name on PostgreSQL (a trigram query each).
    with django_assert_max_num_queries(3):
        found = suggestions_for(["flsk", "Djngo", "glask", "¿?"])
    assert {name: [f.slug for f in close] for name, close in found.items()} == {
        "flsk": ["flask"],
        "Djngo": ["django"],
        "glask": ["flask"],
        "¿?": [],
    }
    with django_assert_max_num_queries(0):
        assert suggestions_for(["¿?"]) == {"¿?": []}


def test_the_endpoint_costs_its_lookups_and_nothing_else(client, django_assert_num_queries):
    for n in range(12):
        FrameworkFactory(name=f"Bottle {n:02}", slug=f"bottle-{n:02}")
    with django_assert_num_queries(1):  # ten slug prefixes: no second query
        assert len(names(client, "bot")["frameworks"]) == 10
    with django_assert_num_queries(2):
        assert names(client, "ottle")["frameworks"]

"""The compare picker: text boxes whose names the server resolves (no list
of every framework), redirecting to the canonical comparison or answering
a form error with close matches; never a 500."""

import re

import pytest

from comparison.forms import CompareForm
from tests.factories import FrameworkFactory

pytestmark = pytest.mark.django_db


def pick(client, **boxes):
    return client.get("/compare/", boxes)


def errors(response):
    html = response.content.decode()
    found = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', html, re.S)
    found += re.findall(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>|\s+", " ", text) for text in found)


@pytest.mark.parametrize(
    "boxes",
    [
        {"a": "fastapi", "b": "flask", "c": "django"},  # slugs
        {"a": "FastAPI", "b": "Flask", "c": "Django"},  # names
        {"a": "  fastAPI ", "b": "FLASK", "c": "django"},  # any case, spaces
        {"a": "Flask", "c": "FastAPI", "d": "Django"},  # any boxes
    ],
)
def test_names_or_slugs_go_straight_to_the_canonical_comparison(client, demo, boxes):
    response = pick(client, **boxes)
    assert response.status_code == 302
    assert response["Location"] == "/compare/django-vs-fastapi-vs-flask/"


def test_a_curated_set_goes_to_its_curated_order(client, demo):
    response = pick(client, a="Flask", b="Django")
    assert response["Location"] == "/compare/django-vs-flask/"
    assert client.get(response["Location"]).status_code == 200


def test_a_name_that_slugifies_to_a_slug_is_found(client):
    FrameworkFactory(name="ASP.NET Core", slug="aspnet-core")
    FrameworkFactory(name="Flask", slug="flask")
    response = pick(client, a="asp.net core", b="flask")
    assert response["Location"] == "/compare/aspnet-core-vs-flask/"


def test_an_unknown_name_is_a_form_error_with_close_matches(client, demo):
    response = pick(client, a="Django", b="Flsk")
    assert response.status_code == 400
    said = errors(response)
    assert "We have no framework called “Flsk”. Did you mean Flask?" in said
    # What was typed stays in the boxes, to correct it.
    assert 'value="Flsk"' in response.content.decode()


def test_an_unknown_name_without_close_matches_says_so(client, demo):
    response = pick(client, a="Django", b="cobol-on-cogs")
    assert response.status_code == 400
    said = errors(response)
    assert "We have no framework called “cobol-on-cogs”." in said
    assert "Did you mean" not in said


def test_an_unpublished_framework_is_unknown(client):
    FrameworkFactory(name="Flask", slug="flask")
    FrameworkFactory(name="Hidden", slug="hidden", is_published=False)
    response = pick(client, a="Flask", b="Hidden")
    assert response.status_code == 400
    assert "We have no framework called “Hidden”" in errors(response)


@pytest.mark.parametrize(
    "boxes",
    [
        {"a": "django", "b": "Django"},
        {"a": "Django", "b": "flask", "c": "DJANGO"},
    ],
)
def test_the_same_framework_twice_is_a_form_error(client, demo, boxes):
    response = pick(client, **boxes)
    assert response.status_code == 400
    assert "Name each framework only once." in errors(response)


@pytest.mark.parametrize("boxes", [{"a": "Django"}, {"b": "Flask"}, {"a": "Django", "b": "\u200b"}])
def test_fewer_than_two_is_a_form_error(client, demo, boxes):
    response = pick(client, **boxes)
    assert response.status_code == 400
    assert "Name at least 2 frameworks." in errors(response)


def test_no_more_than_four_boxes_reach_the_form(client, demo):
    """Four boxes are all the form has: a fifth parameter is no part of the
    picker's address (301 without it), and a box given twice counts once."""
    response = pick(client, a="django", b="flask", c="fastapi", d="pyramid", e="bottle")
    assert response.status_code == 301
    assert "e=" not in response["Location"]
    response = client.get("/compare/?a=django&a=flask&b=fastapi&c=pyramid&d=bottle&d=tornado")
    assert response.status_code == 302
    assert response["Location"].count("-vs-") == 3  # four frameworks


@pytest.mark.parametrize(
    "text",
    [
        "x" * 101,  # longer than any name
        "\u202edjango",  # format characters
        "<script>alert(1)</script>",
        "django-vs-flask",
        "%00",
        "\ufffd\ufffd",
        "../../etc/passwd",
    ],
)
def test_odd_input_is_a_form_error_never_a_500(client, demo, text):
    response = pick(client, a=text, b="flask")
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode()
        assert "<script>alert(1)" not in response.content.decode()


def test_format_characters_are_dropped_before_the_lookup(client, demo):
    response = pick(client, a="\u200bDjan\u200dgo", b="flask")
    assert response["Location"] == "/compare/django-vs-flask/"


def test_a_control_character_is_refused_before_the_view(client, demo):
    assert client.get("/compare/?a=django%00&b=flask").status_code == 400


def test_the_picker_lists_no_framework(client, demo):
    """No <select> of every framework anywhere: the picker is text boxes."""
    for url in ("/", "/compare/"):
        html = client.get(url).content.decode()
        picker = html[html.index('<form class="picker"') :]
        picker = picker[: picker.index("</form>")]
        assert "<select" not in picker
        assert "<option" not in picker
        assert picker.count('list="framework-names"') == 4
        assert '<datalist id="framework-names"' in picker


def test_resolving_costs_two_queries_whatever_the_catalogue(django_assert_num_queries):
    for n in range(30):
        FrameworkFactory(name=f"Framework {n}", slug=f"framework-{n}")
    form = CompareForm({"a": "Framework 1", "b": "framework-2", "c": "FRAMEWORK 3"})
    with django_assert_num_queries(1):
        assert form.is_valid()
    assert [f.slug for f in form.cleaned_data["chosen"]] == [
        "framework-1",
        "framework-2",
        "framework-3",
    ]
    typo = CompareForm({"a": "Framework 1", "b": "framwork-2"})
    with django_assert_num_queries(2):  # the names, then the close matches
        assert not typo.is_valid()

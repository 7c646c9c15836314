"""Compare addresses as pure functions: parse_slugs and suggest, without HTTP."""

import pytest

from comparison.addresses import MAX_PATH_LENGTH, CompareError, parse_slugs
from frameworks.models import Framework
from frameworks.search import suggest


@pytest.mark.parametrize(
    ("raw", "slugs"),
    [
        ("django-vs-flask", ["django", "flask"]),
        ("/Django-vs-Flask/", ["django", "flask"]),
        ("  flask-vs-django  ", ["flask", "django"]),  # order is kept: the view redirects
        ("a-vs-b-vs-c-vs-d", ["a", "b", "c", "d"]),
        ("ruby-on-rails-vs-express-js", ["ruby-on-rails", "express-js"]),
    ],
)
def test_parse_slugs_splits_a_valid_address(raw, slugs):
    assert parse_slugs(raw) == slugs


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("django", "at least 2"),
        ("a-vs-b-vs-c-vs-d-vs-e", "at most 4"),
        ("django-vs-django", '"django" is named more than once'),
        ("django-vs-Django", '"django" is named more than once'),
        ("django_vs_flask", "letters, digits and hyphens"),
        ("django-vs--flask", "letters, digits and hyphens"),
        ("django-vs-flask.json", "letters, digits and hyphens"),
        ("", "letters, digits and hyphens"),
        ("-vs-".join(["x"] * 200), "far too long"),
    ],
)
def test_parse_slugs_explains_a_bad_address(raw, message):
    with pytest.raises(CompareError) as error:
        parse_slugs(raw)
    assert message in error.value.message
    assert error.value.suggestions == {}


def test_parse_slugs_refuses_before_splitting_an_overlong_address():
    raw = "a" * (MAX_PATH_LENGTH + 1)
    with pytest.raises(CompareError, match="far too long"):
        parse_slugs(raw)
    assert parse_slugs("a" * 100 + "-vs-b") == ["a" * 100, "b"]


def _framework(pk, name, slug):
    return Framework(pk=pk, name=name, slug=slug)


CANDIDATES = [
    _framework(1, "Django", "django"),
    _framework(2, "Flask", "flask"),
    _framework(3, "FastAPI", "fastapi"),
    _framework(4, "Falcon", "falcon"),
    _framework(5, "Ruby on Rails", "ruby-on-rails"),
]


@pytest.mark.parametrize(
    ("unknown", "first"),
    [
        ("flsk", "flask"),
        ("djang", "django"),
        ("DJANGO", "django"),
        ("fastap", "fastapi"),
        ("ruby on rails", "ruby-on-rails"),  # matched by name as well as slug
    ],
)
def test_suggest_puts_the_closest_framework_first(unknown, first):
    assert suggest(unknown, CANDIDATES)[0].slug == first


def test_suggest_offers_nothing_for_a_name_unlike_any():
    assert suggest("cobol", CANDIDATES) == []


def test_suggest_names_each_framework_once_and_at_most_three():
    many = [_framework(i, f"Flask{i}", f"flask{i}") for i in range(10)]
    found = suggest("flask", many)
    assert len(found) == 3
    assert len({f.pk for f in found}) == 3
    # A slug and a name close to the same input count as one framework.
    assert [f.pk for f in suggest("flask", [_framework(1, "Flask", "flask")])] == [1]

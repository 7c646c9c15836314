"""The public Changes pages of frameworks and comparisons."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from comparison.models import Assessment
from frameworks.models import ProCon
from tests.factories import (
    AssessmentFactory,
    ComparisonFactory,
    CriterionFactory,
    DifferenceFactory,
    FrameworkFactory,
    ProConFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def text(response):
    """The page's words: tags dropped, entities decoded, whitespace collapsed."""
    words = re.sub(r"<[^>]+>", "", response.content.decode())
    return " ".join(html.unescape(words).split())


def edit(obj, user=None, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    if user is not None:
        obj._history_user = user
    obj.save()
    return obj


@pytest.fixture
def flask():
    return FrameworkFactory(name="Flask", slug="flask", description="A small core.")


def test_the_framework_page_links_to_its_changes(client, flask):
    page = client.get("/frameworks/flask/")
    assert b'href="/frameworks/flask/changes/">Changes' in page.content


def test_changes_are_listed_newest_first_with_who_when_and_a_word_diff(client, flask):
    curator = UserFactory(username="carla", email="carla@example.com", is_staff=True)
    member = UserFactory(username="alice", email="alice@example.com")
    edit(flask, curator, description="A small core and many extensions.")
    item = ProConFactory(framework=flask, text="Lightweight")
    edit(item, member, text="Very lightweight")
    response = client.get("/frameworks/flask/changes/")
    assert response.status_code == 200
    body = text(response)
    first, second = body.index("Very lightweight"), body.index("many extensions")
    assert first < second  # newest first
    assert "by alice" in body and "by curator" in body
    assert "carla" not in body and "example.com" not in body  # never a curator's name or email
    content = response.content.decode()
    assert (
        'A small core<ins><span class="visually-hidden">[added: </span> and many extensions<span '
        'class="visually-hidden">]</span></ins>.' in content
    )
    assert "<time datetime=" in content


def test_a_text_with_markup_shows_inert(client, flask):
    edit(flask, description='<script>alert("x")</script> and <b>bold</b>')
    content = client.get("/frameworks/flask/changes/").content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in content
    assert "<b>bold" not in content


def test_pending_and_rejected_suggestions_never_show(client, flask):
    ProConFactory(framework=flask, text="Secret pending", status=ProCon.Status.PENDING)
    rejected = ProConFactory(framework=flask, text="Spam text", status=ProCon.Status.PENDING)
    edit(rejected, status=ProCon.Status.REJECTED)
    published = ProConFactory(framework=flask, text="Was public")
    edit(published, status=ProCon.Status.REJECTED)
    body = text(client.get("/frameworks/flask/changes/"))
    assert "Secret pending" not in body and "Spam text" not in body
    assert "Pro withdrawn: Flask: Was public" in body


def test_an_admin_inline_rewrite_shows_as_one_change(client, flask):
    routing = CriterionFactory(name="URL routing")
    old = AssessmentFactory(framework=flask, criterion=routing, summary="Decorators.")
    # What RewriteChangedRowsFormSet does with a changed inline row.
    Assessment.objects.filter(pk=old.pk).delete()
    old.pk = None
    old.summary = "Decorators and blueprints."
    old.save()
    body = text(client.get("/frameworks/flask/changes/"))
    assert "Assessment changed: Flask on URL routing" in body
    assert "Assessment removed" not in body
    assert body.count("Assessment added") == 1  # the first version only


def test_statistics_changes_are_listed(client, flask):
    edit(flask, github_stars=68000)
    edit(flask, github_stars=68500)
    body = text(client.get("/frameworks/flask/changes/"))
    assert "68000 → 68500" in body


def test_since_marks_newer_changes(client, flask):
    edit(flask, description="Old change.")
    cut = timezone.now()
    later = cut + datetime.timedelta(seconds=5)
    flask.description = "New change."
    flask._history_date = later
    flask.save()
    since = int(cut.timestamp()) + 1
    content = client.get(f"/frameworks/flask/changes/?since={since}").content.decode()
    assert content.count("change--new") == 1
    assert "New since your last visit" in content


@pytest.mark.parametrize("query", ["?since=yesterday", "?since=-1", "?since=999999999999999"])
def test_a_bad_since_is_a_400(client, flask, query):
    assert client.get("/frameworks/flask/changes/" + query).status_code == 400


def test_unknown_and_unpublished_frameworks_are_404(client, flask):
    assert client.get("/frameworks/nope/changes/").status_code == 404
    edit(flask, is_published=False)
    assert client.get("/frameworks/flask/changes/").status_code == 404


def test_pages_beyond_the_last_are_404(client, flask):
    assert client.get("/frameworks/flask/changes/?page=2").status_code == 404
    assert client.get("/frameworks/flask/changes/?page=x").status_code == 404


def test_changes_are_paginated(client, flask):
    for stars in range(35):
        edit(flask, github_stars=stars)
    first = client.get("/frameworks/flask/changes/")
    assert first.content.decode().count('<li class="change') == 30
    second = client.get("/frameworks/flask/changes/?page=2")
    assert second.status_code == 200
    assert second.content.decode().count('<li class="change') == 6  # 5 edits + creation


def grow(framework, n):
    criterion = CriterionFactory()
    AssessmentFactory(framework=framework, criterion=criterion)
    for i in range(n):
        item = ProConFactory(framework=framework)
        edit(item, UserFactory(), text=f"Edited {i} {framework.slug}")
        edit(framework, UserFactory(is_staff=True), github_stars=i)


@pytest.mark.parametrize("size", [1, 8])
def test_the_framework_changes_page_query_count_is_constant(
    client, flask, size, django_assert_num_queries
):
    grow(flask, size)
    # framework, count, page of keys, rows + previous rows per kind listed
    # (3 kinds), names of frameworks and criteria (no category changed)
    with django_assert_num_queries(11):
        assert client.get("/frameworks/flask/changes/").status_code == 200


# --- Comparisons ---------------------------------------------------------------


@pytest.fixture
def pair(flask):
    django = FrameworkFactory(name="Django", slug="django")
    return django, flask


def test_a_curated_comparisons_changes_include_its_own_and_its_frameworks(client, pair):
    django, flask = pair
    comparison = ComparisonFactory(frameworks=[django, flask], title="Django vs Flask")
    difference = DifferenceFactory(comparison=comparison, text="Batteries included.")
    edit(difference, text="Batteries included versus a small core.")
    edit(comparison, intro="Two Python frameworks.")
    edit(flask, tagline="Micro")
    page = client.get("/compare/django-vs-flask/")
    assert b'href="/compare/django-vs-flask/changes/">Changes' in page.content
    body = text(client.get("/compare/django-vs-flask/changes/"))
    assert "Comparison changed: Django vs Flask" in body
    assert "Difference changed" in body
    assert "Framework changed: Flask" in body


def test_a_generated_comparison_lists_its_frameworks_changes(client, pair):
    django, _ = pair
    edit(django, tagline="Batteries included")
    body = text(client.get("/compare/django-vs-flask/changes/"))
    assert "Framework changed: Django" in body
    assert "Comparison changed" not in body


def test_a_non_canonical_address_redirects_and_a_bad_one_is_404(client, pair):
    response = client.get("/compare/flask-vs-django/changes/")
    assert response.status_code == 301
    assert response["Location"] == "/compare/django-vs-flask/changes/"
    assert client.get("/compare/django-vs-nope/changes/").status_code == 404
    assert client.get("/compare/django/changes/").status_code == 404


@pytest.mark.parametrize("size", [1, 6])
def test_the_comparison_changes_page_query_count_is_bounded(
    client, pair, size, django_assert_max_num_queries
):
    django, flask = pair
    comparison = ComparisonFactory(frameworks=[django, flask])
    for framework in pair:
        grow(framework, size)
    for i in range(size):
        edit(DifferenceFactory(comparison=comparison), text=f"Difference {i}")
    # frameworks, curated set, count, keys, rows + previous rows of each kind
    # on the page (at most 5 here), names: a bound that does not grow.
    with django_assert_max_num_queries(17):
        assert client.get("/compare/django-vs-flask/changes/").status_code == 200


def test_word_diff_marks_removed_and_added_words():
    from core.history import word_diff

    assert word_diff("Fast and small", "Fast and tiny!") == [
        ("same", "Fast and "),
        ("del", "small"),
        ("ins", "tiny!"),
    ]
    assert word_diff("", "New") == [("ins", "New")]

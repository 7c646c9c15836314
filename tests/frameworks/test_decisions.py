"""Members' decisions: posting, safe Markdown, where they appear, view counts."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from frameworks.models import Decision
from tests.factories import DecisionFactory, FrameworkFactory, UserFactory, decision_form_data

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("frameworks:decision_create")

UNSAFE_BODY = "\n\n".join(
    [
        "We chose **bold** moves.",
        "<script>alert(1)</script>",
        "[click me](javascript:alert(1))",
        '<img src="x" onerror="alert(2)">',
        "[docs](https://docs.example.com/)",
    ]
)


def assert_rendered_safely(html):
    """Nothing unsafe anywhere on the page; the Markdown of the body rendered."""
    assert "<script>alert(1)</script>" not in html
    # Raw HTML is shown as text: no tag anywhere carries an event handler.
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", html, re.IGNORECASE)
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", html, re.IGNORECASE)
    body = re.search(r'<div class="decision__body[^"]*">(.*?)</div>', html, re.DOTALL)
    assert body, "the decision body is on the page"
    body = body.group(1)
    assert "<script" not in body
    assert "<img" not in body
    assert "<strong>bold</strong>" in body
    assert "click me" in body  # the text of the dropped link stays
    link = re.search(r'<a href="https://docs\.example\.com/"[^>]*>', body)
    assert link, "the safe link is kept"
    rel = re.search(r'rel="([^"]*)"', link.group(0))
    assert rel and "nofollow" in rel.group(1).split()


@pytest.fixture
def member(db):
    """An established member, whose posts publish at once (a brand-new
    account's wait for review: see test_decision_moderation.py)."""
    return UserFactory(username="member", date_joined=timezone.now() - timedelta(days=30))


@pytest.fixture
def frameworks():
    return [
        FrameworkFactory(slug=slug, name=slug.title())
        for slug in ("django", "flask", "rails", "laravel", "phoenix")
    ]


def post_decision(client, frameworks, body="Which one for a small CRM?", kind="needs_advice"):
    return client.post(CREATE_URL, decision_form_data(frameworks, kind=kind, body=body))


# --- Posting --------------------------------------------------------------------


def test_form_is_prefilled_with_the_framework_from_the_query(member_client, frameworks):
    response = member_client.get(CREATE_URL, {"framework": "flask"})

    assert response.status_code == 200
    assert response.context["form"].initial == {"framework_1": "Flask"}
    assert 'name="framework_1" value="Flask"' in response.content.decode()


def test_member_posts_a_decision(member_client, member, frameworks):
    response = post_decision(member_client, frameworks[:2], kind="decided")

    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == decision.get_absolute_url()
    assert decision.author == member
    assert decision.kind == Decision.Kind.DECIDED
    assert set(decision.frameworks.all()) == set(frameworks[:2])
    assert decision.views_count == 0


@pytest.mark.parametrize("count", [1, 4])
def test_one_to_four_frameworks_are_accepted(member_client, frameworks, count):
    response = post_decision(member_client, frameworks[:count])

    assert response.status_code == 302
    assert Decision.objects.get().frameworks.count() == count


def test_no_framework_is_refused(member_client, frameworks):
    response = post_decision(member_client, [])

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Name a framework."]
    assert not Decision.objects.exists()


def test_the_form_has_four_framework_boxes_and_no_list_of_frameworks(member_client, frameworks):
    html = member_client.get(CREATE_URL).content.decode()

    assert html.count('list="framework-names"') == 4
    assert "<select" not in html  # no list of every framework, no "---------"
    assert "---------" not in html
    assert 'type="checkbox" name="frameworks"' not in html
    assert html.count('type="radio" name="kind"') == 2


def test_a_fifth_framework_has_no_box(member_client, frameworks):
    response = member_client.post(
        CREATE_URL, decision_form_data(frameworks[:4], framework_5=frameworks[4].name)
    )

    assert response.status_code == 302
    assert set(Decision.objects.get().frameworks.all()) == set(frameworks[:4])


def test_an_unknown_name_is_a_form_error_with_close_matches(member_client, frameworks):
    response = member_client.post(
        CREATE_URL, decision_form_data([], framework_1="Djang", framework_2="Flask")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["framework_1"] == [
        "We have no framework called “Djang”. Did you mean Django?"
    ]
    assert 'value="Djang"' in response.content.decode()
    assert not Decision.objects.exists()


def test_the_same_framework_twice_is_a_form_error(member_client, frameworks):
    response = member_client.post(
        CREATE_URL, decision_form_data([], framework_1="django", framework_2="Django")
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Name each framework only once."]


@pytest.mark.parametrize("title", ["", "   ", "\u200b", "x" * 121])
def test_a_title_is_required(member_client, frameworks, title):
    response = member_client.post(CREATE_URL, decision_form_data(frameworks[:1], title=title))

    assert response.status_code == 400
    assert response.context["form"].errors["title"]
    assert not Decision.objects.exists()


def test_the_title_is_the_pages_title_and_heading(member_client, frameworks):
    member_client.post(
        CREATE_URL, decision_form_data(frameworks[:2], title="Django or Flask for a CRM?")
    )
    decision = Decision.objects.get()
    html = Client().get(decision.get_absolute_url()).content.decode()

    assert decision.title == "Django or Flask for a CRM?"
    assert "<title>Django or Flask for a CRM? · StackCompare</title>" in html
    assert re.search(r"<h1>\s*Django or Flask for a CRM\?\s*</h1>", html)
    # Cards elsewhere carry it as their heading, linked to the post.
    card = f'<a href="{decision.get_absolute_url()}">Django or Flask for a CRM?</a>'
    assert card in Client().get(frameworks[0].get_absolute_url()).content.decode()


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_empty_or_too_long_body_is_refused(member_client, frameworks, body):
    response = post_decision(member_client, frameworks[:1], body=body)

    assert response.status_code == 400
    assert response.context["form"].errors["body"]
    assert not Decision.objects.exists()


def test_unknown_kind_is_refused(member_client, frameworks):
    response = post_decision(member_client, frameworks[:1], kind="rant")

    assert response.status_code == 400
    assert not Decision.objects.exists()


# --- Markdown, rendered safely ----------------------------------------------------


def test_decision_page_renders_markdown_safely(member_client, frameworks):
    post_decision(member_client, frameworks[:2], body=UNSAFE_BODY)
    decision = Decision.objects.get()

    response = Client().get(decision.get_absolute_url())

    assert response.status_code == 200
    assert_rendered_safely(response.content.decode())


def test_framework_page_renders_decisions_safely(frameworks):
    DecisionFactory(body=UNSAFE_BODY, frameworks=[frameworks[0]])

    response = Client().get(frameworks[0].get_absolute_url())

    assert response.status_code == 200
    assert_rendered_safely(response.content.decode())


# --- Where decisions appear ---------------------------------------------------------


def test_decision_appears_on_each_framework_page_and_on_their_comparison(member_client, frameworks):
    django, flask, rails = frameworks[:3]
    post_decision(member_client, [django, flask, rails])
    permalink = f'href="{Decision.objects.get().get_absolute_url()}"'
    visitor = Client()

    for framework in (django, flask, rails):
        assert permalink in visitor.get(framework.get_absolute_url()).content.decode()
    assert permalink not in visitor.get(frameworks[3].get_absolute_url()).content.decode()

    for pair in ((django, flask), (flask, rails), (django, rails)):
        slugs = "-vs-".join(sorted(f.slug for f in pair))
        response = visitor.get(reverse("comparison:detail", args=[slugs]))
        assert response.status_code == 200
        assert permalink in response.content.decode()

    # A comparison with a framework it does not name leaves it out.
    other = visitor.get(reverse("comparison:detail", args=["django-vs-laravel"]))
    assert other.status_code == 200
    assert permalink not in other.content.decode()


# --- Views ------------------------------------------------------------------------------


def views_of(decision):
    # Views are counted in the cache and written in batches: write them now.
    call_command("flush_decision_views", verbosity=0)
    decision.refresh_from_db()
    return decision.views_count


def test_views_count_once_per_visitor(frameworks):
    """Counted by the page's beacon image (test_decision_views.py)."""
    decision = DecisionFactory(frameworks=frameworks[:2])
    url = reverse("frameworks:decision_seen", args=[decision.pk])
    reader = Client()

    assert reader.get(url).status_code == 200
    assert views_of(decision) == 1

    assert reader.get(url).status_code == 200
    assert views_of(decision) == 1

    # Another visitor (from another address: a client showing no cookie of
    # ours counts once per address, see test_decision_views.py).
    assert Client(REMOTE_ADDR="192.0.2.2").get(url).status_code == 200
    assert views_of(decision) == 2


def test_a_visitor_is_counted_once_on_each_decision(frameworks):
    first, second = DecisionFactory.create_batch(2, frameworks=frameworks[:1])
    reader = Client()

    for _ in range(2):
        reader.get(reverse("frameworks:decision_seen", args=[first.pk]))
        reader.get(reverse("frameworks:decision_seen", args=[second.pk]))

    assert views_of(first) == views_of(second) == 1


def test_a_forged_seen_cookie_is_ignored(frameworks):
    decision = DecisionFactory(frameworks=frameworks[:1])
    reader = Client()
    reader.cookies["seen_decisions"] = str(decision.pk)  # unsigned

    reader.get(reverse("frameworks:decision_seen", args=[decision.pk]))

    assert views_of(decision) == 1


def test_unknown_decision_is_404(client):
    decision = DecisionFactory()

    response = client.get(reverse("frameworks:decision", args=[decision.pk + 1]))

    assert response.status_code == 404


def test_decision_page_queries_do_not_grow_with_its_frameworks(frameworks):
    author = UserFactory()
    small = DecisionFactory(author=author, frameworks=frameworks[:1])
    large = DecisionFactory(author=author, frameworks=frameworks[:4])
    Client().get(small.get_absolute_url())  # warm up

    counts = []
    for decision in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(decision.get_absolute_url()).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("count", [1, 2, 4, 5])
def test_decision_page_links_its_frameworks_compare_page_only_for_2_to_4(client, count):
    frameworks = [FrameworkFactory(slug=f"fw-{letter}") for letter in "edcba"[:count]]
    decision = DecisionFactory(frameworks=frameworks)
    html = client.get(decision.get_absolute_url()).content.decode()
    expected = "/compare/" + "-vs-".join(sorted(f.slug for f in frameworks)) + "/"
    assert (f'href="{expected}"' in html) is (2 <= count <= 4)
    assert ('class="next-step"' in html) is (2 <= count <= 4)


def test_decision_form_ignores_malformed_framework_values(member_client, demo):
    # (A NUL in the address is refused before the form sees it: the text policy.)
    response = member_client.get("/decisions/new/", {"framework": ["\x7f", "django", "x" * 500]})
    assert response.status_code == 200
    assert response.context["form"].initial == {"framework_1": "Django"}

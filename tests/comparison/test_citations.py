"""Decisions cite criteria: posting with criteria, the counts and links in
the comparison table's criterion rows, and the cache tags they touch."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comparison.models import Criterion
from frameworks.models import Decision, Framework
from tests.factories import DecisionFactory, UserFactory, decision_form_data

pytestmark = pytest.mark.django_db

URL = "/compare/django-vs-flask/"


def row_header(html, slug):
    match = re.search(
        rf'<tr id="criterion-{slug}"[^>]*>\s*<th scope="row"[^>]*>(.*?)</th>', html, re.S
    )
    assert match, slug
    return re.sub(r"\s+", " ", match.group(1))


def cite(decision, *slugs):
    decision.criteria.set(Criterion.objects.filter(slug__in=slugs))


@pytest.fixture
def established(db):
    return UserFactory(username="veteran", date_joined=timezone.now() - timedelta(days=60))


def test_a_member_ticks_the_criteria_a_decision_is_about(client, demo, established):
    client.force_login(established)
    form = client.get("/decisions/new/?framework=django&framework=flask").content.decode()
    orm = Criterion.objects.get(slug="orm-databases")
    assert f'name="criteria" value="{orm.pk}"' in form
    assert "Criteria it is about" in form

    response = client.post(
        "/decisions/new/",
        decision_form_data(
            Framework.objects.filter(slug__in=["django", "flask"]),
            kind="decided",
            criteria=[orm.pk],
            body="The ORM decided it.",
        ),
    )

    assert response.status_code == 302
    decision = Decision.objects.get(body="The ORM decided it.")
    assert list(decision.criteria.all()) == [orm]


def test_criteria_are_optional_and_unknown_ones_are_a_form_error(client, demo, established):
    client.force_login(established)
    django = Framework.objects.get(slug="django")
    data = decision_form_data([django], kind="decided", body="No criteria.")
    assert client.post("/decisions/new/", data).status_code == 302

    response = client.post("/decisions/new/", {**data, "criteria": ["999999", "x"]})
    assert response.status_code == 400
    assert response.context["form"].errors["criteria"]


def test_criterion_rows_count_and_link_the_decisions_citing_them(client, demo):
    django, flask = Framework.objects.filter(slug__in=["django", "flask"]).order_by("slug")
    shown = DecisionFactory(
        author=UserFactory(username="ana"), frameworks=[django, flask], body="Routing won."
    )
    cite(shown, "url-routing", "orm-databases")
    second = DecisionFactory(author=UserFactory(username="bo"), frameworks=[django, flask])
    cite(second, "url-routing")
    # Not counted: about Django alone, held for review, or citing nothing.
    cite(DecisionFactory(frameworks=[django]), "url-routing")
    held = DecisionFactory(frameworks=[django, flask], status=Decision.Status.PENDING)
    cite(held, "url-routing")

    html = client.get(URL).content.decode()

    routing = row_header(html, "url-routing")
    assert "Cited in 2 decisions:" in routing
    assert f'href="#decision-{shown.pk}">ana' in routing
    assert f'href="#decision-{second.pk}">bo' in routing
    assert f'id="decision-{shown.pk}"' in html  # the anchor exists
    assert "Cited in 1 decision:" in row_header(html, "orm-databases")
    assert "Cited in" not in row_header(html, "security")


def test_citations_beyond_the_listed_decisions_link_to_their_own_page(client, demo):
    django, flask = Framework.objects.filter(slug__in=["django", "flask"]).order_by("slug")
    author = UserFactory(username="prolific")
    old = DecisionFactory(
        author=author, frameworks=[django, flask], created=timezone.now() - timedelta(days=999)
    )
    cite(old, "security")
    for _ in range(12):  # newer ones push it off the page's list of ten
        DecisionFactory(author=author, frameworks=[django, flask])

    html = client.get(URL).content.decode()

    assert f'href="/decisions/{old.pk}/">prolific' in row_header(html, "security")


def test_more_than_five_citations_end_with_a_link_to_the_section(client, demo):
    django, flask = Framework.objects.filter(slug__in=["django", "flask"]).order_by("slug")
    for _ in range(7):
        cite(DecisionFactory(frameworks=[django, flask]), "license")

    header = row_header(client.get(URL).content.decode(), "license")

    assert "Cited in 7 decisions:" in header
    assert header.count("href=") == 6 and 'href="#decisions">and 2 more' in header


def test_author_names_in_citations_are_escaped(client, demo):
    django, flask = Framework.objects.filter(slug__in=["django", "flask"]).order_by("slug")
    cite(
        DecisionFactory(author=UserFactory(username="<b>x"), frameworks=[django, flask]),
        "license",
    )
    header = row_header(client.get(URL).content.decode(), "license")
    assert "&lt;b&gt;x" in header and "<b>x" not in header


def test_citing_a_criterion_reaches_the_cached_comparison(demo, page_cache, committed):
    decision = Decision.objects.filter(frameworks__slug="flask").filter(frameworks__slug="django")[
        0
    ]
    reader = Client()
    assert reader.get(URL)["X-Cache"] == "miss"
    assert reader.get(URL)["X-Cache"] == "hit"
    assert reader.get("/compare/laravel-vs-rails/")["X-Cache"] == "miss"

    committed(cite, decision, "security")

    response = reader.get(URL)
    assert response["X-Cache"] == "miss"
    assert "Cited in 1 decision" in row_header(response.content.decode(), "security")
    assert reader.get("/compare/laravel-vs-rails/")["X-Cache"] == "hit"

    # From the criterion's side too (reverse relation).
    security = Criterion.objects.get(slug="security")
    committed(security.decisions.remove, decision)
    assert reader.get(URL)["X-Cache"] == "miss"
    committed(security.decisions.add, decision)
    assert reader.get(URL)["X-Cache"] == "miss"
    committed(security.decisions.clear)
    response = reader.get(URL)
    assert response["X-Cache"] == "miss"
    assert "Cited in" not in row_header(response.content.decode(), "security")


def test_the_decision_page_names_its_criteria_linking_to_the_table_rows(client, demo):
    django, flask = Framework.objects.filter(slug__in=["django", "flask"]).order_by("slug")
    decision = DecisionFactory(frameworks=[django, flask])
    cite(decision, "security", "license")

    html = client.get(decision.get_absolute_url()).content.decode()

    assert "Criteria it is about:" in html
    assert 'href="/compare/django-vs-flask/#criterion-security">Security</a>' in html


def test_the_json_export_lists_the_decisions_citing_each_criterion(client, demo):
    django, flask = Framework.objects.filter(slug__in=["django", "flask"]).order_by("slug")
    decision = DecisionFactory(frameworks=[django, flask])
    cite(decision, "security")

    document = client.get("/compare/django-vs-flask.json").json()

    rows = {row["slug"]: row for row in document["criteria"]}
    assert rows["security"]["cited_by_decisions"] == [decision.pk]
    assert rows["license"]["cited_by_decisions"] == []

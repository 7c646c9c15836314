"""Reader-weighted criteria on comparison pages: the GET form, the scores
it gives on curated and generated comparisons, bad weights, and caching."""

import re

import pytest
from django.test import Client

from comparison.models import Assessment, Criterion
from tests.factories import AssessmentFactory, CriterionFactory, FrameworkFactory

pytestmark = pytest.mark.django_db

CURATED = "/compare/django-vs-flask/"


def weigh_section(response):
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r'id="weigh"(.*?)(?=<section|</main>)', html, re.S)
    assert match, "no #weigh section"
    return re.sub(r"\s+", " ", match.group(1))


def score_of(section, name):
    """The percentage and arithmetic shown for one framework."""
    for item in section.split('class="scores__item"')[1:]:
        if f'scores__name">{name}</span>' in item:
            return item
    raise AssertionError(f"no score for {name}")


def test_the_form_is_a_get_form_with_one_select_per_yes_no_criterion(client, demo):
    section = weigh_section(client.get(CURATED))

    assert 'method="get"' in section and 'action="/compare/django-vs-flask/#weigh"' in section
    questions = Criterion.objects.exclude(question="").values_list("slug", flat=True)
    for slug in questions:
        assert f'name="w-{slug}"' in section
        assert f'<label for="w-{slug}">' in section
    # Summary-only criteria have no verdict to score.
    for slug in Criterion.objects.filter(question="").values_list("slug", flat=True):
        assert f'name="w-{slug}"' not in section
    assert "Scores with equal weights" in section
    assert "Reset to equal weights" not in section


def test_weights_change_the_scores_on_a_curated_comparison(client, demo):
    equal = weigh_section(client.get(CURATED))
    assert "= 6 of 6 possible" in score_of(equal, "Django")
    assert "= 2.5 of 6 possible" in score_of(equal, "Flask")

    weighted = weigh_section(
        client.get(CURATED, {"w-url-routing": "3", "w-orm-databases": "0", "w-license": "2"})
    )
    flask = score_of(weighted, "Flask")
    # routing (no) ×3, template engine (yes), security (partly), flexibility (no), licence (yes) ×2
    assert "3×0 + 1×1 + 1×0.5 + 1×0 + 2×1 = 3.5 of 8 possible" in flask
    assert "44%" in flask
    assert "Scores with your weights" in weighted
    assert 'value="3" selected' in weighted and 'value="0" selected' in weighted
    assert "Reset to equal weights" in weighted


def test_weights_work_on_a_generated_comparison_with_unknown_cells(client, demo):
    url = "/compare/fastapi-vs-flask-vs-pyramid/"
    # Pyramid has no verdict on security: left out, and said so.
    pyramid = Assessment.objects.get(framework__slug="pyramid", criterion__slug="security")
    pyramid.verdict = Assessment.Verdict.UNKNOWN
    pyramid.save()

    section = weigh_section(client.get(url, {"w-security": "3"}))

    assert "Generated" in client.get(url).content.decode()
    text = score_of(section, "Pyramid")
    assert "1 criterion unknown, left out: Security." in text
    assert "3×" not in text  # the unknown cell adds nothing, not even to "possible"
    assert "3×" in score_of(section, "Flask")


def test_bad_weights_redirect_to_the_address_without_them(client, demo):
    """Weights of no criterion here, or that are no weight, would each make
    a page of their own in the cache (issue 28): the page redirects, as it
    does for any parameter it does not read, keeping the good ones."""
    response = client.get(
        CURATED,
        {
            "w-url-routing": "-1",
            "w-security": "1.5",
            "w-license": "999",
            "w-nope": "2",
            "w-<b>x</b>": "1",
            "w-orm-databases": "3",
            "only": "differences",
        },
    )
    assert response.status_code == 301
    assert response["Location"] == CURATED + "?only=differences&w-orm-databases=3"
    assert client.get(response["Location"]).status_code == 200


def test_unknown_weights_fill_no_cache_entry(client, demo, page_cache):
    from django.core.cache import cache

    client.get(CURATED)
    before = len([key for key in cache._cache if ":page:" in key])
    for n in range(50):
        assert client.get(CURATED, {f"w-zz{n}": "1"}).status_code == 301
    assert len([key for key in cache._cache if ":page:" in key]) == before


def test_all_zero_weights_score_nothing(client, demo):
    slugs = Criterion.objects.exclude(question="").values_list("slug", flat=True)
    section = weigh_section(client.get(CURATED, {f"w-{slug}": "0" for slug in slugs}))
    assert "Every criterion weighs 0, so there is nothing to score." in section
    assert " possible</code>" not in section


def test_ties_are_shown_as_ties(client):
    question = CriterionFactory(slug="routing", name="Routing", question="Central routes?")
    alpha = FrameworkFactory(slug="alpha", name="Alpha")
    beta = FrameworkFactory(slug="beta", name="Beta")
    for framework in (alpha, beta):
        AssessmentFactory(framework=framework, criterion=question, verdict="yes")

    section = weigh_section(client.get("/compare/alpha-vs-beta/"))

    assert "Alpha and Beta tie</strong> for first place" in section
    assert section.count("tied #1") == 2


def test_weighted_pages_are_cached_apart_and_invalidated(demo, page_cache, committed):
    anonymous = Client()
    url = CURATED + "?w-url-routing=3"
    assert anonymous.get(url)["X-Cache"] == "miss"
    hit = anonymous.get(url)
    assert hit["X-Cache"] == "hit" and "3×0" in weigh_section(hit)
    assert anonymous.get(CURATED)["X-Cache"] == "miss"  # its own entry

    flask = Assessment.objects.get(framework__slug="flask", criterion__slug="url-routing")
    flask.verdict = Assessment.Verdict.YES
    committed(flask.save)

    fresh = anonymous.get(url)
    assert fresh["X-Cache"] == "miss"
    assert "3×1" in score_of(weigh_section(fresh), "Flask")


def test_other_parameters_still_redirect_and_weights_survive(client, demo):
    response = client.get(CURATED + "?w-license=2&utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == CURATED + "?w-license=2"


def test_weights_cost_no_query(client, demo, django_assert_num_queries):
    client.get(CURATED)  # warm nothing: both renders run the same queries
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as plain:
        client.get(CURATED)
    with django_assert_num_queries(len(plain)):
        client.get(CURATED, {"w-url-routing": "3", "w-orm-databases": "0"})


def test_readers_without_weights_share_the_scores_until_the_data_changes(
    demo, page_cache, committed, member_client, monkeypatch
):
    from comparison import scoring

    real, calls = scoring.score, []
    monkeypatch.setattr(scoring, "score", lambda *args: calls.append(args) or real(*args))

    first = weigh_section(member_client.get(CURATED))  # a member's page: rendered each time
    assert weigh_section(member_client.get(CURATED)) == first
    assert len(calls) == 1
    for _ in range(2):  # a reader's own weights are scored for them
        assert "3×0" in weigh_section(member_client.get(CURATED, {"w-url-routing": "3"}))
    assert len(calls) == 3

    flask = Assessment.objects.get(framework__slug="flask", criterion__slug="url-routing")
    flask.verdict = Assessment.Verdict.YES
    committed(flask.save)
    fresh = weigh_section(member_client.get(CURATED))
    assert len(calls) == 4
    assert fresh != first and "1×1" in score_of(fresh, "Flask")


def test_each_host_gets_addresses_of_its_own(demo, page_cache, member_client):
    """The structured data and the embed snippets are kept per host: a
    reader on one name never copies a snippet pointing at another."""
    for _ in range(2):
        for host in ("localhost", "127.0.0.1"):
            html = member_client.get(CURATED, HTTP_HOST=host).content.decode()
            data = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
            assert f'"url": "http://{host}/compare/django-vs-flask/"' in data.group(1)
            snippets = re.search(r'id="embed-snippets"(.*?)</section>', html, re.S).group(1)
            assert f"http://{host}/compare/django-vs-flask/embed/" in snippets
            other = "127.0.0.1" if host == "localhost" else "localhost"
            assert f"http://{other}/" not in data.group(1) + snippets

"""Comparisons pinned to release series (issue 31, item 4): assessments
scoped to a version range, /compare/django-4.2-vs-flask/ with its version
picker, and the exports, the API, the importer and the MCP tool carrying
the versions."""

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comparison import catalogue_io, suggestions
from comparison.models import Assessment, EditSuggestion, range_error, version_key
from frameworks.models import Framework
from tests.admin_helpers import add_rows, admin_url, content, form_data
from tests.assistants.test_endpoint import answer, call
from tests.factories import (
    AssessmentFactory,
    CriterionFactory,
    FrameworkFactory,
    ReleaseSeriesFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FAR = date.today() + timedelta(days=3650)
PAST = date(2020, 1, 1)


@pytest.fixture
def pair():
    """Two frameworks: "alpha" with series 1.0 (ended), 2.0 and 3.0 (both
    supported), "beta" with none; one yes/no criterion on which alpha was
    "no" until 1.9 and is "yes" since 2.0, and one assessed only since 3.0."""
    alpha = FrameworkFactory(name="Alpha", slug="alpha")
    beta = FrameworkFactory(name="Beta", slug="beta")
    for name, released, ends in (("1.0", 2019, PAST), ("2.0", 2021, FAR), ("3.0", 2023, FAR)):
        ReleaseSeriesFactory(
            framework=alpha, name=name, released=date(released, 1, 1), security_ends=ends
        )
    routing = CriterionFactory(name="Routing", slug="routing", question="Routes?")
    AssessmentFactory(framework=alpha, criterion=routing, until="1.9", verdict="no", summary="Old.")
    AssessmentFactory(
        framework=alpha, criterion=routing, since="2.0", verdict="yes", summary="New."
    )
    AssessmentFactory(framework=beta, criterion=routing, verdict="yes", summary="Beta routes.")
    later = CriterionFactory(name="Later", slug="later", question="Later?")
    AssessmentFactory(framework=alpha, criterion=later, since="3.0", verdict="yes", summary="3+.")
    return alpha, beta


# -- the model ---------------------------------------------------------------


def test_version_keys_order_series_as_numbers():
    assert version_key("5.10") > version_key("5.9") > version_key("5") > version_key("")


@pytest.mark.parametrize(
    ("since", "until", "scope", "covered", "not_covered"),
    [
        ("", "", "", ["0.1", "9.9"], []),
        ("4.1", "", "since 4.1", ["4.1", "5.0"], ["4.0"]),
        ("", "3.0", "until 3.0", ["2.9", "3.0"], ["3.1"]),
        ("4.1", "4.2", "4.1 to 4.2", ["4.1", "4.2"], ["4.0", "5.0"]),
    ],
)
def test_an_assessment_covers_its_range(since, until, scope, covered, not_covered):
    assessment = Assessment(since=since, until=until)
    assert assessment.scope == scope
    assert all(assessment.covers(v) for v in covered)
    assert not any(assessment.covers(v) for v in not_covered)


def test_without_a_series_only_the_current_assessment_holds():
    assert Assessment(since="4.1").covers(None)
    assert not Assessment(until="3.0").covers(None)


def test_a_range_must_run_forwards_and_name_versions():
    backwards = AssessmentFactory.build(criterion=CriterionFactory(name="Async"), since="4.2")
    backwards.until = "4.1"
    assert range_error([backwards]) == (
        "The assessment of Async for 4.2 to 4.1 ends before it starts: "
        "the last version cannot come before the first."
    )
    assessment = AssessmentFactory(since="")
    assessment.since = "<b>4</b>"
    with pytest.raises(ValidationError, match="such as"):
        assessment.full_clean()


def test_overlapping_ranges_are_named():
    framework, criterion = FrameworkFactory(), CriterionFactory(name="Async")

    def a(since="", until=""):
        return Assessment(framework=framework, criterion=criterion, since=since, until=until)

    assert range_error([a(until="3.0"), a(since="3.1")]) is None
    assert range_error([a(until="3.0"), a(since="4.0", until="4.1"), a(since="5.0")]) is None
    error = range_error([a(until="3.0"), a(since="3.0")])
    assert error == (
        "Two assessments of Async hold for the same versions (until 3.0 and since 3.0): "
        "give each version one answer."
    )
    assert range_error([a(), a(until="2.0")]) is not None  # "every version" holds for 2.0 too


# -- the admin ---------------------------------------------------------------


def test_the_admin_refuses_overlapping_versions_and_saves_nothing(admin_client, pair):
    alpha, _ = pair
    url = admin_url(Framework, "change", alpha.pk)
    routing = Assessment.objects.filter(criterion__slug="routing").first().criterion
    data = form_data(admin_client.get(url))
    add_rows(data, "assessments", [{"criterion": routing.pk, "since": "1.5", "until": "2.5",
                                    "summary": "Overlaps both."}])  # fmt: skip

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "hold for the same versions" in content(response)
    assert alpha.assessments.count() == 3


def test_the_admin_adds_an_earlier_versions_answer(admin_client):
    current = AssessmentFactory(since="3.1", summary="Async views.")
    url = admin_url(Framework, "change", current.framework.pk)
    data = form_data(admin_client.get(url))
    add_rows(data, "assessments", [{"criterion": current.criterion.pk, "until": "3.0",
                                    "verdict": "no", "summary": "Sync only."}])  # fmt: skip

    response = admin_client.post(url, data)

    assert response.status_code == 302, content(response)
    scopes = sorted(a.scope for a in current.framework.assessments.all())
    assert scopes == ["since 3.1", "until 3.0"]


def test_an_assessments_own_admin_page_checks_its_siblings(admin_client, pair):
    alpha, _ = pair
    old = Assessment.objects.get(framework=alpha, criterion__slug="routing", until="1.9")
    url = admin_url(Assessment, "change", old.pk)
    data = form_data(admin_client.get(url))
    data["until"] = "2.1"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "hold for the same versions" in content(response)
    old.refresh_from_db()
    assert old.until == "1.9"


def _suggested_cell(framework, criterion):
    return EditSuggestion.objects.create(
        framework=framework,
        criterion=criterion,
        target=EditSuggestion.Target.ASSESSMENT,
        verdict="yes",
        summary="Now it does.",
        reason="Read the release notes.",
        evidence_url="https://example.org/notes",
        snapshot={},
        author=UserFactory(),
    )


def test_an_approved_first_current_assessment_starts_after_the_earlier_ones(pair):
    alpha = Framework.objects.get(slug="alpha")
    cell = CriterionFactory(name="Sessions", slug="sessions")
    AssessmentFactory(framework=alpha, criterion=cell, until="1.0", verdict="no")

    suggestions.approve(_suggested_cell(alpha, cell).pk, UserFactory(is_staff=True))

    added = Assessment.objects.current().get(framework=alpha, criterion=cell)
    assert (added.since, added.verdict) == ("2.0", "yes")
    assert range_error(Assessment.objects.filter(criterion=cell)) is None


def test_with_no_later_series_known_the_curator_adds_it_by_hand(pair, admin_client):
    alpha = Framework.objects.get(slug="alpha")
    cell = CriterionFactory(name="Sessions", slug="sessions")
    AssessmentFactory(framework=alpha, criterion=cell, until="3.0", verdict="no")
    suggestion = _suggested_cell(alpha, cell)

    with pytest.raises(ValueError, match=r"until 3\.0, and no later series is known"):
        suggestions.approve(suggestion.pk, UserFactory(is_staff=True))

    assert Assessment.objects.filter(criterion=cell).count() == 1
    suggestion.refresh_from_db()
    assert suggestion.status == EditSuggestion.Status.PENDING

    # The admin's bulk action says so too.
    response = admin_client.post(
        admin_url(EditSuggestion, "changelist"),
        {"action": "approve_selected", "_selected_action": [suggestion.pk]},
        follow=True,
    )
    assert "no later series is known" in content(response)
    suggestion.refresh_from_db()
    assert suggestion.status == EditSuggestion.Status.PENDING


# -- the pinned page ---------------------------------------------------------


def cells(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, response.context["page"]


def texts(page, slug):
    row = next(r for r in page.criterion_rows if r.criterion.slug == slug)
    return [(cell.summary if cell else None, gaps) for _, cell, gaps in row.columns]


def test_the_unpinned_page_shows_the_latest_supported_series(client, pair):
    response, page = cells(client, "/compare/alpha-vs-beta/")
    alpha, beta = pair
    assert page.versions[alpha.pk].name == "3.0" and page.versions[beta.pk] is None
    assert texts(page, "routing") == [("New.", None), ("Beta routes.", None)]
    assert texts(page, "later") == [("3+.", None), (None, None)]
    html = response.content.decode()
    series = html[html.index('<tr role="row" id="series">') :]
    unknown = '<td role="cell"><span class="muted">unknown'
    assert re.search(rf'<td role="cell">3\.0\s*</td>\s*{unknown}', series)
    assert '<span class="scope">since 2.0</span>' in html


def test_a_pinned_page_shows_the_cells_of_its_series(client, pair):
    response, page = cells(client, "/compare/alpha-1.0-vs-beta/")
    assert page.title == "Alpha vs Beta (Alpha 1.0)"
    assert page.canonical_url == "/compare/alpha-1.0-vs-beta/"
    assert texts(page, "routing") == [("Old.", None), ("Beta routes.", None)]
    # Nothing holds for 1.0 on "later": said so, with what there is.
    assert texts(page, "later") == [(None, ["since 3.0"]), (None, None)]
    html = response.content.decode()
    assert 'Not assessed for 1.0</span> <span class="muted">(only since 3.0)</span>' in html
    assert "End of support" in html  # 1.0 ended
    assert 'href="/compare/alpha-vs-beta/changes/"' in html  # one history for every version


def test_pinned_addresses_redirect_to_their_canonical_order(client, pair):
    for url in ("/compare/beta-vs-alpha-2.0/", "/compare/Alpha-2.0-vs-beta/"):
        response = client.get(url)
        assert response.status_code == 301, url
        assert response["Location"] == "/compare/alpha-2.0-vs-beta/"


def test_an_unknown_series_is_a_404_that_names_the_known_ones(client, pair):
    response = client.get("/compare/alpha-9.9-vs-beta/")
    assert response.status_code == 404
    html = content(response)
    assert "Alpha has no release series 9.9 that we know of; we know 3.0, 2.0, 1.0." in (html)
    assert 'href="/compare/alpha-vs-beta/"' in html  # the comparison without it
    response = client.get("/compare/alpha-vs-beta-1.0/")
    assert response.status_code == 404
    assert "Beta has no release series" in content(response)


@pytest.mark.parametrize(
    "address", ["alpha-1.0-vs-alpha-2.0", "alpha-vs-beta-1..0", "alpha-1.0.-vs-beta"]
)
def test_malformed_pinned_addresses_are_404_pages(client, pair, address):
    assert client.get(f"/compare/{address}/").status_code == 404


def test_a_slug_ending_in_digits_is_a_slug_first(client, pair):
    three = FrameworkFactory(name="Gamma 3", slug="gamma-3")
    ReleaseSeriesFactory(framework=three, name="3.4")
    assert client.get("/compare/alpha-vs-gamma-3/").status_code == 200
    _, page = cells(client, "/compare/alpha-vs-gamma-3-3.4/")
    assert page.versions[three.pk].name == "3.4" and three.pk in page.pins


def test_the_version_picker_goes_to_the_pinned_address(client, pair):
    response = client.get("/compare/?a=beta&b=alpha&av=&bv=1.0")
    assert response.status_code == 302
    assert response["Location"] == "/compare/alpha-1.0-vs-beta/"
    response = client.get("/compare/?a=alpha&b=beta&av=7.0")
    assert response.status_code == 400
    assert "Alpha has no release series 7.0 that we know of." in content(response)


def test_the_picker_on_the_page_lists_each_frameworks_series(client, pair):
    response, _ = cells(client, "/compare/alpha-2.0-vs-beta/")
    html = response.content.decode()
    picker = html[html.index('<form class="version-picker"') :]
    picker = picker[: picker.index("</form>")]
    assert '<option value="2.0" selected>2.0</option>' in picker
    assert '<option value="1.0">1.0 (ended)</option>' in picker
    assert '<select name="bv" disabled>' in picker  # Beta has no series
    assert 'href="/compare/alpha-vs-beta/">Latest versions</a>' in picker


def test_a_pinned_page_reads_no_more_than_the_unpinned(client, pair):
    read = []
    for path in ("/compare/alpha-vs-beta/", "/compare/alpha-1.0-vs-beta/"):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        read.append(len(queries))

    assert read[1] <= read[0]


def test_the_changes_and_feed_of_a_pinned_address_are_the_comparisons(client, pair):
    for tail in ("changes/", "feed/"):
        response = client.get(f"/compare/alpha-1.0-vs-beta/{tail}")
        assert response.status_code == 301
        assert response["Location"] == f"/compare/alpha-vs-beta/{tail}"


# -- exports, API, MCP, import -----------------------------------------------


def test_the_exports_carry_the_versions(client, pair):
    document = client.get("/compare/alpha-1.0-vs-beta.json").json()
    assert [f["version"] for f in document["frameworks"]] == [
        {"series": "1.0", "pinned": True},
        {"series": None, "pinned": False},
    ]
    routing = next(c for c in document["criteria"] if c["slug"] == "routing")
    assert (
        routing["cells"]["alpha"]["until"] == "1.9" and routing["cells"]["alpha"]["since"] is None
    )
    later = next(c for c in document["criteria"] if c["slug"] == "later")
    assert later["cells"]["alpha"] is None
    assert later["other_versions"] == {"alpha": ["since 3.0"]}

    text = client.get("/compare/alpha-1.0-vs-beta.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "versions" and {len(r) for r in rows} == {8}
    assert ["framework", "Series shown", "Alpha", "", "pinned", "", "", "1.0"] in rows
    assert any(
        r[:4] == ["criterion", "Routing", "Alpha", "No"] and r[7] == "until 1.9" for r in rows
    )
    assert ["criterion", "Later", "Alpha", "", "Not assessed for 1.0", "", "", "since 3.0"] in rows


def test_the_api_gives_each_assessments_versions(client, pair):
    data = client.get("/api/v1/frameworks/alpha/").json()
    routing = [a for a in data["assessments"] if a["criterion"] == "routing"]
    assert [(a["since"], a["until"]) for a in routing] == [("2.0", None), (None, "1.9")]


def test_the_mcp_compare_tool_pins_versions(client, pair):
    result = answer(client, "compare", slugs=["beta", "alpha"], versions={"alpha": "1.0"})
    assert result["url"].endswith("/compare/alpha-1.0-vs-beta/")
    assert result["frameworks"][0]["version"] == {"series": "1.0", "pinned": True}
    assert result["changes_url"].endswith("/compare/alpha-vs-beta/changes/")
    refused = call(client, "compare", slugs=["alpha", "beta"], versions={"gamma": "1.0"})
    assert refused["error"]["message"].startswith("Invalid versions: gamma")


def test_the_catalogue_keeps_version_ranges_and_refuses_overlaps(pair, tmp_path):
    document = catalogue_io.export_catalogue()
    alpha = next(f for f in document["frameworks"] if f["slug"] == "alpha")
    routing = [a for a in alpha["assessments"] if a["criterion"] == "routing"]
    assert [(a.get("since"), a.get("until")) for a in routing] == [("2.0", None), (None, "1.9")]
    beta = next(f for f in document["frameworks"] if f["slug"] == "beta")
    assert "since" not in beta["assessments"][0]  # no range: the file reads as before

    Assessment.objects.all().delete()
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document))
    call_command("import_catalogue", str(path), verbosity=0)
    assert catalogue_io.export_catalogue()["frameworks"] == document["frameworks"]

    routing[1]["until"] = "2.0"  # now both hold for 2.0
    path.write_text(json.dumps(document))
    with pytest.raises(Exception, match="hold for the same versions"):
        call_command("import_catalogue", str(path), verbosity=0)


def test_the_framework_page_lists_each_scope_with_the_current_first(client, pair):
    html = client.get("/frameworks/alpha/").content.decode()
    current = html.index('id="assessment-routing"')
    earlier = html.index('id="assessment-routing-until-1.9"')
    assert current < earlier
    assert '<span class="scope">since 2.0</span>' in html[current:earlier]
    assert '<span class="scope">until 1.9</span>' in html[earlier:]
    # Suggested edits change the current assessment only.
    assert html.count("/frameworks/alpha/criteria/routing/suggest/") == 1


def test_assessments_keep_the_importers_fast_path():
    # A model clean() would send the catalogue's 440,000 assessments (at
    # 20,000 frameworks) through Model.__init__ and full_clean() one by one:
    # their range rules live in range_error(), which the importer applies.
    importer = catalogue_io._Importer({"frameworks": []})
    assert catalogue_io._Rows(importer, Assessment, [], key=lambda a: a.pk).plain

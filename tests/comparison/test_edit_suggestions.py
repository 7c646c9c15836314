"""Suggested edits of assessment cells and statistics: the member's form,
the curator's review (side by side, approve, reject, conflicts) and the
pages it changes."""

import re

import pytest
from django.db.models.signals import pre_save
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from comparison import suggestions
from comparison.models import Assessment, EditSuggestion
from frameworks.models import Framework
from tests.admin_helpers import admin_url
from tests.factories import AssessmentFactory, CriterionFactory, FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db

EVIDENCE = "https://example.com/docs/routing"


@pytest.fixture
def cell():
    criterion = CriterionFactory(slug="orm", name="ORM", question="Ships its own ORM?")
    framework = FrameworkFactory(slug="flask", name="Flask", stacks=100)
    return AssessmentFactory(
        framework=framework,
        criterion=criterion,
        verdict="no",
        summary="Bring your own.",
        source_url="https://example.com/old",
    )


def cell_url(cell):
    return f"/frameworks/{cell.framework.slug}/criteria/{cell.criterion.slug}/suggest/"


def proposal(**changes):
    data = {
        "verdict": "partial",
        "summary": "SQLAlchemy through an extension.",
        "source_url": "https://example.com/new",
        "reason": "The extension is the documented way.",
        "evidence_url": EVIDENCE,
    }
    data.update(changes)
    return data


def suggest(client, cell, **changes):
    return client.post(cell_url(cell), proposal(**changes))


# --- The member's form ------------------------------------------------------


def test_a_member_suggests_an_edit_of_a_cell(member_client, member, cell):
    form = member_client.get(cell_url(cell))
    assert form.status_code == 200
    assert "Bring your own." in form.content.decode()  # starts from the cell's text

    response = suggest(member_client, cell)
    suggestion = EditSuggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/suggestions/mine/#suggestion-{suggestion.pk}"
    assert suggestion.author == member
    assert suggestion.status == EditSuggestion.Status.PENDING
    assert suggestion.snapshot == {
        "verdict": "no",
        "summary": "Bring your own.",
        "source_url": "https://example.com/old",
    }
    cell.refresh_from_db()
    assert cell.summary == "Bring your own."  # nothing changes before review


def test_a_cell_not_assessed_yet_can_be_suggested(member_client):
    framework, criterion = FrameworkFactory(), CriterionFactory()
    response = member_client.post(
        f"/frameworks/{framework.slug}/criteria/{criterion.slug}/suggest/",
        proposal(verdict=""),
    )
    assert response.status_code == 302
    suggestion = EditSuggestion.objects.get()
    assert suggestion.snapshot == {}
    suggestions.approve(suggestion.pk, UserFactory(is_staff=True))
    assert Assessment.objects.get(framework=framework, criterion=criterion).summary == (
        "SQLAlchemy through an extension."
    )


def test_a_member_suggests_a_statistic(member_client, cell):
    url = f"/frameworks/{cell.framework.slug}/statistics/stacks/suggest/"
    assert member_client.get(url).status_code == 200
    response = member_client.post(
        url, {"value": "130", "reason": "Recount.", "evidence_url": EVIDENCE}
    )
    assert response.status_code == 302
    assert EditSuggestion.objects.get().snapshot == {"value": 100}


def test_anonymous_readers_are_sent_to_log_in(client, cell):
    response = client.get(cell_url(cell))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert client.post(cell_url(cell), proposal()).status_code == 302
    assert not EditSuggestion.objects.exists()


def test_an_unpublished_framework_is_a_404(member_client, cell):
    Framework.objects.filter(pk=cell.framework.pk).update(is_published=False)
    assert member_client.get(cell_url(cell)).status_code == 404
    assert suggest(member_client, cell).status_code == 404
    stats = f"/frameworks/{cell.framework.slug}/statistics/stacks/suggest/"
    assert member_client.post(stats, {"value": "1"}).status_code == 404
    assert not EditSuggestion.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/frameworks/flask/criteria/no-such-criterion/suggest/",
        "/frameworks/flask/statistics/votes/suggest/",
        "/frameworks/flask/statistics/description/suggest/",
        "/frameworks/nobody/statistics/stacks/suggest/",
    ],
)
def test_unknown_targets_are_a_404(member_client, cell, url):
    assert member_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"evidence_url": ""}, "evidence_url"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"evidence_url": "ftp://example.com/file"}, "evidence_url"),
        ({"evidence_url": "not a url"}, "evidence_url"),
        ({"evidence_url": "https://example.com/" + "a" * 500}, "evidence_url"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"summary": "x" * 601}, "summary"),
        ({"summary": "\u200b "}, "summary"),
        ({"reason": ""}, "reason"),
        ({"reason": "r" * 1001}, "reason"),
        ({"verdict": "maybe"}, "verdict"),
    ],
)
def test_bad_input_is_a_form_error(member_client, cell, changes, field):
    response = suggest(member_client, cell, **changes)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not EditSuggestion.objects.exists()


def test_a_suggestion_must_change_something(member_client, cell):
    response = suggest(
        member_client,
        cell,
        verdict="no",
        summary="Bring your own.",
        source_url="https://example.com/old",
    )
    assert response.status_code == 400
    assert "change something" in response.content.decode()


@pytest.mark.parametrize("value", ["-1", "2147483648", "many"])
def test_bad_statistic_values_are_form_errors(member_client, cell, value):
    url = f"/frameworks/{cell.framework.slug}/statistics/stacks/suggest/"
    response = member_client.post(url, {"value": value, "reason": "r", "evidence_url": EVIDENCE})
    assert response.status_code == 400
    assert "value" in response.context["form"].errors


def test_suggestions_are_rate_limited(member_client, cell, settings, frozen_ratelimit_clock):
    settings.EDIT_SUGGESTION_RATE = "2/h"
    assert suggest(member_client, cell).status_code == 302
    assert suggest(member_client, cell, summary="Another text.").status_code == 302
    third = suggest(member_client, cell, summary="A third text.")
    assert third.status_code == 429
    assert EditSuggestion.objects.count() == 2
    # A form error costs nothing.
    assert suggest(member_client, cell, evidence_url="nope").status_code == 400


# --- Review -------------------------------------------------------------------


@pytest.fixture
def curator():
    return UserFactory(username="curator", is_staff=True, is_superuser=True)


@pytest.fixture
def pending(member_client, cell):
    suggest(member_client, cell)
    return EditSuggestion.objects.get()


def test_approving_applies_the_change_and_credits_the_member(pending, curator, cell):
    seen = {}

    def remember(sender, instance, **kwargs):
        seen["user"] = getattr(instance, "_history_user", None)
        seen["reason"] = getattr(instance, "_change_reason", None)

    pre_save.connect(remember, sender=Assessment, dispatch_uid="test-history-attrs")
    try:
        suggestions.approve(pending.pk, curator, "Thanks!")
    finally:
        pre_save.disconnect(dispatch_uid="test-history-attrs", sender=Assessment)
    cell.refresh_from_db()
    assert (cell.verdict, cell.summary, cell.source_url) == (
        "partial",
        "SQLAlchemy through an extension.",
        "https://example.com/new",
    )
    assert cell.checked_on == timezone.localdate()
    pending.refresh_from_db()
    assert pending.status == EditSuggestion.Status.APPROVED
    assert pending.reviewer == curator
    assert pending.reviewed_at is not None
    # What django-simple-history reads: the curator as author, the member credited.
    assert seen["user"] == curator
    assert seen["reason"] == "Suggested by member: The extension is the documented way."
    with pytest.raises(suggestions.NotPending):
        suggestions.approve(pending.pk, curator)


def test_a_statistic_suggestion_sets_the_figure_and_its_date(member_client, cell, curator):
    url = f"/frameworks/{cell.framework.slug}/statistics/github_stars/suggest/"
    member_client.post(url, {"value": "70000", "reason": "Read today.", "evidence_url": EVIDENCE})
    suggestions.approve(EditSuggestion.objects.get().pk, curator)
    framework = Framework.objects.get(pk=cell.framework.pk)
    assert framework.github_stars == 70000
    assert framework.github_as_of == timezone.localdate()


def test_a_target_changed_since_is_a_conflict_and_is_not_applied(pending, curator, cell):
    cell.summary = "A curator rewrote this meanwhile."
    cell.save()
    with pytest.raises(suggestions.Conflict):
        suggestions.approve(pending.pk, curator)
    cell.refresh_from_db()
    assert cell.summary == "A curator rewrote this meanwhile."
    pending.refresh_from_db()
    assert pending.status == EditSuggestion.Status.CONFLICT
    # Approving again still refuses; rejecting with a note closes it.
    with pytest.raises(suggestions.NotPending):
        suggestions.approve(pending.pk, curator)
    suggestions.reject(pending.pk, curator, "Already rewritten.")
    pending.refresh_from_db()
    assert pending.status == EditSuggestion.Status.REJECTED


def seen_field(page):
    """The signed values a suggestion form was built from."""
    return re.search(r'name="seen" value="([^"]+)"', page.content.decode()).group(1)


def test_a_cell_a_curator_changes_while_the_member_writes_is_not_overwritten(
    member_client, cell, curator
):
    seen = seen_field(member_client.get(cell_url(cell)))  # the form, as the member opened it
    cell.summary = "A curator fixed this meanwhile."
    cell.save()

    member_client.post(cell_url(cell), proposal(seen=seen))

    suggestion = EditSuggestion.objects.get()
    assert suggestion.snapshot["summary"] == "Bring your own."  # what the member saw
    with pytest.raises(suggestions.Conflict):
        suggestions.approve(suggestion.pk, curator)
    cell.refresh_from_db()
    assert cell.summary == "A curator fixed this meanwhile."


def test_a_tampered_form_is_refused_with_a_message(member_client, cell):
    response = member_client.post(cell_url(cell), proposal(seen="e30:forged:signature"))

    assert response.status_code == 400
    assert "could not be read back" in response.content.decode()
    assert not EditSuggestion.objects.exists()


def test_two_suggestions_on_one_cell_the_second_conflicts(member_client, cell, curator):
    suggest(member_client, cell)
    suggest(member_client, cell, summary="Another view.")
    first, second = EditSuggestion.objects.order_by("created", "pk")
    suggestions.approve(first.pk, curator)
    with pytest.raises(suggestions.Conflict):
        suggestions.approve(second.pk, curator)
    cell.refresh_from_db()
    assert cell.summary == "SQLAlchemy through an extension."


def test_the_member_reads_the_rejection_note(member_client, pending, curator):
    with pytest.raises(ValueError):
        suggestions.reject(pending.pk, curator, "  ")
    suggestions.reject(pending.pk, curator, "The docs say <otherwise>.")
    page = member_client.get("/suggestions/mine/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Rejected" in html
    assert "The docs say &lt;otherwise&gt;." in html
    # Another member sees none of it.
    other = Client()
    other.force_login(UserFactory())
    assert "otherwise" not in other.get("/suggestions/mine/").content.decode()


def test_my_suggestions_needs_a_login(client):
    assert client.get("/suggestions/mine/").status_code == 302


# --- The admin ----------------------------------------------------------------


def change_url(suggestion):
    return admin_url(EditSuggestion, "change", suggestion.pk)


def test_the_admin_shows_the_diff_escaped(admin_client, member_client, cell):
    suggest(member_client, cell, summary="<script>alert(1)</script> better")
    suggestion = EditSuggestion.objects.get()
    html = admin_client.get(change_url(suggestion)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; better" in html
    assert "<script>alert(1)" not in html
    assert "Bring your own." in html  # the current value beside it
    assert 'name="_approve"' in html
    changelist = admin_client.get(admin_url(EditSuggestion, "changelist"))
    assert changelist.status_code == 200


def test_the_admin_review_shows_verdict_labels_not_stored_values(admin_client, pending):
    html = admin_client.get(change_url(pending)).content.decode()
    diff = html[html.index('<table class="suggestion-diff">') :]
    diff = diff[: diff.index("</table>")]
    verdict_row = re.search(r"<tr[^>]*><th scope=\"row\">Verdict</th>(.*?)</tr>", diff).group(1)
    assert re.findall(r"<td>(.*?)</td>", verdict_row) == ["No", "No", "<strong>Partly</strong>"]
    assert "partial" not in diff


def test_shown_gives_a_verdicts_label_and_leaves_other_values():
    assert suggestions.shown("verdict", "partial") == "Partly"
    assert suggestions.shown("verdict", "") == ""
    assert suggestions.shown("verdict", None) is None
    assert suggestions.shown("summary", "partial") == "partial"


def test_the_admin_approve_button_applies(admin_client, pending, cell):
    response = admin_client.post(
        change_url(pending), {"_approve": "1", "review_note": "Good catch."}, follow=True
    )
    assert response.status_code == 200
    cell.refresh_from_db()
    assert cell.summary == "SQLAlchemy through an extension."
    pending.refresh_from_db()
    assert pending.review_note == "Good catch."
    assert pending.status == EditSuggestion.Status.APPROVED


def test_the_admin_refuses_a_review_note_with_a_nul(admin_client, pending, cell):
    # Read from request.POST without a form: on PostgreSQL a DataError (500).
    response = admin_client.post(
        change_url(pending), {"_approve": "1", "review_note": "Good\x00 catch."}
    )

    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == EditSuggestion.Status.PENDING


def test_the_admin_refuses_a_conflicting_suggestion(admin_client, pending, cell):
    Assessment.objects.filter(pk=cell.pk).update(summary="Changed meanwhile.")
    page = admin_client.get(change_url(pending)).content.decode()
    assert "The target changed after this suggestion was made" in page
    response = admin_client.post(change_url(pending), {"_approve": "1"}, follow=True)
    assert "Not applied" in response.content.decode()
    cell.refresh_from_db()
    assert cell.summary == "Changed meanwhile."


def test_the_admin_reject_button_needs_a_note(admin_client, pending):
    response = admin_client.post(
        change_url(pending), {"_reject": "1", "review_note": ""}, follow=True
    )
    assert "Write a note for the member." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == EditSuggestion.Status.PENDING
    admin_client.post(change_url(pending), {"_reject": "1", "review_note": "No source."})
    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (EditSuggestion.Status.REJECTED, "No source.")


def test_the_bulk_action_applies_and_reports_conflicts(admin_client, member_client, cell):
    suggest(member_client, cell)
    suggest(member_client, cell, summary="Another view.")
    ids = [str(pk) for pk in EditSuggestion.objects.values_list("pk", flat=True)]
    response = admin_client.post(
        admin_url(EditSuggestion, "changelist"),
        {"action": "approve_selected", "_selected_action": ids},
        follow=True,
    )
    html = response.content.decode()
    assert "Applied 1 suggestion." in html
    assert "1 suggestion was not applied" in html
    assert sorted(EditSuggestion.objects.values_list("status", flat=True)) == [
        "approved",
        "conflict",
    ]


# --- The pages ----------------------------------------------------------------


def test_pages_offer_suggest_an_edit(member_client, cell):
    other = FrameworkFactory(slug="django", name="Django")
    AssessmentFactory(framework=other, criterion=cell.criterion)
    # On a comparison they come with the sources and dates (?details=1).
    quiet = Client().get("/compare/django-vs-flask/").content.decode()
    assert "Suggest an edit" not in quiet
    anonymous = Client().get("/compare/django-vs-flask/?details=1").content.decode()
    target = "/frameworks/flask/criteria/orm/suggest/"
    # The same login link for every anonymous reader (the page is cached).
    assert f'href="/accounts/login/?next={target}"' in anonymous
    assert 'href="/accounts/login/?next=/frameworks/flask/statistics/stacks/suggest/"' in anonymous
    assert f'href="{target}"' not in anonymous
    signed_in = member_client.get("/compare/django-vs-flask/?details=1").content.decode()
    assert f'href="{target}"' in signed_in
    page = member_client.get("/frameworks/flask/").content.decode()
    assert 'href="/frameworks/flask/statistics/followers/suggest/"' in page
    assert f'href="{target}"' in page  # the framework page lists its cells too
    assert 'id="assessment-orm"' in page


def test_approving_invalidates_exactly_the_pages_that_show_the_cell(demo, cached_pages, committed):
    flask = Framework.objects.get(slug="flask")
    cell = flask.assessments.select_related("criterion").first()
    member, curator = UserFactory(), UserFactory(is_staff=True)
    client = Client()
    client.force_login(member)
    client.post(cell_url(cell), proposal(verdict=cell.verdict, summary="Rewritten by a member."))
    suggestion = EditSuggestion.objects.get()
    cached_pages()  # the suggestion itself changes no page
    committed(suggestions.approve, suggestion.pk, curator)
    stale = cached_pages()
    assert {"flask", "django vs flask", "fastapi vs flask"} <= stale
    assert {"django", "django vs laravel vs nodejs", "bottle", "catalogue"}.isdisjoint(stale)
    assert "Rewritten by a member." in Client().get("/compare/django-vs-flask/").content.decode()


def test_approving_a_statistic_invalidates_the_framework_pages(demo, cached_pages, committed):
    flask = Framework.objects.get(slug="flask")
    suggestion = EditSuggestion.objects.create(
        framework=flask,
        target=EditSuggestion.Target.STATISTIC,
        statistic="stacks",
        value=123456,
        reason="New figure.",
        evidence_url=EVIDENCE,
        snapshot={"value": flask.stacks},
        author=UserFactory(),
    )
    cached_pages()
    committed(suggestions.approve, suggestion.pk, UserFactory(is_staff=True))
    stale = cached_pages()
    assert {"flask", "django vs flask", "catalogue"} <= stale
    assert "django vs laravel vs nodejs" not in stale
    assert "123.5K" in Client().get("/frameworks/flask/").content.decode()


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    url=st.sampled_from(
        [
            "/frameworks/flask/criteria/orm/suggest/",
            "/frameworks/flask/statistics/stacks/suggest/",
            "/frameworks/flask/statistics/nope/suggest/",
        ]
    ),
    data=st.dictionaries(
        st.sampled_from(
            ["verdict", "summary", "source_url", "value", "reason", "evidence_url", "next"]
        ),
        st.text(max_size=300),
        max_size=6,
    ),
)
def test_fuzzed_suggestions_never_fail_the_server(member, cell, url, data):
    client = Client(raise_request_exception=False)
    client.force_login(member)
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    if response.status_code == 302 and "/suggestions/mine/" in response["Location"]:
        assert EditSuggestion.objects.filter(author=member).exists()

"""History of curated rows (django-simple-history): who, when, what; votes
write none; curators revert in the admin."""

import re

import pytest

from comparison.models import Assessment, Comparison, ComparisonEntry, Criterion, Difference
from frameworks import services
from frameworks.models import Framework, ProCon
from tests.admin_helpers import admin_url, form_data
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

#: (model, factory, a curated field and a new value for it)
CURATED = [
    (Framework, FrameworkFactory, "description", "Rewritten by a curator."),
    (Framework, FrameworkFactory, "github_stars", 12345),  # statistics too
    (ProCon, ProConFactory, "text", "Clearer wording"),
    (ProCon, ProConFactory, "status", ProCon.Status.REJECTED),
    (Assessment, AssessmentFactory, "summary", "Checked again."),
    (Criterion, CriterionFactory, "description", "What this row compares."),
    (Comparison, ComparisonFactory, "intro", "A new introduction."),
    (Difference, DifferenceFactory, "text", "They differ in a new way."),
]


@pytest.mark.parametrize(
    ("model", "factory", "name", "value"), CURATED, ids=[f"{c[0].__name__}.{c[2]}" for c in CURATED]
)
def test_editing_a_curated_row_records_who_when_and_what(model, factory, name, value):
    curator = UserFactory(username="carla", is_staff=True)
    obj = factory()
    before = obj.history.count()
    setattr(obj, name, value)
    obj._history_user = curator
    obj.save()
    assert obj.history.count() == before + 1
    latest = obj.history.latest()
    assert latest.history_user == curator
    assert latest.history_type == "~"
    assert getattr(latest, name) == value
    previous = latest.prev_record
    assert name in latest.diff_against(previous).changed_fields


def test_the_request_user_is_recorded_through_the_middleware(admin_client, admin_user):
    criterion = CriterionFactory(name="Routing", slug="routing")
    data = form_data(admin_client.get(admin_url(Criterion, "change", criterion.pk)))
    data["description"] = "How URLs map to views."
    response = admin_client.post(admin_url(Criterion, "change", criterion.pk), data)
    assert response.status_code == 302
    latest = criterion.history.latest()
    assert latest.history_user == admin_user
    assert latest.description == "How URLs map to views."


def test_a_save_that_changes_nothing_writes_no_history_row():
    framework = FrameworkFactory()
    assert framework.history.count() == 1  # created
    framework.save()
    framework.save()
    assert framework.history.count() == 1


def test_a_change_reason_and_a_credited_member_are_recorded():
    member = UserFactory(username="alice")
    curator = UserFactory(username="carla", is_staff=True)
    assessment = AssessmentFactory()
    assessment.summary = "Suggested by a member."
    assessment._history_user = curator
    assessment._change_reason = "Suggested edit approved"
    assessment._history_credit = member
    assessment.save()
    latest = assessment.history.latest()
    assert (latest.history_user, latest.history_credit) == (curator, member)
    assert latest.history_change_reason == "Suggested edit approved"


def test_a_vote_writes_no_history_row():
    item = ProConFactory(baseline_votes=3, votes_count=3)
    framework_rows = item.framework.history.count()
    procon_rows = item.history.count()
    votes, voted = services.toggle_vote(user=UserFactory(), procon_id=item.pk)
    assert (votes, voted) == (4, True)
    services.toggle_vote(user=UserFactory(), procon_id=item.pk)
    services.recount_votes(ProCon.objects.filter(pk=item.pk))
    assert item.history.count() == procon_rows
    assert item.framework.history.count() == framework_rows
    assert "votes_count" not in [f.name for f in ProCon.history.model._meta.fields]


def test_approving_a_pending_suggestion_records_its_status_change(rf):
    curator = UserFactory(is_staff=True)
    item = ProConFactory(status=ProCon.Status.PENDING)
    from simple_history.models import HistoricalRecords

    request = rf.post("/admin/")
    request.user = curator
    HistoricalRecords.context.request = request
    try:
        services.set_status(ProCon.objects.filter(pk=item.pk), ProCon.Status.APPROVED)
    finally:
        del HistoricalRecords.context.request
    latest = item.history.latest()
    assert latest.status == ProCon.Status.APPROVED
    assert latest.history_user == curator


def test_the_sync_records_statistics_with_its_reason():
    framework = FrameworkFactory(github_stars=10)
    framework.github_stars = 11
    framework._change_reason = "Statistics sync"
    framework.save(update_fields=["github_stars", "updated"])
    latest = framework.history.latest()
    assert (latest.github_stars, latest.history_change_reason) == (11, "Statistics sync")
    assert latest.history_user is None


def test_comparison_framework_sets_are_recorded():
    comparison = ComparisonFactory()
    assert ComparisonEntry.history.filter(comparison_id=comparison.pk).count() == 0  # bulk
    entry = comparison.entries.first()
    entry.position = 3
    entry.save()
    assert ComparisonEntry.history.filter(comparison_id=comparison.pk).count() == 1


def test_a_curator_sees_the_history_and_reverts_a_change_in_the_admin(admin_client):
    framework = FrameworkFactory(description="The original text.")
    original = framework.history.latest()
    framework.description = "Vandalised."
    framework.save()

    history = admin_client.get(admin_url(Framework, "history", framework.pk))
    assert history.status_code == 200
    assert f'/{original.history_id}/"' in history.content.decode()  # a link to revert
    revert_url = admin_url(Framework, "simple_history", framework.pk, original.history_id)
    page = admin_client.get(revert_url)
    assert page.status_code == 200
    data = form_data(page)
    response = admin_client.post(revert_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    framework.refresh_from_db()
    assert framework.description == "The original text."
    latest = framework.history.latest()
    assert latest.description == "The original text."
    assert latest.history_user.is_staff
    # The new row says what it was: "Reverted to the version of 6 Dec 2026, 20:55".
    assert re.fullmatch(
        r"Reverted to the version of \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d",
        latest.history_change_reason,
    )

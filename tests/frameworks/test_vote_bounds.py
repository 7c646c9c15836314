"""Imported vote baselines are bounded so that baseline + member votes always
fits the database's integer column, with the same form error on SQLite and
PostgreSQL (on PostgreSQL an overflow was a 500)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from frameworks import services
from frameworks.models import BASELINE_TOO_LARGE, MAX_BASELINE_VOTES, ProCon
from tests.factories import ProConFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db

INT_MAX = 2**31 - 1


def change_in_admin(admin_client, procon, baseline):
    return admin_client.post(
        reverse("admin:frameworks_procon_change", args=[procon.pk]),
        {
            "framework": procon.framework_id,
            "kind": procon.kind,
            "text": procon.text,
            "detail": "",
            "baseline_votes": baseline,
            "status": procon.status,
        },
    )


@pytest.mark.parametrize("baseline", [INT_MAX, MAX_BASELINE_VOTES + 1, 2**40])
@pytest.mark.parametrize("voted", [False, True])
def test_admin_refuses_a_baseline_that_could_overflow(admin_client, baseline, voted):
    procon = ProConFactory(baseline_votes=5)
    if voted:
        VoteFactory(procon=procon)
        services.recount_votes(ProCon.objects.filter(pk=procon.pk))

    response = change_in_admin(admin_client, procon, baseline)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["baseline_votes"]
    assert errors == [BASELINE_TOO_LARGE]  # one message, on SQLite and PostgreSQL
    assert f"{MAX_BASELINE_VOTES:,}" in BASELINE_TOO_LARGE
    procon.refresh_from_db()
    assert procon.baseline_votes == 5
    assert procon.votes_count == 5 + int(voted)


def test_the_largest_baseline_still_takes_member_votes(admin_client):
    procon = ProConFactory()
    VoteFactory(procon=procon)

    response = change_in_admin(admin_client, procon, MAX_BASELINE_VOTES)

    assert response.status_code == 302
    procon.refresh_from_db()
    assert procon.votes_count == MAX_BASELINE_VOTES + 1
    votes, voted = services.toggle_vote(user=UserFactory(), procon_id=procon.pk)
    assert (votes, voted) == (MAX_BASELINE_VOTES + 2, True)


def test_the_framework_inline_refuses_it_too(admin_client):
    procon = ProConFactory()
    framework = procon.framework
    prefix = "procons"
    data = {
        "name": framework.name,
        "slug": framework.slug,
        "category": framework.category_id,
        "is_published": "on",
        f"{prefix}-TOTAL_FORMS": 1,
        f"{prefix}-INITIAL_FORMS": 1,
        f"{prefix}-0-id": procon.pk,
        f"{prefix}-0-framework": framework.pk,
        f"{prefix}-0-kind": procon.kind,
        f"{prefix}-0-text": procon.text,
        f"{prefix}-0-baseline_votes": INT_MAX,
        f"{prefix}-0-status": procon.status,
        "assessments-TOTAL_FORMS": 0,
        "assessments-INITIAL_FORMS": 0,
    }

    response = admin_client.post(
        reverse("admin:frameworks_framework_change", args=[framework.pk]), data
    )

    assert response.status_code == 200
    [form] = response.context["inline_admin_formsets"][0].formset.forms
    assert form.errors["baseline_votes"] == [BASELINE_TOO_LARGE]
    procon.refresh_from_db()
    assert procon.baseline_votes == 0


def test_the_database_refuses_it_too():
    procon = ProConFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ProCon.objects.filter(pk=procon.pk).update(
            baseline_votes=MAX_BASELINE_VOTES + 1, votes_count=MAX_BASELINE_VOTES + 1
        )

"""Curators delete members, pros/cons and frameworks that carry member votes
(single delete and the bulk action); the votes go with them and every count
stays baseline + Vote rows. Votes stay read-only in their own admin."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from frameworks.models import Framework, ProCon, Vote
from tests.factories import FrameworkFactory, ProConFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def assert_counts_exact():
    for procon in ProCon.objects.all():
        assert procon.votes_count == procon.baseline_votes + procon.votes.count(), procon


@pytest.fixture
def voted():
    """Two pros/cons with a baseline, each voted by a spammer and a keeper."""
    spammer, keeper = UserFactory(username="spammer"), UserFactory(username="keeper")
    framework = FrameworkFactory()
    procons = [ProConFactory(framework=framework, baseline_votes=10) for _ in range(2)]
    for procon in procons:
        for user in (spammer, keeper):
            VoteFactory(user=user, procon=procon)
    ProCon.objects.update(votes_count=12)
    return {"spammer": spammer, "keeper": keeper, "framework": framework, "procons": procons}


def delete_one(admin_client, obj):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert not confirm.context["perms_lacking"], confirm.context["perms_lacking"]
    return admin_client.post(url, {"post": "yes"})


def delete_in_bulk(admin_client, objs):
    opts = objs[0]._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    data = {"action": "delete_selected", "_selected_action": [o.pk for o in objs]}
    confirm = admin_client.post(url, data)
    assert confirm.status_code == 200
    assert not confirm.context["perms_lacking"], confirm.context["perms_lacking"]
    return admin_client.post(url, {**data, "post": "yes"})


def test_delete_a_member_who_voted(admin_client, voted):
    response = delete_one(admin_client, voted["spammer"])

    assert response.status_code == 302
    assert not User.objects.filter(username="spammer").exists()
    assert Vote.objects.count() == 2
    assert set(ProCon.objects.values_list("votes_count", flat=True)) == {11}
    assert_counts_exact()


def test_bulk_delete_members_who_voted(admin_client, voted):
    other = UserFactory()
    VoteFactory(user=other, procon=voted["procons"][0])
    ProCon.objects.filter(pk=voted["procons"][0].pk).update(votes_count=13)

    response = delete_in_bulk(admin_client, [voted["spammer"], other])

    assert response.status_code == 302
    assert list(User.objects.exclude(is_superuser=True).values_list("username", flat=True)) == [
        "keeper"
    ]
    assert set(ProCon.objects.values_list("votes_count", flat=True)) == {11}
    assert_counts_exact()


def test_delete_a_pro_con_with_votes(admin_client, voted):
    first, second = voted["procons"]

    response = delete_one(admin_client, first)

    assert response.status_code == 302
    assert list(ProCon.objects.all()) == [second]
    assert Vote.objects.filter(procon=second).count() == 2
    assert_counts_exact()


def test_bulk_delete_pros_and_cons_with_votes(admin_client, voted):
    kept = ProConFactory(framework=voted["framework"], baseline_votes=3)
    VoteFactory(user=voted["keeper"], procon=kept)
    ProCon.objects.filter(pk=kept.pk).update(votes_count=4)

    response = delete_in_bulk(admin_client, voted["procons"])

    assert response.status_code == 302
    assert list(ProCon.objects.all()) == [kept]
    assert list(Vote.objects.values_list("procon", flat=True)) == [kept.pk]
    assert_counts_exact()


def test_delete_a_framework_with_votes(admin_client, voted):
    other = ProConFactory(baseline_votes=1)
    VoteFactory(user=voted["spammer"], procon=other)
    ProCon.objects.filter(pk=other.pk).update(votes_count=2)

    response = delete_one(admin_client, voted["framework"])

    assert response.status_code == 302
    assert not Framework.objects.filter(pk=voted["framework"].pk).exists()
    assert list(Vote.objects.values_list("procon", flat=True)) == [other.pk]
    assert_counts_exact()


def test_bulk_delete_frameworks_with_votes(admin_client, voted):
    second = ProConFactory(baseline_votes=0)
    VoteFactory(user=voted["keeper"], procon=second)

    response = delete_in_bulk(admin_client, [voted["framework"], second.framework])

    assert response.status_code == 302
    assert not Framework.objects.exists()
    assert not ProCon.objects.exists()
    assert not Vote.objects.exists()


# --- Votes stay read-only in their own admin ---------------------------------


def test_vote_admin_offers_no_delete(admin_client, voted):
    vote = Vote.objects.first()

    page = admin_client.get(reverse("admin:frameworks_vote_change", args=[vote.pk]))
    delete_page = admin_client.get(reverse("admin:frameworks_vote_delete", args=[vote.pk]))
    delete_post = admin_client.post(
        reverse("admin:frameworks_vote_delete", args=[vote.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert reverse("admin:frameworks_vote_delete", args=[vote.pk]) not in page.content.decode()
    assert delete_page.status_code == delete_post.status_code == 403
    assert Vote.objects.filter(pk=vote.pk).exists()


def test_vote_admin_has_no_bulk_delete(admin_client, voted):
    url = reverse("admin:frameworks_vote_changelist")
    listing = admin_client.get(url)

    response = admin_client.post(
        url,
        {
            "action": "delete_selected",
            "_selected_action": list(Vote.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    assert response.status_code in (200, 302)
    assert Vote.objects.count() == 4


def test_vote_admin_offers_no_add_or_change(admin_client, voted):
    vote = Vote.objects.first()

    add = admin_client.get(reverse("admin:frameworks_vote_add"))
    change = admin_client.post(
        reverse("admin:frameworks_vote_change", args=[vote.pk]),
        {"user": voted["keeper"].pk, "procon": vote.procon_id},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    vote.refresh_from_db()
    assert vote.user == voted["spammer"] or vote.user == voted["keeper"]
    assert Vote.objects.count() == 4

"""``Framework.votes_count``: the sum of its approved pros' and cons' counts,
moved with them by every write that changes one (issue 30: the catalogue
sorts and the home page ranks by it without summing every framework)."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from frameworks import moderation, services
from frameworks.models import Framework, ProCon
from tests.factories import FrameworkFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db


def summed(framework):
    """What the counter must hold, from the rows."""
    approved = ProCon.objects.approved().filter(framework=framework)
    return sum(approved.values_list("votes_count", flat=True))


def counter(framework):
    return Framework.objects.values_list("votes_count", flat=True).get(pk=framework.pk)


@pytest.fixture
def items():
    framework = FrameworkFactory()
    return [
        ProConFactory(framework=framework, baseline_votes=10, text="Fast"),
        ProConFactory(framework=framework, baseline_votes=5, text="Small", kind="con"),
        ProConFactory(framework=framework, baseline_votes=7, text="Later", status="pending"),
    ]


def test_a_vote_and_its_taking_back_move_the_framework_by_one(items):
    fast, small, _ = items
    framework = fast.framework
    alice, bob = UserFactory(), UserFactory()
    assert counter(framework) == 15 == summed(framework)

    services.toggle_vote(user=alice, procon_id=fast.pk)
    services.toggle_vote(user=bob, procon_id=small.pk)
    assert counter(framework) == 17 == summed(framework)

    services.toggle_vote(user=alice, procon_id=fast.pk)
    assert counter(framework) == 16 == summed(framework)


def test_the_orm_toggle_moves_it_as_the_one_statement_does(items):
    fast = items[0]
    member = UserFactory()
    services.toggle_vote_orm(user=member, procon_id=fast.pk)
    assert counter(fast.framework) == 16 == summed(fast.framework)
    services.toggle_vote_orm(user=member, procon_id=fast.pk)
    assert counter(fast.framework) == 15


def test_hiding_and_approving_items_recounts_their_framework(items):
    fast, _, later = items
    services.set_status(ProCon.objects.filter(pk=fast.pk), ProCon.Status.REJECTED)
    assert counter(fast.framework) == 5 == summed(fast.framework)
    services.set_status(ProCon.objects.filter(pk=later.pk), ProCon.Status.APPROVED)
    assert counter(fast.framework) == 12 == summed(fast.framework)


def test_a_deleted_item_takes_its_votes_out_of_the_framework(admin_client, items):
    fast = items[0]
    services.toggle_vote(user=UserFactory(), procon_id=fast.pk)

    response = admin_client.post(
        reverse("admin:frameworks_procon_delete", args=[fast.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert counter(fast.framework) == 5 == summed(fast.framework)


def test_items_deleted_in_bulk_leave_their_frameworks_exact(items):
    other = ProConFactory(baseline_votes=3)
    ProCon.objects.filter(pk__in=[items[1].pk, other.pk]).delete()
    assert counter(items[0].framework) == 10
    assert counter(other.framework) == 0


def test_an_item_moved_to_another_framework_moves_its_votes(admin_client, items):
    fast = items[0]
    before, after = fast.framework, FrameworkFactory()
    services.toggle_vote(user=UserFactory(), procon_id=fast.pk)

    response = admin_client.post(
        reverse("admin:frameworks_procon_change", args=[fast.pk]),
        {
            "framework": after.pk,
            "kind": fast.kind,
            "text": fast.text,
            "detail": "",
            "baseline_votes": fast.baseline_votes,
            "status": fast.status,
        },
    )

    assert response.status_code == 302
    assert (counter(before), counter(after)) == (5, 11)


def test_a_deleted_member_and_discounted_votes_leave_it_exact(items, admin_user):
    fast, small, _ = items
    leaving, pusher = UserFactory(), UserFactory()
    for member in (leaving, pusher):
        services.toggle_vote(user=member, procon_id=fast.pk)
        services.toggle_vote(user=member, procon_id=small.pk)
    assert counter(fast.framework) == 19

    leaving.delete()
    assert counter(fast.framework) == 17 == summed(fast.framework)
    moderation.discount_votes([pusher.pk], curator=admin_user, reason="A burst.")
    assert counter(fast.framework) == 15 == summed(fast.framework)


def test_a_framework_saved_from_an_earlier_read_keeps_the_votes_cast_since(items):
    fast = items[0]
    read_earlier = Framework.objects.get(pk=fast.framework_id)
    services.toggle_vote(user=UserFactory(), procon_id=fast.pk)
    read_earlier.tagline = "Edited meanwhile"
    read_earlier.save()
    assert counter(fast.framework) == 16


def test_an_import_leaves_every_framework_summed(demo, tmp_path):
    path = tmp_path / "catalogue.json"
    call_command("export_catalogue", str(path), verbosity=0)
    document = json.loads(path.read_text())
    flask = next(f for f in document["frameworks"] if f["slug"] == "flask")
    flask["pros"][0]["votes"] += 1000
    flask["pros"].append({"text": "Imported just now", "detail": "", "votes": 42})
    path.write_text(json.dumps(document))
    before = counter(Framework.objects.get(slug="flask"))

    call_command("import_catalogue", str(path), verbosity=0)

    assert counter(Framework.objects.get(slug="flask")) == before + 1042
    for framework in Framework.objects.all():
        assert framework.votes_count == summed(framework), framework.slug

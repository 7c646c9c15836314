"""Discounting votes while members vote keeps every counter exact:
``votes_count == baseline_votes + Vote rows`` afterwards, with no failed
request (run on SQLite and on PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from frameworks import moderation, services
from frameworks.models import ProCon, Vote
from tests.factories import ProConFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_discounting_during_parallel_votes_keeps_counts_exact():
    items = [ProConFactory(baseline_votes=b, votes_count=b) for b in (640, 0, 7)]
    pushers = [UserFactory(username=f"pusher{i}") for i in range(6)]
    honest = [UserFactory(username=f"honest{i}") for i in range(6)]
    for user in pushers:
        for item in items:
            services.toggle_vote(user=user, procon_id=item.pk)
    errors = []

    def vote(user):
        try:
            for round_ in range(3):
                for item in items:
                    services.toggle_vote(user=user, procon_id=item.pk)
                    if round_ == 2:
                        break
        except Exception as error:  # collected and reported below
            errors.append(repr(error))
        finally:
            connection.close()

    def discount():
        try:
            moderation.discount_votes(
                [u.pk for u in pushers], curator=None, reason="Pushed in a burst."
            )
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(vote, user) for user in honest[:3]]
        futures.append(pool.submit(discount))
        futures += [pool.submit(vote, user) for user in honest[3:]]
        for future in futures:
            future.result(timeout=60)

    assert errors == []
    assert not Vote.objects.filter(user__in=pushers).exists()
    for item in ProCon.objects.filter(pk__in=[i.pk for i in items]):
        assert item.votes_count == item.baseline_votes + item.votes.count(), item.text
    # Each honest member toggled the first item three times (voted), the others twice.
    assert ProCon.objects.get(pk=items[0].pk).votes_count == 640 + 6

"""Parallel vote toggles, as from several gunicorn threads, keep counters exact.

Each thread has its own database connection; the invariants
``votes_count == baseline_votes + Vote rows`` and ``Framework.votes_count
== the sum of its approved items' counts`` must hold afterwards, and no
request may fail (no IntegrityError, no deadlock, no "database is locked").
"""

import contextlib
import queue
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from frameworks import services
from frameworks.models import Framework, ProCon, Vote
from tests.factories import FrameworkFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BASELINES = [678, 0, 10, 3, 1, 25]


def build_jobs(members, items, *, toggles, seed):
    """Round-robin over members, each toggling random items; about a quarter
    of the toggles are double submissions: two jobs side by side that share a
    barrier, so both start at the same moment on two threads."""
    rng = random.Random(seed)
    slots_per_member = []
    for member in members:
        slots = []
        for _ in range(toggles):
            item = rng.choice(items)
            if rng.random() < 0.25:
                barrier = threading.Barrier(2)
                slots.append([(member, item, barrier), (member, item, barrier)])
            else:
                slots.append([(member, item, None)])
        slots_per_member.append(slots)
    return [
        job for round_ in zip(*slots_per_member, strict=True) for slot in round_ for job in slot
    ]


def run_in_threads(jobs, workers):
    """Runs the toggles on ``workers`` threads; returns (results, errors)."""
    pending = queue.Queue()
    for job in jobs:
        pending.put(job)
    results, errors = [], []

    def worker():
        try:
            while True:
                try:
                    member, item, barrier = pending.get_nowait()
                except queue.Empty:
                    return
                if barrier is not None:
                    with contextlib.suppress(threading.BrokenBarrierError):
                        barrier.wait(timeout=5)
                try:
                    votes, voted = services.toggle_vote(user=member, procon_id=item.pk)
                except Exception as error:  # collected and reported by the test
                    errors.append(repr(error))
                else:
                    results.append((item.pk, votes, voted))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as executor:
        for future in [executor.submit(worker) for _ in range(workers)]:
            future.result(timeout=60)
    return results, errors


def make_items():
    framework = FrameworkFactory()
    return [
        ProConFactory(framework=framework, baseline_votes=baseline, text=f"Item {i}")
        for i, baseline in enumerate(BASELINES)
    ]


def assert_counters_exact(items, results):
    baselines = {item.pk: item.baseline_votes for item in items}
    for item in ProCon.objects.filter(pk__in=baselines):
        rows = Vote.objects.filter(procon=item).count()
        assert item.votes_count == item.baseline_votes + rows, item.text
        assert item.votes_count >= item.baseline_votes
    for pk, votes, _ in results:
        assert votes >= baselines[pk]
    framework = Framework.objects.get(pk=items[0].framework_id)
    assert framework.votes_count == sum(
        ProCon.objects.filter(framework=framework).values_list("votes_count", flat=True)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL concurrency")
def test_parallel_toggles_keep_counters_exact_on_postgresql():
    items = make_items()
    members = UserFactory.create_batch(12)
    jobs = build_jobs(members, items, toggles=20, seed=20240611)

    results, errors = run_in_threads(jobs, workers=12)

    assert errors == []
    assert len(results) == len(jobs)
    assert Vote.objects.exists()
    assert_counters_exact(items, results)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite concurrency")
def test_parallel_toggles_never_lock_sqlite_and_keep_counters_exact():
    assert not connection.is_in_memory_db(), (
        "threads need a file-based SQLite test database (tests/settings.py sets TEST NAME)"
    )
    items = make_items()
    members = UserFactory.create_batch(8)
    jobs = build_jobs(members, items, toggles=15, seed=7)

    results, errors = run_in_threads(jobs, workers=8)

    assert errors == []  # in particular no OperationalError "database is locked"
    assert len(results) == len(jobs)
    assert Vote.objects.exists()
    assert_counters_exact(items, results)


def _waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL concurrency")
def test_the_losing_click_of_a_double_click_returns_the_count_with_the_vote():
    """The second click's insert waits for the first click's and then finds
    it: it changes nothing and must answer the count the first one made,
    not the one its statement's snapshot still saw."""
    from django.db import transaction

    item = ProConFactory(baseline_votes=5, votes_count=5)
    member = UserFactory()
    inserted, release, answers = threading.Event(), threading.Event(), {}

    def first_click():
        try:
            with transaction.atomic():  # holds the new vote, uncommitted
                answers["first"] = services.toggle_vote(user=member, procon_id=item.pk)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    def second_click():
        try:
            answers["second"] = services.toggle_vote(user=member, procon_id=item.pk)
        finally:
            connection.close()

    first = threading.Thread(target=first_click)
    first.start()
    assert inserted.wait(10)
    second = threading.Thread(target=second_click)
    second.start()
    for _ in range(200):  # until the second click waits for the first's row
        if _waiting_on_a_lock():
            break
        threading.Event().wait(0.05)
    release.set()
    first.join(10)
    second.join(10)

    assert answers == {"first": (6, True), "second": (6, True)}
    assert ProCon.objects.get(pk=item.pk).votes_count == 6 == 5 + Vote.objects.count()

"""Parallel follow toggles and stack edits, as from several gunicorn threads,
keep the counters exact: ``member_followers == Follow rows`` and
``member_stacks == StackEntry rows`` for every framework, with no failed
request (no IntegrityError, deadlock or "database is locked")."""

import random

import pytest
from django.db import connection

from frameworks.models import Framework
from members import services
from members.models import Follow, StackEntry
from tests.factories import FrameworkFactory, UserFactory
from tests.frameworks.test_vote_concurrency import build_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def run(jobs, workers, seed):
    """Each job follows/unfollows, adds or removes a stack entry (chosen by a
    seeded coin per job: a double submission repeats the same action)."""
    import contextlib
    import queue
    import threading
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(seed)
    actions = {}
    pending = queue.Queue()
    for job in jobs:
        key = id(job[2]) if job[2] is not None else id(job)
        actions.setdefault(key, rng.choice(["follow", "stack", "unstack"]))
        pending.put((*job, actions[key]))
    errors = []

    def worker():
        try:
            while True:
                try:
                    member, framework, barrier, action = pending.get_nowait()
                except queue.Empty:
                    return
                if barrier is not None:
                    with contextlib.suppress(threading.BrokenBarrierError):
                        barrier.wait(timeout=5)
                try:
                    if action == "follow":
                        services.toggle_follow(user=member, framework_id=framework.pk)
                    elif action == "stack":
                        services.add_to_stack(user=member, framework_id=framework.pk, note="x")
                    else:
                        services.remove_from_stack(user=member, framework_id=framework.pk)
                except Exception as error:  # collected and reported by the test
                    errors.append(repr(error))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as executor:
        for future in [executor.submit(worker) for _ in range(workers)]:
            future.result(timeout=120)
    return errors


def assert_counters_exact(frameworks):
    for framework in Framework.objects.filter(pk__in=[f.pk for f in frameworks]):
        assert framework.member_followers == Follow.objects.filter(framework=framework).count()
        assert framework.member_stacks == StackEntry.objects.filter(framework=framework).count()
        assert framework.followers_shown == framework.followers + framework.member_followers


def frameworks():
    return [FrameworkFactory(followers=baseline, stacks=baseline) for baseline in (1200, 0, 7)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL concurrency")
def test_parallel_follows_and_stack_edits_keep_counters_exact_on_postgresql():
    items = frameworks()
    members = UserFactory.create_batch(12)
    jobs = build_jobs(members, items, toggles=20, seed=20261122)

    errors = run(jobs, workers=12, seed=1)

    assert errors == []
    assert Follow.objects.exists() and StackEntry.objects.exists()
    assert_counters_exact(items)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite concurrency")
def test_parallel_follows_never_lock_sqlite_and_keep_counters_exact():
    items = frameworks()
    members = UserFactory.create_batch(6)
    jobs = build_jobs(members, items, toggles=10, seed=5)

    errors = run(jobs, workers=6, seed=2)

    assert errors == []
    assert_counters_exact(items)

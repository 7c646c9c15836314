"""Two curators approving different suggestions for one empty cell at the
same moment: one is applied, the other is a conflict; neither is a 500."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from comparison import suggestions
from comparison.models import Assessment
from comparison.suggestions import EditSuggestion
from tests.factories import CriterionFactory, FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL concurrency")
def test_parallel_approvals_of_an_empty_cell_apply_one_on_postgresql():
    framework, criterion = FrameworkFactory(), CriterionFactory()
    pending = [
        EditSuggestion.objects.create(
            framework=framework,
            criterion=criterion,
            target=EditSuggestion.Target.ASSESSMENT,
            verdict="yes",
            summary=f"Proposal {n}",
            reason="It ships one.",
            evidence_url="https://example.org/docs",
            snapshot={},
            author=UserFactory(),
        )
        for n in range(2)
    ]
    curators = UserFactory.create_batch(2, is_staff=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(suggestion, curator):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            try:
                suggestions.approve(suggestion.pk, curator)
            except suggestions.Conflict:
                outcomes.append("conflict")
            except Exception as error:  # reported by the assertion below
                outcomes.append(repr(error))
            else:
                outcomes.append("approved")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as executor:
        jobs = [executor.submit(approve, s, c) for s, c in zip(pending, curators, strict=True)]
        for future in jobs:
            future.result(timeout=30)

    assert sorted(outcomes) == ["approved", "conflict"]
    assert Assessment.objects.filter(framework=framework, criterion=criterion).count() == 1

"""Comparison rules, enforced by the database itself (writes skip validation)."""

import pytest
from django.db import IntegrityError, transaction

from comparison.models import (
    Assessment,
    Comparison,
    ComparisonEntry,
    Difference,
    framework_set_key,
)
from tests.factories import (
    AssessmentFactory,
    ComparisonFactory,
    CriterionFactory,
    DifferenceFactory,
    FrameworkFactory,
)

pytestmark = pytest.mark.django_db


def test_framework_set_key_ignores_order_and_repeats():
    a, b, c = FrameworkFactory.create_batch(3)

    assert framework_set_key([c, a, b]) == framework_set_key([a, b, c, a])
    assert framework_set_key([a, b]) != framework_set_key([a, c])
    assert framework_set_key([b.pk, a.pk]) == f"{a.pk},{b.pk}"


def test_database_refuses_second_assessment_of_framework_on_criterion():
    assessment = AssessmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            framework=assessment.framework, criterion=assessment.criterion, summary="Again."
        )
    assert Assessment.objects.count() == 1


def test_framework_can_be_assessed_on_other_criteria():
    assessment = AssessmentFactory()

    Assessment.objects.create(
        framework=assessment.framework, criterion=CriterionFactory(), summary="Other."
    )
    Assessment.objects.create(
        framework=FrameworkFactory(), criterion=assessment.criterion, summary="Other."
    )

    assert Assessment.objects.count() == 3


def test_database_refuses_empty_assessment_summary():
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            framework=FrameworkFactory(), criterion=CriterionFactory(), summary=""
        )


def test_database_refuses_second_difference_on_criterion():
    difference = DifferenceFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Difference.objects.create(
            comparison=difference.comparison, criterion=difference.criterion, text="Again."
        )
    assert Difference.objects.count() == 1


@pytest.mark.parametrize("position", [0, 5, 99])
def test_database_refuses_entry_position_outside_1_to_4(position):
    comparison = Comparison.objects.create(title="Draft", slug="draft", is_published=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        ComparisonEntry.objects.create(
            comparison=comparison, framework=FrameworkFactory(), position=position
        )
    assert not comparison.entries.exists()


def test_database_refuses_a_fifth_framework():
    frameworks = FrameworkFactory.create_batch(5)
    comparison = ComparisonFactory(frameworks=frameworks[:4])
    assert comparison.entries.count() == 4

    for position in range(6):
        with pytest.raises(IntegrityError), transaction.atomic():
            ComparisonEntry.objects.create(
                comparison=comparison, framework=frameworks[4], position=position
            )
    assert comparison.entries.count() == 4


def test_database_refuses_framework_twice_in_a_comparison():
    comparison = ComparisonFactory()
    entry = comparison.entries.get(position=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        ComparisonEntry.objects.create(comparison=comparison, framework=entry.framework, position=3)


def test_database_refuses_two_frameworks_on_one_position():
    comparison = ComparisonFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ComparisonEntry.objects.create(
            comparison=comparison, framework=FrameworkFactory(), position=2
        )


def test_database_refuses_second_published_comparison_of_same_set():
    a, b = FrameworkFactory.create_batch(2)
    existing = ComparisonFactory(frameworks=[a, b])
    assert existing.is_published
    assert existing.framework_key == framework_set_key([a, b])

    with pytest.raises(IntegrityError), transaction.atomic():
        Comparison.objects.create(
            title="B vs A",
            slug="b-vs-a",
            framework_key=framework_set_key([b, a]),
            is_published=True,
        )
    assert Comparison.objects.count() == 1


def test_database_refuses_publishing_an_unpublished_duplicate():
    a, b = FrameworkFactory.create_batch(2)
    ComparisonFactory(frameworks=[a, b])
    draft = Comparison.objects.create(
        title="Draft", slug="draft", framework_key=framework_set_key([a, b]), is_published=False
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Comparison.objects.filter(pk=draft.pk).update(is_published=True)


def test_unpublished_duplicate_of_a_published_set_is_allowed():
    a, b = FrameworkFactory.create_batch(2)
    ComparisonFactory(frameworks=[a, b])

    Comparison.objects.create(
        title="Draft", slug="draft", framework_key=framework_set_key([a, b]), is_published=False
    )
    Comparison.objects.create(
        title="Draft 2", slug="draft-2", framework_key=framework_set_key([a, b]), is_published=False
    )

    assert Comparison.objects.filter(framework_key=framework_set_key([a, b])).count() == 3


def test_published_comparisons_of_different_sets_coexist():
    a, b, c = FrameworkFactory.create_batch(3)

    ComparisonFactory(frameworks=[a, b])
    ComparisonFactory(frameworks=[a, c])
    ComparisonFactory(frameworks=[a, b, c])

    assert Comparison.objects.published().count() == 3


@pytest.mark.parametrize("key", ["5", "", "1,2,3,4,5", "1,,2", "a,b"])
def test_database_refuses_published_comparison_without_2_to_4_frameworks(key):
    with pytest.raises(IntegrityError), transaction.atomic():
        Comparison.objects.create(title="Bad", slug="bad", framework_key=key, is_published=True)
    assert not Comparison.objects.exists()


@pytest.mark.parametrize("key", ["5", ""])
def test_unpublished_comparison_may_have_fewer_frameworks(key):
    Comparison.objects.create(title="Draft", slug="draft", framework_key=key, is_published=False)

    assert Comparison.objects.filter(is_published=False).count() == 1


@pytest.mark.parametrize("slug", ["Django vs Flask", "django--flask", "django_flask"])
def test_database_refuses_invalid_comparison_slug(slug):
    with pytest.raises(IntegrityError), transaction.atomic():
        Comparison.objects.create(title="Bad", slug=slug, is_published=False)

"""The comparison admin as a curator uses it: assessments on a framework's
page, curated comparisons with their ordered frameworks and differences;
every rule the database holds comes back as a form error, never a 500."""

import pytest

from comparison.models import Assessment, Comparison, ComparisonEntry, framework_set_key
from frameworks.models import (
    Framework,
)
from tests.admin_helpers import add_rows, admin_url, content, form_data
from tests.factories import (
    AssessmentFactory,
    ComparisonFactory,
    CriterionFactory,
    DifferenceFactory,
    FrameworkFactory,
)

pytestmark = pytest.mark.django_db


# -- assessments (inline on the framework page) -------------------------------


def test_two_assessments_on_one_criterion_are_a_form_error(admin_client):
    existing = AssessmentFactory()
    url = admin_url(Framework, "change", existing.framework.pk)
    data = form_data(admin_client.get(url))
    add_rows(data, "assessments", [{"criterion": existing.criterion.pk, "summary": "Twice."}])

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "hold for the same versions: give each version one answer." in content(response)
    assert Assessment.objects.count() == 1


def test_two_assessments_on_one_criterion_in_a_new_framework(admin_client, framework_add_data):
    criterion = CriterionFactory()
    add_rows(
        framework_add_data,
        "assessments",
        [
            {"criterion": criterion.pk, "summary": "Once."},
            {"criterion": criterion.pk, "summary": "Twice."},
        ],
    )

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 200
    assert "hold for the same versions: give each version one answer." in content(response)
    assert not Framework.objects.exists()
    assert not Assessment.objects.exists()


def test_swapping_criteria_between_assessments_saves(admin_client):
    first, second = CriterionFactory.create_batch(2)
    framework = FrameworkFactory()
    AssessmentFactory(framework=framework, criterion=first, summary="One.")
    AssessmentFactory(framework=framework, criterion=second, summary="Two.")
    url = admin_url(Framework, "change", framework.pk)
    data = form_data(admin_client.get(url))
    data["assessments-0-criterion"], data["assessments-1-criterion"] = second.pk, first.pk

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert set(framework.assessments.values_list("criterion", "summary")) == {
        (second.pk, "One."),
        (first.pk, "Two."),
    }


# -- comparisons ---------------------------------------------------------------------


def comparison_data(client, frameworks, *, published=True, url=None):
    data = form_data(client.get(url or admin_url(Comparison, "add")))
    data.update(title="Alpha vs Beta", slug="alpha-vs-beta", intro="Intro.", summary="Sum.")
    if published:
        data["is_published"] = "on"
    else:
        data.pop("is_published", None)
    return add_rows(
        data,
        "entries",
        [
            {"position": position, "framework": framework.pk}
            for position, framework in enumerate(frameworks, start=1)
        ],
    )


def test_comparison_add_saves_frameworks_and_key(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    criterion = CriterionFactory()
    data = comparison_data(admin_client, [b, a])
    add_rows(data, "differences", [{"position": 1, "criterion": criterion.pk, "text": "Diff."}])

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 302
    comparison = Comparison.objects.get(slug="alpha-vs-beta")
    assert comparison.is_published
    assert comparison.ordered_frameworks() == [b, a]
    assert comparison.framework_key == framework_set_key([a, b])
    assert comparison.differences.get().text == "Diff."


def test_published_comparison_of_one_framework_is_a_form_error(admin_client):
    data = comparison_data(admin_client, [FrameworkFactory()])

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 200
    assert "A published comparison needs 2 to 4 different frameworks." in content(response)
    assert not Comparison.objects.exists()


def test_unpublished_comparison_of_one_framework_saves(admin_client):
    data = comparison_data(admin_client, [FrameworkFactory()], published=False)

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 302
    assert Comparison.objects.get().entries.count() == 1


def test_same_framework_twice_is_a_form_error(admin_client):
    framework = FrameworkFactory()
    data = comparison_data(admin_client, [framework, framework])

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for framework." in content(response)
    assert not Comparison.objects.exists()
    assert not ComparisonEntry.objects.exists()


def test_two_frameworks_on_one_position_is_a_form_error(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    data = comparison_data(admin_client, [a, b])
    data["entries-1-position"] = 1

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for position." in content(response)
    assert not Comparison.objects.exists()


def test_position_outside_1_to_4_is_a_form_error(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    data = comparison_data(admin_client, [a, b])
    data["entries-1-position"] = 5

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 200
    assert "Position must be 1 to 4." in content(response)
    assert not Comparison.objects.exists()


def test_second_published_comparison_of_a_set_names_the_first(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    existing = ComparisonFactory(frameworks=[a, b], title="The original")
    data = comparison_data(admin_client, [b, a])

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 200
    assert '"The original" already compares these frameworks' in content(response)
    assert list(Comparison.objects.all()) == [existing]


def test_unpublished_comparison_of_a_published_set_saves(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    ComparisonFactory(frameworks=[a, b], title="The original")
    data = comparison_data(admin_client, [b, a], published=False)

    response = admin_client.post(admin_url(Comparison, "add"), data)

    assert response.status_code == 302
    draft = Comparison.objects.get(slug="alpha-vs-beta")
    assert not draft.is_published
    assert draft.framework_key == framework_set_key([a, b])
    assert draft.entries.count() == 2


def test_publishing_a_draft_of_a_published_set_is_a_form_error(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    ComparisonFactory(frameworks=[a, b], title="The original")
    draft = ComparisonFactory(frameworks=[a, FrameworkFactory()], title="Draft")
    Comparison.objects.filter(pk=draft.pk).update(is_published=False)
    url = admin_url(Comparison, "change", draft.pk)
    data = form_data(admin_client.get(url))
    data["is_published"] = "on"
    data["entries-1-framework"] = b.pk

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert '"The original" already compares these frameworks' in content(response)
    draft.refresh_from_db()
    assert not draft.is_published
    assert b not in draft.ordered_frameworks()


def test_resaving_a_published_comparison_does_not_clash_with_itself(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    comparison = ComparisonFactory(frameworks=[b, a])
    url = admin_url(Comparison, "change", comparison.pk)
    data = form_data(admin_client.get(url))
    data["summary"] = "Edited while published."

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert response["Location"] == admin_url(Comparison, "changelist")
    saved = Comparison.objects.with_frameworks().get()
    assert saved.is_published
    assert saved.summary == "Edited while published."
    assert saved.ordered_frameworks() == [b, a]
    assert saved.framework_key == framework_set_key([a, b])


def test_swapping_framework_order_saves(admin_client):
    a, b, c = FrameworkFactory.create_batch(3)
    comparison = ComparisonFactory(frameworks=[a, b, c])
    url = admin_url(Comparison, "change", comparison.pk)
    data = form_data(admin_client.get(url))
    data["entries-0-position"], data["entries-1-position"] = "2", "1"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert Comparison.objects.with_frameworks().get().ordered_frameworks() == [b, a, c]


def test_swapping_frameworks_between_rows_saves(admin_client):
    a, b = FrameworkFactory.create_batch(2)
    comparison = ComparisonFactory(frameworks=[a, b])
    url = admin_url(Comparison, "change", comparison.pk)
    data = form_data(admin_client.get(url))
    data["entries-0-framework"], data["entries-1-framework"] = b.pk, a.pk

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert Comparison.objects.with_frameworks().get().ordered_frameworks() == [b, a]


def test_moving_a_framework_into_a_deleted_row_saves(admin_client):
    a, b, c = FrameworkFactory.create_batch(3)
    comparison = ComparisonFactory(frameworks=[a, b, c])
    url = admin_url(Comparison, "change", comparison.pk)
    data = form_data(admin_client.get(url))
    # Row 1 takes row 2's framework and row 2 is deleted: c, b.
    data["entries-0-framework"] = c.pk
    data["entries-2-DELETE"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    comparison = Comparison.objects.with_frameworks().get()
    assert comparison.ordered_frameworks() == [c, b]
    assert comparison.framework_key == framework_set_key([b, c])


def test_swapping_criteria_between_differences_saves(admin_client):
    first, second = CriterionFactory.create_batch(2)
    comparison = ComparisonFactory()
    DifferenceFactory(comparison=comparison, criterion=first, text="One.", position=1)
    DifferenceFactory(comparison=comparison, criterion=second, text="Two.", position=2)
    url = admin_url(Comparison, "change", comparison.pk)
    data = form_data(admin_client.get(url))
    data["differences-0-criterion"], data["differences-1-criterion"] = second.pk, first.pk

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert list(comparison.differences.values_list("criterion", "text")) == [
        (second.pk, "One."),
        (first.pk, "Two."),
    ]


def test_editing_and_deleting_differences(admin_client):
    comparison = ComparisonFactory()
    kept = DifferenceFactory(comparison=comparison, text="Old.", position=1)
    DifferenceFactory(comparison=comparison, position=2)
    url = admin_url(Comparison, "change", comparison.pk)
    data = form_data(admin_client.get(url))
    data["differences-0-text"] = "New."
    data["differences-1-DELETE"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert list(comparison.differences.values_list("criterion", "text")) == [
        (kept.criterion_id, "New.")
    ]


def test_adding_a_fifth_framework_is_refused(admin_client):
    frameworks = FrameworkFactory.create_batch(5)
    comparison = ComparisonFactory(frameworks=frameworks[:4])
    url = admin_url(Comparison, "change", comparison.pk)
    data = form_data(admin_client.get(url))
    add_rows(data, "entries", [{"position": 4, "framework": frameworks[4].pk}])

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert comparison.entries.count() == 4

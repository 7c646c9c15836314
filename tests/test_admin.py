"""The admin as a curator uses it: every page opens, and every rule the
database holds comes back as a form error (status 200), never as a 500."""

import datetime
import html
import itertools

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from comparison.models import Assessment, Comparison, ComparisonEntry, framework_set_key
from frameworks.models import (
    Category,
    Decision,
    Framework,
    PendingProCon,
    ProCon,
    Profile,
    SyncRecord,
    Vote,
)
from frameworks.services import recount_votes
from tests.factories import (
    AssessmentFactory,
    CategoryFactory,
    ComparisonFactory,
    CriterionFactory,
    DecisionFactory,
    DifferenceFactory,
    FrameworkFactory,
    ProConFactory,
    StatSnapshotFactory,
    UserFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def content(response):
    """The page text with HTML entities decoded (quotes come back as &quot;)."""
    return html.unescape(response.content.decode())


def form_data(response):
    """The POST data a browser would send back for an admin add/change page
    left as rendered: the main form, every inline formset's management form
    and its existing rows (extra, empty rows are left out)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        data[management.add_prefix("TOTAL_FORMS")] = formset.initial_form_count()
        forms.extend(formset.initial_forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, datetime.datetime):
                data[f"{key}_0"] = value.date().isoformat()
                data[f"{key}_1"] = value.time().isoformat(timespec="seconds")
            elif isinstance(value, datetime.date):
                data[key] = value.isoformat()
            elif hasattr(value, "name") and hasattr(value, "storage"):
                continue  # a FieldFile: an empty upload keeps the current file
            else:
                data[key] = str(value)
    return data


def add_rows(data, prefix, rows):
    """Append new inline rows to ``data`` under ``prefix`` ("procons", ...)."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{total + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = total + len(rows)
    return data


def inline_prefixes(response):
    return [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]


# -- every page opens ---------------------------------------------------------


_sequence = itertools.count()


def _axes_fields():
    return {
        "user_agent": "pytest",
        "ip_address": "127.0.0.1",
        "username": f"someone{next(_sequence)}",
        "http_accept": "text/html",
        "path_info": "/admin/login/",
    }


OBJECT_BUILDERS = {
    "auth.Group": lambda: Group.objects.create(name=f"Curators {next(_sequence)}"),
    "auth.User": lambda: UserFactory(),
    "axes.AccessAttempt": lambda: admin_model("axes.AccessAttempt").objects.create(
        **_axes_fields(), get_data="", post_data="", failures_since_start=1
    ),
    "axes.AccessLog": lambda: admin_model("axes.AccessLog").objects.create(**_axes_fields()),
    "axes.AccessFailureLog": lambda: admin_model("axes.AccessFailureLog").objects.create(
        **_axes_fields()
    ),
    "frameworks.Category": lambda: CategoryFactory(parent=CategoryFactory()),
    "frameworks.Framework": lambda: FrameworkFactory(github_stars=None),
    "frameworks.ProCon": lambda: ProConFactory(baseline_votes=3, votes_count=3),
    "frameworks.PendingProCon": lambda: ProConFactory(
        status=ProCon.Status.PENDING, submitted_by=UserFactory()
    ),
    "frameworks.Vote": lambda: VoteFactory(),
    "frameworks.Decision": lambda: DecisionFactory(frameworks=FrameworkFactory.create_batch(2)),
    "frameworks.StatSnapshot": lambda: StatSnapshotFactory(),
    "frameworks.SyncRecord": lambda: SyncRecord.objects.create(
        framework=FrameworkFactory(), last_failures="GitHub: a/b answered HTTP 500"
    ),
    "frameworks.Profile": lambda: Profile.objects.create(user=UserFactory(), headline="Engineer"),
    "comparison.Comparison": lambda: ComparisonFactory(),
    "comparison.Criterion": lambda: CriterionFactory(),
    "comparison.Assessment": lambda: AssessmentFactory(),
}

#: Models whose admin lets curators look but not add.
NO_ADD = {
    "frameworks.Vote",
    "frameworks.SyncRecord",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
}


def admin_model(label):
    return next(model for model in admin.site._registry if model._meta.label == label)


REGISTERED = sorted(model._meta.label for model in admin.site._registry)


def test_every_registered_model_has_a_builder():
    assert set(REGISTERED) == set(OBJECT_BUILDERS)


@pytest.mark.parametrize("label", REGISTERED)
def test_admin_pages_open_for_a_curator(admin_client, label):
    model = admin_model(label)
    obj = OBJECT_BUILDERS[label]()
    # A few more rows, so the changelist renders several (annotations, filters).
    OBJECT_BUILDERS[label]()

    changelist = admin_client.get(admin_url(model, "changelist"))
    add = admin_client.get(admin_url(model, "add"))
    change = admin_client.get(admin_url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert str(obj.pk) in changelist.content.decode()
    assert add.status_code == (403 if label in NO_ADD else 200)
    assert change.status_code == 200
    assert change.context["original"] == obj


def test_vote_admin_is_read_only(admin_client):
    vote = VoteFactory()

    assert admin_client.get(admin_url(Vote, "add")).status_code == 403
    response = admin_client.get(admin_url(Vote, "change", vote.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert admin_client.post(admin_url(Vote, "delete", vote.pk), {"post": "yes"}).status_code == 403
    assert Vote.objects.filter(pk=vote.pk).exists()


def test_admin_pages_open_with_the_demo_catalogue(admin_client, demo):
    django = Framework.objects.get(slug="django")
    comparison = Comparison.objects.get(slug="django-vs-flask")
    for url in [
        admin_url(Framework, "changelist"),
        admin_url(Framework, "change", django.pk),
        admin_url(ProCon, "changelist"),
        admin_url(Comparison, "changelist"),
        admin_url(Comparison, "change", comparison.pk),
        admin_url(Decision, "changelist"),
        admin_url(Assessment, "changelist"),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_inline_prefixes(admin_client):
    framework_page = admin_client.get(admin_url(Framework, "add"))
    comparison_page = admin_client.get(admin_url(Comparison, "add"))

    assert inline_prefixes(framework_page) == ["procons", "assessments"]
    assert inline_prefixes(comparison_page) == ["entries", "differences"]
    assert 'name="procons-TOTAL_FORMS"' in framework_page.content.decode()
    assert 'name="entries-TOTAL_FORMS"' in comparison_page.content.decode()


# -- frameworks and their pros/cons ---------------------------------------------


@pytest.fixture
def framework_add_data(admin_client):
    category = CategoryFactory()
    data = form_data(admin_client.get(admin_url(Framework, "add")))
    data.update(name="Django", slug="django", category=str(category.pk), is_published="on")
    return data


def test_framework_add_saves(admin_client, framework_add_data):
    add_rows(
        framework_add_data,
        "procons",
        [{"kind": "pro", "text": "Fast", "baseline_votes": 4, "status": "approved"}],
    )

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 302
    framework = Framework.objects.get(slug="django")
    procon = framework.procons.get()
    assert (procon.text, procon.baseline_votes, procon.votes_count) == ("Fast", 4, 4)
    # Statistics left empty are unknown, not zero.
    assert framework.github_stars is None


@pytest.mark.parametrize("slug", ["django-vs-flask", "vs-django", "django-vs"])
def test_framework_slug_with_separator_is_a_form_error(admin_client, framework_add_data, slug):
    framework_add_data["slug"] = slug

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 200
    assert 'The slug may not contain "-vs-"' in content(response)
    assert not Framework.objects.exists()


def test_framework_slug_change_to_separator_is_a_form_error(admin_client):
    framework = FrameworkFactory(slug="django")
    url = admin_url(Framework, "change", framework.pk)
    data = form_data(admin_client.get(url))
    data["slug"] = "django-vs-flask"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert 'The slug may not contain "-vs-"' in content(response)
    framework.refresh_from_db()
    assert framework.slug == "django"


def test_duplicate_pros_in_one_submission_are_a_form_error(admin_client, framework_add_data):
    add_rows(
        framework_add_data,
        "procons",
        [
            {"kind": "pro", "text": "Fast", "baseline_votes": 0, "status": "approved"},
            {"kind": "pro", "text": " fast", "baseline_votes": 0, "status": "approved"},
        ],
    )

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 200
    assert 'Duplicate of "Fast"' in content(response)
    assert not Framework.objects.exists()
    assert not ProCon.objects.exists()


def test_same_text_as_pro_and_con_is_fine(admin_client, framework_add_data):
    add_rows(
        framework_add_data,
        "procons",
        [
            {"kind": "pro", "text": "Fast", "baseline_votes": 0, "status": "approved"},
            {"kind": "con", "text": "fast", "baseline_votes": 0, "status": "approved"},
        ],
    )

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 302
    assert ProCon.objects.count() == 2


def test_new_inline_pro_duplicating_an_existing_one_is_a_form_error(admin_client):
    existing = ProConFactory(text="Fast", kind=ProCon.Kind.PRO)
    url = admin_url(Framework, "change", existing.framework.pk)
    data = form_data(admin_client.get(url))
    add_rows(
        data,
        "procons",
        [{"kind": "pro", "text": "FAST", "baseline_votes": 0, "status": "approved"}],
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert 'Duplicate of "Fast"' in content(response)
    assert list(ProCon.objects.values_list("text", flat=True)) == ["Fast"]


def test_pro_duplicating_an_existing_one_is_a_form_error_in_procon_admin(admin_client):
    existing = ProConFactory(text="Fast", kind=ProCon.Kind.PRO)
    data = form_data(admin_client.get(admin_url(ProCon, "add")))
    data.update(framework=existing.framework.pk, kind="pro", text="fAST", baseline_votes=0)
    data["status"] = ProCon.Status.APPROVED

    response = admin_client.post(admin_url(ProCon, "add"), data)

    assert response.status_code == 200
    assert "This framework already has this pro/con." in content(response)
    assert ProCon.objects.count() == 1


def test_two_assessments_on_one_criterion_are_a_form_error(admin_client):
    existing = AssessmentFactory()
    url = admin_url(Framework, "change", existing.framework.pk)
    data = form_data(admin_client.get(url))
    add_rows(data, "assessments", [{"criterion": existing.criterion.pk, "summary": "Twice."}])

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for criterion." in content(response)
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
    assert "Please correct the duplicate data for criterion." in content(response)
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


# -- vote counts stay exact ------------------------------------------------------


@pytest.fixture
def voted_procon():
    """A pro/con with baseline 10 and two member votes (votes_count 12)."""
    procon = ProConFactory(baseline_votes=10, votes_count=10)
    VoteFactory.create_batch(2, procon=procon)
    recount_votes(ProCon.objects.filter(pk=procon.pk))
    procon.refresh_from_db()
    assert procon.votes_count == 12
    return procon


@pytest.mark.parametrize("baseline", [20, 0])
def test_baseline_edit_in_procon_admin_keeps_count_exact(admin_client, voted_procon, baseline):
    url = admin_url(ProCon, "change", voted_procon.pk)
    data = form_data(admin_client.get(url))
    assert data["baseline_votes"] == "10"
    data["baseline_votes"] = baseline

    response = admin_client.post(url, data)

    assert response.status_code == 302
    voted_procon.refresh_from_db()
    assert voted_procon.baseline_votes == baseline
    assert voted_procon.votes_count == baseline + 2 == baseline + voted_procon.votes.count()


def test_baseline_edit_in_framework_inline_keeps_count_exact(admin_client, voted_procon):
    url = admin_url(Framework, "change", voted_procon.framework.pk)
    data = form_data(admin_client.get(url))
    assert data["procons-0-id"] == str(voted_procon.pk)
    data["procons-0-baseline_votes"] = 3

    response = admin_client.post(url, data)

    assert response.status_code == 302
    voted_procon.refresh_from_db()
    assert (voted_procon.baseline_votes, voted_procon.votes_count) == (3, 5)


def test_saving_a_framework_untouched_keeps_counts(admin_client, voted_procon):
    url = admin_url(Framework, "change", voted_procon.framework.pk)

    response = admin_client.post(url, form_data(admin_client.get(url)))

    assert response.status_code == 302
    voted_procon.refresh_from_db()
    assert voted_procon.votes_count == 12


# -- moderation ---------------------------------------------------------------------


def run_action(client, model, action, objects):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
    )


def test_pending_queue_lists_only_pending(admin_client):
    pending = ProConFactory(status=ProCon.Status.PENDING, text="Waiting")
    ProConFactory(text="Listed")

    response = admin_client.get(admin_url(PendingProCon, "changelist"))

    assert list(response.context["cl"].result_list) == [pending]


def test_approve_publishes_a_new_suggestion_with_no_votes(admin_client):
    suggestion = ProConFactory(status=ProCon.Status.PENDING, submitted_by=UserFactory())

    response = run_action(admin_client, PendingProCon, "approve", [suggestion])

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == ProCon.Status.APPROVED
    assert suggestion.votes_count == 0
    assert ProCon.objects.approved().filter(pk=suggestion.pk).exists()


def test_approve_counts_baseline_and_member_votes(admin_client):
    pending = ProConFactory(status=ProCon.Status.PENDING, baseline_votes=3, votes_count=3)
    VoteFactory(procon=pending)  # counter left stale on purpose
    other = ProConFactory(status=ProCon.Status.PENDING)

    run_action(admin_client, ProCon, "approve", [pending])

    pending.refresh_from_db()
    other.refresh_from_db()
    assert (pending.status, pending.votes_count) == (ProCon.Status.APPROVED, 4)
    assert other.status == ProCon.Status.PENDING


@pytest.mark.parametrize("model", [PendingProCon, ProCon])
def test_reject_sets_rejected(admin_client, model):
    suggestion = ProConFactory(status=ProCon.Status.PENDING)

    response = run_action(admin_client, model, "reject", [suggestion])

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == ProCon.Status.REJECTED
    assert not admin_client.get(admin_url(PendingProCon, "changelist")).context["cl"].result_list


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
    comparison = ComparisonFactory()
    url = admin_url(Comparison, "change", comparison.pk)

    response = admin_client.post(url, form_data(admin_client.get(url)))

    assert response.status_code == 302


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


# -- decisions ------------------------------------------------------------------------


def decision_data(client, frameworks):
    data = form_data(client.get(admin_url(Decision, "add")))
    data.update(
        author=UserFactory().pk,
        kind=Decision.Kind.NEEDS_ADVICE,
        body="Which one?",
        frameworks=[f.pk for f in frameworks],
        created_0="2024-05-01",
        created_1="10:00:00",
    )
    return data


def test_decision_with_five_frameworks_is_a_form_error(admin_client):
    data = decision_data(admin_client, FrameworkFactory.create_batch(5))

    response = admin_client.post(admin_url(Decision, "add"), data)

    assert response.status_code == 200
    assert "Choose 1 to 4 frameworks." in content(response)
    assert not Decision.objects.exists()


def test_decision_with_four_frameworks_saves(admin_client):
    frameworks = FrameworkFactory.create_batch(4)

    response = admin_client.post(
        admin_url(Decision, "add"), decision_data(admin_client, frameworks)
    )

    assert response.status_code == 302
    assert set(Decision.objects.get().frameworks.all()) == set(frameworks)


def test_category_slug_in_admin_is_validated(admin_client):
    data = form_data(admin_client.get(admin_url(Category, "add")))
    data.update(name="Web", slug="web--frameworks")

    response = admin_client.post(admin_url(Category, "add"), data)

    assert response.status_code == 200
    assert "Use lowercase letters, digits and single hyphens." in content(response)
    assert not Category.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("github_repo", "https://github.com/django/django", "owner/name"),
        ("github_repo", "django", "owner/name"),
        ("github_repo", "django/django/extra", "owner/name"),
        ("github_repo", "-bad/name", "owner/name"),
        ("github_repo", "django/..", "owner/name"),
        ("pypi_project", "Django 5", "PyPI project name"),
        ("pypi_project", "-django", "PyPI project name"),
        ("npm_package", "Express", "npm package name"),
        ("npm_package", "@scope", "npm package name"),
        ("npm_package", "a b", "npm package name"),
    ],
)
def test_malformed_sources_are_form_errors(admin_client, framework_add_data, field, value, message):
    framework_add_data[field] = value

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 200
    assert message in content(response)
    assert not Framework.objects.exists()


def test_well_formed_sources_save(admin_client, framework_add_data):
    framework_add_data.update(
        github_repo="pallets/flask", pypi_project="Flask", npm_package="@nestjs/core"
    )

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 302
    framework = Framework.objects.get()
    assert (framework.github_repo, framework.pypi_project, framework.npm_package) == (
        "pallets/flask",
        "Flask",
        "@nestjs/core",
    )

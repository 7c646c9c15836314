""" "Revert to before this change" on the admin's history rows: a POST form
(with its CSRF token) on each row that changed the entry, a confirmation
page that lists what reverting sets back, and a POST that applies it as a
new history row with the curator and a reason. Only curators who may change
the entry see or use it; ids that are no ids, or a change of another entry,
are 404."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from frameworks.models import Framework, ProCon
from tests.admin_helpers import admin_url, table_rows
from tests.factories import FrameworkFactory, ProConFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def edit(obj, reason=None, **values):
    """Save ``values`` on a fresh copy of ``obj`` (one history row)."""
    fresh = type(obj).objects.get(pk=obj.pk)
    for name, value in values.items():
        setattr(fresh, name, value)
    if reason:
        fresh._change_reason = reason
    fresh.save()
    return fresh


def history_rows(client, obj):
    return table_rows(client.get(admin_url(type(obj), "history", obj.pk)), "change-history")


def revert_url(obj, row):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_revert_before", args=[obj.pk, row])


def row_of(obj, **values):
    """The history id of ``obj``'s row holding ``values``."""
    return obj.history.filter(**values).values_list("history_id", flat=True).get()


@pytest.fixture
def flask():
    framework = FrameworkFactory(name="Flask", slug="flask", tagline="Small core.")
    edit(framework, tagline="A microframework.")
    edit(framework, "Statistics sync", github_stars=70000)
    return Framework.objects.get(pk=framework.pk)


def test_each_row_that_changed_the_entry_has_a_post_form_with_a_csrf_token(admin_client, flask):
    page = admin_client.get(admin_url(Framework, "history", flask.pk))
    rows = table_rows(page, "change-history")

    undo = [row["Undo"] for row in rows]
    assert [cell["forms"] for cell in undo] == [
        [("post", revert_url(flask, row_of(flask, github_stars=70000)))],
        [
            (
                "post",
                revert_url(flask, row_of(flask, tagline="A microframework.", github_stars=None)),
            )
        ],
        [],  # the first version: nothing before it
    ]
    assert undo[2]["text"] == "first version"
    assert [cell["text"] for cell in undo[:2]] == ["Revert to before this change"] * 2
    forms = re.findall(
        r'<form method="post" action="[^"]+/revert-before/".*?</form>', page.content.decode(), re.S
    )
    assert len(forms) == 2
    assert all('name="csrfmiddlewaretoken"' in form for form in forms)


def test_the_rows_button_asks_first_and_changes_nothing(admin_client, flask):
    url = revert_url(flask, row_of(flask, tagline="A microframework.", github_stars=None))

    response = admin_client.post(url)  # the row's form: no "confirm"

    assert response.status_code == 200
    page = response.content.decode()
    assert "Revert to before the change of" in page
    assert table_rows(page, "revert-diff") == [
        {
            "Field": {"text": "Tagline", "forms": []},
            "Now": {"text": "A microframework.", "forms": []},
            "After the revert": {"text": "Small core.", "forms": []},
        },
        {
            "Field": {"text": "Github stars", "forms": []},
            "Now": {"text": "70000", "forms": []},
            "After the revert": {"text": "—", "forms": []},
        },
    ]
    assert 'name="confirm"' in page and 'name="csrfmiddlewaretoken"' in page
    assert "Later changes to the same fields are undone too." in page
    flask.refresh_from_db()
    assert (flask.tagline, flask.github_stars) == ("A microframework.", 70000)
    assert admin_client.get(url).status_code == 200  # the same page by its address


def test_confirming_reverts_and_records_who_and_why(admin_client, admin_user, flask):
    url = revert_url(flask, row_of(flask, github_stars=70000))
    rows_before = flask.history.count()

    response = admin_client.post(
        url, {"confirm": "yes", "reason": "The sync read the wrong repository."}, follow=True
    )

    assert response.redirect_chain[-1][0] == admin_url(Framework, "history", flask.pk)
    flask.refresh_from_db()
    assert (flask.tagline, flask.github_stars) == ("A microframework.", None)
    assert flask.history.count() == rows_before + 1
    latest = flask.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.history_change_reason == "The sync read the wrong repository."
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert re.fullmatch(r"“Flask” is back to how it was before the change of .+\.", messages[0])
    assert LogEntry.objects.filter(action_flag=CHANGE, object_id=str(flask.pk)).exists()
    # The new row is on the history page, and can be reverted in turn.
    first = history_rows(admin_client, flask)[0]
    assert first["Change reason"]["text"] == "The sync read the wrong repository."
    assert first["Undo"]["forms"]


def test_the_default_reason_names_the_change_and_an_empty_one_is_refused(admin_client, flask):
    url = revert_url(flask, row_of(flask, github_stars=70000))
    page = admin_client.get(url).content.decode()
    default = re.search(r'name="reason" value="([^"]*)"', page).group(1)
    assert re.fullmatch(r"Reverted the change of \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d", default)

    refused = admin_client.post(url, {"confirm": "yes", "reason": "  "})
    too_long = admin_client.post(url, {"confirm": "yes", "reason": "x" * 101})

    assert refused.status_code == too_long.status_code == 400
    assert "Say why the change is reverted" in refused.content.decode()
    assert "within 100 characters" in too_long.content.decode()
    flask.refresh_from_db()
    assert flask.github_stars == 70000


def test_the_first_version_has_nothing_before_it(admin_client, flask):
    url = revert_url(flask, row_of(flask, history_type="+"))

    page = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"confirm": "yes", "reason": "Undo."})

    assert "there is no earlier version to go back to" in page
    assert 'name="confirm"' not in page
    assert response.status_code == 200
    flask.refresh_from_db()
    assert flask.github_stars == 70000


def test_a_revert_the_database_would_refuse_is_a_form_error(admin_client, flask):
    renamed = edit(flask, slug="flask-renamed")
    FrameworkFactory(slug="flask")  # takes the old address
    url = revert_url(renamed, row_of(renamed, slug="flask-renamed"))

    response = admin_client.post(url, {"confirm": "yes", "reason": "Back to the old address."})

    assert response.status_code == 400
    errors = re.search(r'<ul class="errorlist">(.*?)</ul>', response.content.decode(), re.S)
    assert "already exists" in errors.group(1)
    renamed.refresh_from_db()
    assert renamed.slug == "flask-renamed"


def test_reverting_a_pro_or_con_keeps_its_count_exact(admin_client):
    item = ProConFactory(baseline_votes=5, votes_count=5)
    VoteFactory(procon=item)  # a member's vote: 6
    ProCon.objects.filter(pk=item.pk).update(votes_count=6)
    edit(item, baseline_votes=9, votes_count=10)
    url = revert_url(item, row_of(item, baseline_votes=9))

    admin_client.post(url, {"confirm": "yes", "reason": "The import doubled it."})

    item.refresh_from_db()
    assert (item.baseline_votes, item.votes_count) == (5, 6)


def test_the_pending_suggestions_list_sends_to_the_pro_or_con(admin_client):
    item = ProConFactory(status=ProCon.Status.PENDING)
    edit(item, text="Edited")
    row = row_of(item, text="Edited")
    url = reverse("admin:frameworks_pendingprocon_revert_before", args=[item.pk, row])

    assert admin_client.post(url).url == revert_url(item, row)


def staff_client(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="frameworks", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


def test_a_curator_who_may_only_view_sees_no_button_and_cannot_revert(flask):
    viewer = staff_client("view_framework")
    url = revert_url(flask, row_of(flask, github_stars=70000))

    rows = history_rows(viewer, flask)
    response = viewer.post(url, {"confirm": "yes", "reason": "Sneaky."})

    assert rows and all("Undo" not in row for row in rows)
    assert response.status_code == 403
    assert viewer.get(url).status_code == 403
    flask.refresh_from_db()
    assert flask.github_stars == 70000


def test_a_curator_who_may_change_can_revert(flask):
    editor = staff_client("view_framework", "change_framework")
    url = revert_url(flask, row_of(flask, github_stars=70000))

    response = editor.post(url, {"confirm": "yes", "reason": "Wrong figure."})

    assert response.status_code == 302
    flask.refresh_from_db()
    assert flask.github_stars is None


def test_the_revert_needs_the_csrf_token(admin_user, flask):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    url = revert_url(flask, row_of(flask, github_stars=70000))

    response = client.post(url, {"confirm": "yes", "reason": "No token."})

    assert response.status_code == 403
    flask.refresh_from_db()
    assert flask.github_stars == 70000


def test_ids_that_are_no_ids_or_of_another_entry_are_404(admin_client, flask):
    other = FrameworkFactory()
    edit(other, tagline="Other")
    mine = row_of(flask, github_stars=70000)
    theirs = row_of(other, tagline="Other")
    name = "admin:frameworks_framework_revert_before"
    for args in [
        ["abc", mine],
        [flask.pk, "abc"],
        [flask.pk, "99999999999999999999"],
        [999999, mine],
        [flask.pk, theirs],  # a change of another framework
        [flask.pk, 999999],
    ]:
        url = reverse(name, args=args)
        assert admin_client.get(url).status_code == 404, args
        assert admin_client.post(url, {"confirm": "yes", "reason": "x"}).status_code == 404, args
    flask.refresh_from_db()
    assert flask.github_stars == 70000

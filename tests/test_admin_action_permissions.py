"""Bulk actions in the admin change rows, so they need the change permission:
a staff account that may only view a list can neither see them offered nor
run them by posting the action (Django runs any listed action)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client

from comparison.suggestions import EditSuggestion
from frameworks.models import Decision, ProCon
from members.models import Comment
from tests.admin_helpers import admin_url
from tests.factories import DecisionFactory, ProConFactory, UserFactory
from tests.factories import stacks_suggestion as suggestion

pytestmark = pytest.mark.django_db


def comment():
    return Comment.objects.create(decision=DecisionFactory(), author=UserFactory(), body="Hi")


CASES = [
    ("approve_selected", suggestion, lambda s: s.status == EditSuggestion.Status.PENDING),
    ("hide", comment, lambda c: not c.is_hidden),
    (
        "approve",
        lambda: ProConFactory(status=ProCon.Status.PENDING),
        lambda p: p.status == "pending",
    ),
    (
        "publish",
        lambda: DecisionFactory(status=Decision.Status.PENDING),
        lambda d: d.status == Decision.Status.PENDING,
    ),
]


@pytest.mark.parametrize(("action", "make", "unchanged"), CASES, ids=[c[0] for c in CASES])
def test_view_only_staff_cannot_run_bulk_actions(action, make, unchanged):
    obj = make()
    model = type(obj)
    opts = model._meta
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(
            content_type__app_label=opts.app_label, codename=f"view_{opts.model_name}"
        )
    )
    client = Client()
    client.force_login(viewer)
    changelist = admin_url(model, "changelist")

    page = client.get(changelist)
    response = client.post(
        changelist, {"action": action, ACTION_CHECKBOX_NAME: [obj.pk], "index": 0}
    )

    assert page.status_code == 200
    assert f'value="{action}"' not in page.content.decode()
    assert response.status_code in (200, 302)
    obj.refresh_from_db()
    assert unchanged(obj)

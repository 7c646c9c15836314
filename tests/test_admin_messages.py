"""Every bulk action of the admin says what it did in correct English, with
one selected object and with two: "Approved 1 pro or con.", never "Approved
1 pros/cons."; and no sentence of the vote report ends in a time that ends in
a period ("1:10 p.m..")."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from frameworks.admin import discounted_message
from frameworks.models import Decision, ProCon
from members.models import Comment, CommentReport
from tests.admin_helpers import admin_url
from tests.factories import DecisionFactory, ProConFactory, UserFactory
from tests.factories import stacks_suggestion as suggestion

pytestmark = pytest.mark.django_db


def pending_procon():
    return ProConFactory(status=ProCon.Status.PENDING)


def pending_decision():
    return DecisionFactory(status=Decision.Status.PENDING)


def comment(**fields):
    return Comment.objects.create(
        decision=DecisionFactory(), author=UserFactory(), body="Hi", **fields
    )


def pending_comment():
    return comment(status=Comment.Status.PENDING)


def hidden_comment():
    return comment(is_hidden=True)


def reported_comment():
    reported = comment()
    CommentReport.objects.create(comment=reported, reporter=UserFactory(), reason="Spam")
    return reported


# (action, maker, message for one, message for two)
CASES = [
    ("approve", pending_procon, "Approved 1 pro or con.", "Approved 2 pros and cons."),
    ("reject", pending_procon, "Rejected 1 pro or con.", "Rejected 2 pros and cons."),
    ("publish", pending_decision, "Published 1 decision.", "Published 2 decisions."),
    ("reject", pending_decision, "Rejected 1 decision.", "Rejected 2 decisions."),
    ("publish", pending_comment, "Published 1 comment.", "Published 2 comments."),
    ("reject", pending_comment, "Rejected 1 comment.", "Rejected 2 comments."),
    ("hide", comment, "Hid 1 comment.", "Hid 2 comments."),
    ("show", hidden_comment, "Showed 1 comment again.", "Showed 2 comments again."),
    ("dismiss_reports", reported_comment, "Dismissed 1 report.", "Dismissed 2 reports."),
    ("approve_selected", suggestion, "Applied 1 suggestion.", "Applied 2 suggestions."),
]


def run_action(client, action, objects):
    """The messages the changelist shows after the action ran."""
    changelist = admin_url(type(objects[0]), "changelist")
    response = client.post(
        changelist,
        {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], "index": 0},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == changelist
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    ("action", "make", "one", "two"),
    CASES,
    ids=[f"{case[0]}-{case[1].__name__}" for case in CASES],
)
def test_each_action_counts_in_the_right_number(admin_client, action, make, one, two):
    assert run_action(admin_client, action, [make()]) == [one]
    assert run_action(admin_client, action, [make(), make()]) == [two]


def test_suggestions_not_applied_are_counted_in_the_right_number(admin_client):
    def conflicting():
        made = suggestion()
        made.framework.stacks = 11
        made.framework.save()
        return made

    assert run_action(admin_client, "approve_selected", [conflicting()])[1].startswith(
        "1 suggestion was not applied: its target changed"
    )
    assert run_action(admin_client, "approve_selected", [conflicting(), conflicting()])[
        1
    ].startswith("2 suggestions were not applied: their targets changed")


@pytest.mark.parametrize(
    ("votes", "accounts", "start"),
    [
        (
            1,
            1,
            "Discounted 1 vote of 1 account; the affected counts are recomputed and the "
            "account cannot vote",
        ),
        (
            3,
            2,
            "Discounted 3 votes of 2 accounts; the affected counts are recomputed and the "
            "accounts cannot vote",
        ),
    ],
)
def test_the_discount_message_counts_votes_and_accounts(votes, accounts, start):
    message = discounted_message(votes, accounts)
    assert message.startswith(start)
    assert message.endswith(" until a curator lifts the block.")


def test_no_sentence_of_the_vote_report_ends_in_a_doubled_period(admin_client):
    text = admin_client.get("/admin/frameworks/vote/report/").content.decode()
    assert not re.search(r"\.\.(\s|<|$)", text)

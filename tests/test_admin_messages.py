"""Every bulk action of the admin says what it did in correct English, with
one selected object and with two: "Approved 1 pro or con.", never "Approved
1 pros/cons."; and no sentence of the vote report ends in a time that ends in
a period ("1:10 p.m..")."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client

from frameworks.admin import discounted_message
from frameworks.models import Decision, ProCon
from members.models import Comment, CommentReport
from tests.admin_helpers import admin_url
from tests.factories import DecisionFactory, ProConFactory, UserFactory, VoteFactory
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

    # Nothing was applied: no "Applied 0 suggestions." before the reason.
    (message,) = run_action(admin_client, "approve_selected", [conflicting()])
    assert message.startswith("1 suggestion was not applied: its target changed")
    (message,) = run_action(admin_client, "approve_selected", [conflicting(), conflicting()])
    assert message.startswith("2 suggestions were not applied: their targets changed")


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


# (action, maker of an object the action leaves as it is, the message)
NOTHING_DONE = [
    ("publish", comment, "No comment was published: the selected ones were published already."),
    (
        "reject",
        lambda: comment(status=Comment.Status.REJECTED),
        "No comment was rejected: the selected ones were rejected already.",
    ),
    ("hide", hidden_comment, "No comment was hidden: the selected ones were hidden already."),
    ("show", comment, "No comment was shown again: the selected ones were shown already."),
    (
        "dismiss_reports",
        comment,
        "No report was dismissed: the selected comments had no open report.",
    ),
]


@pytest.mark.parametrize(
    ("action", "make", "message"), NOTHING_DONE, ids=[case[0] for case in NOTHING_DONE]
)
def test_an_action_that_changes_nothing_says_so_instead_of_counting_zero(
    admin_client, action, make, message
):
    assert run_action(admin_client, action, [make()]) == [message]


def test_the_vote_report_says_in_plain_words_what_a_curator_can_do(admin_client):
    report = "/admin/frameworks/vote/report/"
    assert (
        "Nothing was flagged: there is nothing to do." in admin_client.get(report).content.decode()
    )

    VoteFactory(user=UserFactory())  # an account that voted on the day it joined
    page = admin_client.get(report).content.decode()
    assert "If its votes look pushed, tick it, say why, and discount its votes" in page
    assert "The site's operators set these limits" in page

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_vote"))
    client = Client()
    client.force_login(viewer)
    page = client.get(report).content.decode()
    assert "Discounting its votes needs the permission to delete votes" in page
    assert 'name="account"' not in page
    assert not re.search(r"\b[A-Z]+(_[A-Z]+)+\b", page)  # no setting names

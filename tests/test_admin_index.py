"""The admin's index lists the work waiting for curators, each queue with
its count (in the right number) and a link to the list filtered to it; the
queues a curator may not open are left out, and with nothing waiting it
says so instead of listing zeros."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comparison.models import EditSuggestion
from frameworks.models import Decision, ProCon
from members.models import Comment, CommentReport
from tests.factories import DecisionFactory, ProConFactory, UserFactory
from tests.factories import stacks_suggestion as suggestion

pytestmark = pytest.mark.django_db


def pending_work(client):
    """``[(text, href)]`` of the index's "Waiting for review" module."""
    page = client.get("/admin/").content.decode()
    module = re.search(
        r'<div class="module pending-work" id="pending-work">(.*?)</div>', page, re.S
    )
    assert module, "the index has no pending-work module"
    return [
        (re.sub(r"\s+", " ", text).strip(), href)
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', module.group(1), re.S)
    ], module.group(1)


def comment(**fields):
    return Comment.objects.create(
        decision=DecisionFactory(), author=UserFactory(), body="Hi", **fields
    )


def fill_every_queue(n):
    for _ in range(n):
        suggestion()
        conflicting = suggestion()
        EditSuggestion.objects.filter(pk=conflicting.pk).update(
            status=EditSuggestion.Status.CONFLICT
        )
        ProConFactory(status=ProCon.Status.PENDING)
        DecisionFactory(status=Decision.Status.PENDING)
        comment(status=Comment.Status.PENDING)
        reported = comment()
        CommentReport.objects.create(comment=reported, reporter=UserFactory(), reason="Spam")
        # Not waiting: a resolved report, a published decision, an approved pro.
        CommentReport.objects.create(
            comment=comment(), reporter=UserFactory(), reason="Old", is_resolved=True
        )
        DecisionFactory()
        ProConFactory()


def test_with_nothing_waiting_the_index_says_so(admin_client):
    DecisionFactory()  # published: nothing to do
    links, module = pending_work(admin_client)

    assert links == []
    assert "Nothing is waiting for review." in module
    assert ">0 " not in module


def test_each_queue_is_counted_in_the_right_number_and_links_to_its_list(admin_client):
    fill_every_queue(1)
    links, _ = pending_work(admin_client)
    # In the order of the index's apps: catalogue, comparisons, members.
    assert links == [
        ("1 decision to publish or reject", "/admin/frameworks/decision/?status__exact=pending"),
        (
            "1 pro or con suggested by a member to approve or reject",
            "/admin/frameworks/pendingprocon/",
        ),
        ("1 suggested edit to review", "/admin/comparison/editsuggestion/?status__exact=pending"),
        (
            "1 suggested edit whose target changed since: apply it by hand or reject it",
            "/admin/comparison/editsuggestion/?status__exact=conflict",
        ),
        ("1 comment to publish or reject", "/admin/members/comment/?status__exact=pending"),
        ("1 reported comment to hide or keep", "/admin/members/comment/?reported=open"),
    ]

    fill_every_queue(1)
    texts = [text for text, _ in pending_work(admin_client)[0]]
    assert texts == [
        "2 decisions to publish or reject",
        "2 pros and cons suggested by members to approve or reject",
        "2 suggested edits to review",
        "2 suggested edits whose targets changed since: apply them by hand or reject them",
        "2 comments to publish or reject",
        "2 reported comments to hide or keep",
    ]


def test_each_link_opens_a_list_of_exactly_the_counted_rows(admin_client):
    fill_every_queue(2)
    for text, href in pending_work(admin_client)[0]:
        response = admin_client.get(href)
        assert response.status_code == 200, href  # a filter the list knows (no ?e=1)
        assert response.context["cl"].result_count == int(text.split()[0]), href


def test_a_curator_sees_only_the_queues_they_may_open():
    fill_every_queue(1)
    curator = UserFactory(is_staff=True)
    curator.user_permissions.add(
        Permission.objects.get(content_type__app_label="frameworks", codename="view_decision")
    )
    client = Client()
    client.force_login(curator)

    assert pending_work(client)[0] == [
        ("1 decision to publish or reject", "/admin/frameworks/decision/?status__exact=pending")
    ]


def test_the_index_counts_each_queue_in_one_query_whatever_the_work(admin_client):
    fill_every_queue(1)
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/")
    fill_every_queue(3)
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/admin/")

    assert len(many) == len(few)

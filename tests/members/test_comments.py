"""Comments on decisions: Markdown made inert, 15 minutes to edit, delete
any time, reports to the curators' queue where they hide (and keep)."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frameworks.models import Decision
from members import services
from members.models import Comment, CommentReport
from tests.factories import DecisionFactory, FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(db):
    return DecisionFactory(frameworks=[FrameworkFactory(slug="django", name="Django")])


def post(client, decision, body):
    return client.post(reverse("members:comment_create", args=[decision.pk]), {"body": body})


def count_of(decision):
    decision.refresh_from_db()
    return decision.comments_count


def established(**kwargs):
    """An account older than the review window (DECISION_REVIEW_HOURS)."""
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **kwargs)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_member_comments_with_markdown_made_inert(decision):
    member = established()
    member_client = logged_in(member)

    response = post(member_client, decision, "**Yes**, use it. <script>alert(1)</script>")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert comment.author == member
    body = Client().get(decision.get_absolute_url()).content.decode()
    assert "<strong>Yes</strong>" in body
    assert "<script>alert(1)" not in body
    assert count_of(decision) == 1


@pytest.mark.parametrize("body", ["", "   \u200b ", "x" * 2001])
def test_an_empty_or_over_long_comment_is_a_form_error(member_client, decision, body):
    response = post(member_client, decision, body)

    assert response.status_code == 400
    assert response.context["form"].errors["body"]
    assert not Comment.objects.exists()


def test_a_comment_on_a_missing_or_held_decision_is_404(member_client, decision):
    held = DecisionFactory(status=Decision.Status.PENDING)

    assert post(member_client, held, "Hi").status_code == 404
    response = member_client.post(reverse("members:comment_create", args=[999999]), {"body": "Hi"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, decision):
    response = post(client, decision, "Hi")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "Log in</a> to comment" in client.get(decision.get_absolute_url()).content.decode()


def test_comments_are_rate_limited(member_client, decision, settings):
    settings.COMMENT_RATE = "2/h"
    post(member_client, decision, "One")
    post(member_client, decision, "Two")

    assert post(member_client, decision, "Three").status_code == 429
    assert Comment.objects.count() == 2


def test_the_author_edits_within_15_minutes_only(member_client, member, decision):
    comment = services.post_comment(decision=decision, author=member, body="Frist")
    edit = reverse("members:comment_edit", args=[comment.pk])

    assert member_client.get(edit).status_code == 200
    assert member_client.post(edit, {"body": "First"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "First" and comment.edited is not None

    Comment.objects.filter(pk=comment.pk).update(created=timezone.now() - timedelta(minutes=16))
    assert member_client.post(edit, {"body": "Late"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "First"


def test_others_cannot_edit_or_delete(decision, member):
    comment = services.post_comment(decision=decision, author=member, body="Mine")
    other = Client()
    other.force_login(UserFactory(username="other"))

    assert (
        other.post(reverse("members:comment_edit", args=[comment.pk]), {"body": "x"}).status_code
        == 403
    )
    assert other.post(reverse("members:comment_delete", args=[comment.pk])).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_the_author_deletes_at_any_time(member_client, member, decision):
    comment = services.post_comment(decision=decision, author=member, body="Old")
    Comment.objects.filter(pk=comment.pk).update(created=timezone.now() - timedelta(days=30))

    response = member_client.post(reverse("members:comment_delete", args=[comment.pk]))

    assert response.status_code == 302
    assert not Comment.objects.exists()
    assert count_of(decision) == 0


def test_a_report_reaches_the_queue_and_a_curator_hides_the_comment(admin_client, member, decision):
    comment = services.post_comment(decision=decision, author=member, body="Spam spam")
    reporter = Client()
    reporter.force_login(UserFactory(username="reporter"))

    response = reporter.post(reverse("members:comment_report", args=[comment.pk]))
    reporter.post(reverse("members:comment_report", args=[comment.pk]))  # once per member

    assert response.status_code == 302
    assert CommentReport.objects.count() == 1
    queue = admin_client.get("/admin/members/comment/?reported=open")
    assert "Spam spam" in queue.content.decode()

    admin_client.post(
        "/admin/members/comment/",
        {"action": "hide", ACTION_CHECKBOX_NAME: [comment.pk]},
    )

    comment.refresh_from_db()
    assert comment.is_hidden  # kept, not deleted
    assert CommentReport.objects.get().is_resolved
    assert count_of(decision) == 0
    assert "Spam spam" not in Client().get(decision.get_absolute_url()).content.decode()
    edit = reverse("members:comment_edit", args=[comment.pk])
    owner = Client()
    owner.force_login(member)
    assert owner.post(edit, {"body": "x"}).status_code == 404


def test_a_member_cannot_report_their_own_comment(member_client, member, decision):
    comment = services.post_comment(decision=decision, author=member, body="Mine")

    response = member_client.post(
        reverse("members:comment_report", args=[comment.pk]), {"reason": "test"}
    )

    assert response.status_code == 400
    assert "You cannot report your own comment" in response.content.decode()
    assert not CommentReport.objects.exists()
    with pytest.raises(services.OwnComment):
        services.report_comment(comment=comment, reporter=member)
    assert not CommentReport.objects.exists()


def test_decision_cards_show_the_comment_count(client, member, decision):
    services.post_comment(decision=decision, author=member, body="One")
    services.post_comment(decision=decision, author=member, body="Two")

    body = client.get("/frameworks/django/").content.decode()

    assert "2 comments" in body


def test_comments_bump_the_pages_with_the_decision_card(
    page_cache, member, decision, django_capture_on_commit_callbacks
):
    reader = Client()
    assert reader.get("/frameworks/django/")["X-Cache"] == "miss"
    assert reader.get("/frameworks/django/")["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(decision=decision, author=member, body="New")

    response = reader.get("/frameworks/django/")
    assert response["X-Cache"] == "miss"
    assert "1 comment" in response.content.decode()


def test_deleting_a_member_recounts_their_comments(member, decision):
    services.post_comment(decision=decision, author=member, body="Bye")

    member.delete()

    assert count_of(decision) == 0


def test_leaving_with_kept_posts_keeps_comments_under_deleted_member(member, decision):
    services.post_comment(decision=decision, author=member, body="Stays")

    services.delete_member(member, keep_posts=True)

    comment = Comment.objects.get()
    assert comment.author.get_full_name() == "Deleted member"
    assert count_of(decision) == 1


@pytest.mark.parametrize("comments", [1, 6])
def test_decision_page_queries_do_not_grow_with_comments(
    member, decision, comments, django_assert_max_num_queries
):
    for n in range(comments):
        services.post_comment(decision=decision, author=UserFactory(username=f"c{n}"), body="x")

    with django_assert_max_num_queries(4):
        assert Client().get(decision.get_absolute_url()).status_code == 200


def test_comment_edits_are_rate_limited(member_client, member, decision, settings):
    settings.COMMENT_RATE = "2/h"
    comment = services.post_comment(decision=decision, author=member, body="First")
    url = reverse("members:comment_edit", args=[comment.pk])
    codes = [member_client.post(url, {"body": f"Version {n}"}).status_code for n in range(3)]

    assert codes == [302, 302, 429]
    comment.refresh_from_db()
    assert comment.body == "Version 1"


def test_deleting_a_comment_twice_moves_the_count_once(member, decision):
    first = services.post_comment(decision=decision, author=member, body="a")
    services.post_comment(decision=decision, author=member, body="b")
    stale = Comment.objects.get(pk=first.pk)  # what a second request read

    services.delete_comment(first)
    services.delete_comment(stale)

    assert count_of(decision) == 1 == decision.comments.visible().count()


def test_a_delete_racing_a_curators_hide_keeps_the_count(member, decision):
    first = services.post_comment(decision=decision, author=member, body="a")
    services.post_comment(decision=decision, author=member, body="b")
    stale = Comment.objects.get(pk=first.pk)  # read before the curator hid it

    services.set_comments_hidden(Comment.objects.filter(pk=first.pk), True)
    services.delete_comment(stale)

    assert count_of(decision) == 1 == decision.comments.visible().count()
    assert not Comment.objects.filter(pk=first.pk).exists()


# --- Comments of new accounts wait for a curator, as their decisions do ---------

HELD_NOTICE = "checked by a curator before anyone else can see them"


def comments_on_page(client, decision):
    return client.get(decision.get_absolute_url()).content.decode()


def test_a_brand_new_members_comment_waits_for_review(decision):
    author = UserFactory()
    client = logged_in(author)

    response = post(client, decision, "Buy cheap watches")

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert response.status_code == 302
    assert count_of(decision) == 0
    for reader in (Client(), logged_in(established()), logged_in(UserFactory())):
        assert "Buy cheap watches" not in comments_on_page(reader, decision)
    assert "0 comments" in Client().get("/frameworks/django/").content.decode()
    # Its author sees it, marked, with one notice (no second one in the messages).
    page = client.get(response["Location"]).content.decode()
    assert "Buy cheap watches" in page
    assert "Pending review" in page
    assert page.count(HELD_NOTICE) == 1
    assert "Your comment is posted" not in page
    # Another comment waiting: still one notice.
    post(client, decision, "And cheap bags")
    assert comments_on_page(client, decision).count(HELD_NOTICE) == 1


@pytest.mark.parametrize(
    "author",
    [
        pytest.param(lambda decision: established(), id="older-than-the-review-window"),
        pytest.param(lambda decision: UserFactory(is_staff=True), id="curator"),
        pytest.param(
            lambda decision: (
                services.post_comment(
                    decision=decision, author=UserFactory(), body="Published before"
                ).author
            ),
            id="new-with-a-published-comment",
        ),
        pytest.param(
            lambda decision: DecisionFactory(author=UserFactory()).author,
            id="new-with-a-published-decision",
        ),
    ],
)
def test_established_members_comment_directly(decision, author):
    client = logged_in(author(decision))

    response = post(client, decision, "Published at once")

    assert Comment.objects.get(body="Published at once").status == Comment.Status.APPROVED
    assert "Published at once" in comments_on_page(Client(), decision)
    page = client.get(response["Location"]).content.decode()
    assert "Your comment is posted" in page
    assert HELD_NOTICE not in page


@pytest.mark.parametrize("rejected", ["comment", "decision"])
def test_a_member_with_a_rejected_post_is_held_again(decision, rejected):
    author = established()
    if rejected == "comment":
        services.post_comment(
            decision=decision, author=author, body="Spam", status=Comment.Status.REJECTED
        )
    else:
        DecisionFactory(author=author, status=Decision.Status.REJECTED)

    post(logged_in(author), decision, "More spam")

    assert Comment.objects.get(body="More spam").status == Comment.Status.PENDING


def test_the_review_window_is_the_decisions_one(decision, settings):
    settings.DECISION_REVIEW_HOURS = 0

    post(logged_in(UserFactory()), decision, "Hello")

    assert Comment.objects.get().status == Comment.Status.APPROVED


def test_held_comments_still_count_towards_the_rate_limit(decision, settings):
    settings.COMMENT_RATE = "2/h"
    client = logged_in(UserFactory())
    post(client, decision, "One")
    post(client, decision, "Two")

    assert post(client, decision, "Three").status_code == 429
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 2


def test_a_held_comment_is_out_of_reach_of_others(decision):
    author = UserFactory()
    comment = services.post_comment(
        decision=decision, author=author, body="Held", status=Comment.Status.PENDING
    )
    other = logged_in(established())

    for action in ("comment_edit", "comment_report", "comment_delete"):
        assert other.post(reverse(f"members:{action}", args=[comment.pk])).status_code == 404
    assert not CommentReport.objects.exists()
    # Its author may still fix or delete it.
    owner = logged_in(author)
    edit = reverse("members:comment_edit", args=[comment.pk])
    assert owner.post(edit, {"body": "Held, fixed"}).status_code == 302
    assert owner.post(reverse("members:comment_delete", args=[comment.pk])).status_code == 302
    assert not Comment.objects.exists()
    assert count_of(decision) == 0


def test_curator_publishes_a_held_comment_from_the_admin(
    admin_client, decision, page_cache, django_capture_on_commit_callbacks
):
    held = services.post_comment(
        decision=decision, author=UserFactory(), body="Worth a read", status=Comment.Status.PENDING
    )
    reader = Client()
    assert "Worth a read" not in reader.get(decision.get_absolute_url()).content.decode()
    assert reader.get(decision.get_absolute_url())["X-Cache"] == "hit"
    queue = admin_client.get("/admin/members/comment/?status__exact=pending")
    assert "Worth a read" in queue.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/members/comment/", {"action": "publish", ACTION_CHECKBOX_NAME: [held.pk]}
        )

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Comment.Status.APPROVED
    assert count_of(decision) == 1
    page = reader.get(decision.get_absolute_url())
    assert page["X-Cache"] == "miss"
    assert "Worth a read" in page.content.decode()


def test_curator_rejects_a_held_comment_from_the_admin(admin_client, decision):
    author = UserFactory()
    held = services.post_comment(
        decision=decision, author=author, body="Spam spam", status=Comment.Status.PENDING
    )

    admin_client.post(
        "/admin/members/comment/", {"action": "reject", ACTION_CHECKBOX_NAME: [held.pk]}
    )

    held.refresh_from_db()
    assert held.status == Comment.Status.REJECTED  # kept, shown to nobody
    assert count_of(decision) == 0
    assert "Spam spam" not in comments_on_page(logged_in(author), decision)
    assert "Spam spam" not in comments_on_page(Client(), decision)

"""Members: what an account shows beside the catalogue.

Moved out of ``frameworks`` (migrations ``frameworks.0009`` and
``members.0001``): the rows and the table stay, only the app that owns them
changes.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from frameworks.models import Decision

#: Username of the account that keeps the posts of members who deleted their
#: account and chose to leave them up. Nobody can sign up with it.
DELETED_MEMBER_USERNAME = "deleted-member"


class Profile(models.Model):
    """What a member shows next to their posts (e.g. "Engineer at Ripio")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    headline = models.CharField(max_length=120, blank=True)
    is_demo = models.BooleanField(
        "demo author",
        default=False,
        help_text="A sample author made by load_demo (no password, cannot log in). "
        "Demo content is only ever attached to such an account.",
    )
    hide_stack = models.BooleanField(
        "hide my stack",
        default=False,
        help_text="Leave me out of the lists of members who use a framework.",
    )

    class Meta:
        ordering = ["user"]

    def __str__(self):
        return f"Profile of {self.user}"


class Follow(models.Model):
    """A member follows a framework (news of it in their home feed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    framework = models.ForeignKey(
        "frameworks.Framework", on_delete=models.CASCADE, related_name="follows"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "framework"],
                name="follow_once_per_member",
                violation_error_message="This member follows this framework already.",
            )
        ]

    def __str__(self):
        return f"{self.user} follows {self.framework}"


class StackEntry(models.Model):
    """A framework in a member's stack, with an optional one-line note."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stack_entries"
    )
    framework = models.ForeignKey(
        "frameworks.Framework", on_delete=models.CASCADE, related_name="stack_entries"
    )
    note = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "stack entries"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "framework"],
                name="stack_entry_once_per_member",
                violation_error_message="This framework is in this member's stack already.",
            )
        ]
        indexes = [models.Index(fields=["framework", "-created"], name="stack_entry_recent")]

    def __str__(self):
        return f"{self.framework} in {self.user}'s stack"


#: Minutes during which an author may edit their comment.
COMMENT_EDIT_MINUTES = 15
COMMENT_MAX_LENGTH = 2000


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """Published and not hidden: what every reader sees and counts."""
        return self.filter(is_hidden=False, status=Comment.Status.APPROVED)

    def visible_to(self, user):
        """The visible ones, plus a member's own comments held for review."""
        if not user.is_authenticated:
            return self.visible()
        return self.filter(
            models.Q(status=Comment.Status.APPROVED)
            | models.Q(status=Comment.Status.PENDING, author=user),
            is_hidden=False,
        )


class Comment(models.Model):
    """A member's comment on a decision (Markdown, rendered like decisions).

    Held for review like decisions: a very new account's comment waits for a
    curator (``services.comment_needs_review``)."""

    Status = Decision.Status

    decision = models.ForeignKey(
        "frameworks.Decision", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    edited = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(
        "hidden",
        default=False,
        help_text="Hidden by a curator: kept, but shown to nobody but curators.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.APPROVED,
        help_text="Comments of very new accounts wait for a curator's approval.",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created"]
        indexes = [models.Index(fields=["decision", "created"], name="comment_by_decision")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(body=""),
                name="comment_body_not_empty",
                violation_error_message="Write a comment.",
            )
        ]

    def __str__(self):
        return f"Comment by {self.author} on {self.decision_id}"

    def get_absolute_url(self):
        return f"{self.decision.get_absolute_url()}#comment-{self.pk}"

    def editable_by(self, user, now=None):
        now = now or timezone.now()
        return (
            user.pk == self.author_id
            and not self.is_hidden
            and now - self.created <= timedelta(minutes=COMMENT_EDIT_MINUTES)
        )


class CommentReport(models.Model):
    """A member flags a comment for the curators' queue (admin)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_reports"
    )
    reason = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    is_resolved = models.BooleanField("resolved", default=False, db_index=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"],
                name="report_once_per_member",
                violation_error_message="This member has reported this comment already.",
            )
        ]

    def __str__(self):
        return f"Report by {self.reporter} on comment {self.comment_id}"

"""Writes that span several rows: follows and stacks with their counters,
deleting an account.

``QuerySet.update()`` and raw statements send no model signals, so every
function here bumps the cache tags it touches itself.
"""

import contextlib
import threading

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.cache import bump_on_commit
from frameworks import cache as catalogue_tags
from frameworks.models import Decision, Framework
from frameworks.services import counts_changed, decisions_shown_changed, held_for_review

from . import cache as tags
from .models import DELETED_MEMBER_USERNAME, Comment, CommentReport, Follow, StackEntry


def deleted_member():
    """The account that keeps the posts of members who left and chose to
    leave them up: inactive, no usable password, shown as "Deleted member"."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DELETED_MEMBER_USERNAME,
        defaults={"first_name": "Deleted", "last_name": "member", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def delete_member(user, *, keep_posts):
    """Delete the account. Votes go with it and every pro/con they counted
    is recounted (``frameworks`` receivers on the user's deletion). Their
    decisions are handed to ``deleted_member()`` when ``keep_posts``,
    otherwise deleted with the account (each bumps the pages that list it)."""
    with transaction.atomic():
        if keep_posts:
            decisions = Decision.objects.filter(author=user)
            framework_ids = set(
                Decision.frameworks.through.objects.filter(decision__author=user).values_list(
                    "framework_id", flat=True
                )
            )
            placeholder = deleted_member()
            # Their name leaves every card and comment that showed it.
            moved = Comment.objects.filter(author=user).update(author=placeholder)
            if decisions.update(author=placeholder) or moved:
                bump_on_commit(
                    tags.MEMBERS,
                    tags.member_page(placeholder.pk),
                    *(catalogue_tags.decisions(pk) for pk in framework_ids),
                )
        bump_on_commit(tags.member_page(user.pk))
        user.delete()


# --- Follows and stacks ---------------------------------------------------------
#
# Built like votes (frameworks.services.toggle_vote): the member's row and the
# framework's counter change in one short transaction, and the counter moves
# only when a row was really inserted or deleted, so double clicks and
# parallel requests keep ``member_followers == Follow rows`` and
# ``member_stacks == StackEntry rows`` of each framework.

_sqlite_writer = threading.Lock()


def _one_writer():
    """SQLite has one writer at a time: queue on a lock in the process
    rather than on SQLite's busy handler (see frameworks.services)."""
    if connection.vendor == "sqlite":
        return _sqlite_writer
    return contextlib.nullcontext()


def published_framework_id(slug):
    return Framework.objects.published().filter(slug=slug).values_list("pk", flat=True).first()


def _insert(model, user_id, framework_id, **extra):
    """INSERT unless the pair exists (one statement; a parallel double click
    is absorbed by ON CONFLICT). True if a row was inserted."""
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ["user_id", "framework_id", "created", *extra]
    values = [user_id, framework_id, now, *extra.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
            f"VALUES ({', '.join(['%s'] * len(values))}) "
            "ON CONFLICT (user_id, framework_id) DO NOTHING",
            values,
        )
        return cursor.rowcount == 1


def _add_to_counter(framework_id, column, delta):
    """Move a counter and read it back in one statement."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Framework._meta.db_table)} SET {quote(column)} = {quote(column)} + %s "
            "WHERE id = %s RETURNING " + quote(column),
            [delta, framework_id],
        )
        return cursor.fetchone()[0]


def _counts_changed(framework_id):
    # Counts and who uses it show in the framework's holes
    # (frameworks.services.counts_changed).
    counts_changed.send(sender=Follow, framework_ids=[framework_id])


def toggle_follow(*, user, framework_id):
    """Follow the framework, or stop. Returns ``(member_followers, following)``."""
    with _one_writer(), transaction.atomic():
        deleted, _ = Follow.objects.filter(user=user, framework_id=framework_id).delete()
        if deleted:
            count, following = _add_to_counter(framework_id, "member_followers", -1), False
        elif _insert(Follow, user.pk, framework_id):
            count, following = _add_to_counter(framework_id, "member_followers", +1), True
        else:  # a parallel request of this member followed first; it counted (and bumps)
            count = Framework.objects.values_list("member_followers", flat=True).get(
                pk=framework_id
            )
            return count, True
        _counts_changed(framework_id)
        bump_on_commit(tags.member_page(user.pk))
    return count, following


def add_to_stack(*, user, framework_id, note=""):
    """Put the framework in the member's stack, or change its note.
    Returns ``(member_stacks, created)``."""
    with _one_writer(), transaction.atomic():
        created = _insert(StackEntry, user.pk, framework_id, note=note)
        if created:
            count = _add_to_counter(framework_id, "member_stacks", +1)
        else:
            changed = (
                StackEntry.objects.filter(user=user, framework_id=framework_id)
                .exclude(note=note)
                .update(note=note)
            )
            count = Framework.objects.values_list("member_stacks", flat=True).get(pk=framework_id)
            if not changed:  # the same note again: no page shows anything new
                return count, False
        _counts_changed(framework_id)
        bump_on_commit(tags.member_page(user.pk))
    return count, created


def remove_from_stack(*, user, framework_id):
    """Take the framework out of the member's stack. Returns
    ``(member_stacks, removed)``."""
    with _one_writer(), transaction.atomic():
        deleted, _ = StackEntry.objects.filter(user=user, framework_id=framework_id).delete()
        if not deleted:  # not in the stack: nothing changed
            count = Framework.objects.values_list("member_stacks", flat=True).get(pk=framework_id)
            return count, False
        count = _add_to_counter(framework_id, "member_stacks", -1)
        _counts_changed(framework_id)
        bump_on_commit(tags.member_page(user.pk))
    return count, True


def recount_member_counts(framework_ids):
    """Set both counters to their rows for these frameworks (after a
    member's deletion cascaded to their follows and stack entries)."""
    if not framework_ids:
        return 0

    def rows(model):
        return Coalesce(
            Subquery(
                model.objects.filter(framework=OuterRef("pk"))
                .order_by()
                .values("framework")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            Value(0),
        )

    updated = Framework.objects.filter(pk__in=framework_ids).update(
        member_followers=rows(Follow), member_stacks=rows(StackEntry)
    )
    counts_changed.send(sender=Follow, framework_ids=framework_ids)
    return updated


def remember_member_frameworks(sender, instance, **kwargs):
    """pre_delete of User: the frameworks the member follows or lists, and
    the decisions they commented on."""
    instance._commented_decision_ids = set(
        Comment.objects.filter(author=instance).values_list("decision_id", flat=True)
    )
    instance._member_framework_ids = set(
        Follow.objects.filter(user=instance).values_list("framework_id", flat=True)
    ) | set(StackEntry.objects.filter(user=instance).values_list("framework_id", flat=True))


def recount_after_member_deleted(sender, instance, **kwargs):
    """post_delete of User, in the same transaction, after the cascade."""
    recount_member_counts(getattr(instance, "_member_framework_ids", None))
    decision_ids = getattr(instance, "_commented_decision_ids", None)
    if decision_ids:
        recount_comments(decision_ids)


# --- Comments ---------------------------------------------------------------------
#
# Decision.comments_count is the number of visible comments, shown on every
# decision card: moved in the same transaction as the comment, and its
# decision's pages are bumped (the cards on framework and comparison pages).


def _comments_changed(decision_id, delta):
    if delta:
        Decision.objects.filter(pk=decision_id).update(comments_count=F("comments_count") + delta)
    decisions_shown_changed([decision_id])


def comment_needs_review(user):
    """Whether a new comment of ``user`` waits for a curator: the decisions'
    rule (``held_for_review``), with their comments and decisions as their
    record, so one published post of either kind is enough."""
    return held_for_review(user, Decision, Comment)


def post_comment(*, decision, author, body, status=Comment.Status.APPROVED):
    """Store a comment; one held for review (``status``) changes no page but
    its author's view of the decision, which is never cached."""
    with transaction.atomic():
        comment = Comment.objects.create(decision=decision, author=author, body=body, status=status)
        if status == Comment.Status.APPROVED:
            _comments_changed(decision.pk, +1)
        bump_on_commit(tags.member_page(author.pk))
    return comment


def edit_comment(comment, *, body):
    with transaction.atomic():
        comment.body = body
        comment.edited = timezone.now()
        comment.save(update_fields=["body", "edited"])
        # Only the decision's own page shows comment bodies (cards show counts).
        bump_on_commit(catalogue_tags.decision(comment.decision_id))
    return comment


def delete_comment(comment):
    """Delete the comment; the count moves by the visible comment this call
    really deleted, so a second delete of the same comment (a double click)
    or one racing a curator's hide cannot move it twice."""
    label = Comment._meta.label
    with transaction.atomic():
        _, deleted = Comment.objects.visible().filter(pk=comment.pk).delete()
        visible = deleted.get(label, 0)
        if not visible:
            _, deleted = Comment.objects.filter(pk=comment.pk).delete()
            if not deleted.get(label, 0):
                return  # gone already: nothing changed
        _comments_changed(comment.decision_id, -visible)
        bump_on_commit(tags.member_page(comment.author_id))


def set_comments_hidden(comments, hidden):
    """Curators hide (or show again) comments; hidden ones are kept. Open
    reports on them are resolved. Returns how many changed."""
    with transaction.atomic():
        changed = list(comments.exclude(is_hidden=hidden).values_list("pk", "decision_id"))
        Comment.objects.filter(pk__in=[pk for pk, _ in changed]).update(is_hidden=hidden)
        CommentReport.objects.filter(comment__in=[pk for pk, _ in changed]).update(is_resolved=True)
        for decision_id in {d for _, d in changed}:
            recount_comments([decision_id])
    return len(changed)


def set_comments_status(comments, status):
    """Curators publish or reject comments held for review (the admin's
    actions, as for decisions). Returns how many changed."""
    with transaction.atomic():
        changed = list(comments.exclude(status=status).values_list("pk", "decision_id"))
        Comment.objects.filter(pk__in=[pk for pk, _ in changed]).update(status=status)
        decision_ids = {decision_id for _, decision_id in changed}
        if decision_ids:
            recount_comments(decision_ids)
    return len(changed)


def recount_comments(decision_ids):
    visible = (
        Comment.objects.visible()
        .filter(decision=OuterRef("pk"))
        .order_by()
        .values("decision")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Decision.objects.filter(pk__in=decision_ids).update(
        comments_count=Coalesce(Subquery(visible), Value(0))
    )
    decisions_shown_changed(decision_ids)
    for decision_id in decision_ids:
        _comments_changed(decision_id, 0)


class OwnComment(ValueError):
    """A member reported their own comment (they can edit or delete it)."""


def report_comment(*, comment, reporter, reason=""):
    """True if reported now, False if this member had reported it already.
    OwnComment, and nothing stored, if the comment is the reporter's."""
    if comment.author_id == reporter.pk:
        raise OwnComment("You cannot report your own comment: edit or delete it instead.")
    _, created = CommentReport.objects.get_or_create(
        comment=comment, reporter=reporter, defaults={"reason": reason}
    )
    return created

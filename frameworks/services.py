"""Writes that touch several rows: votes and their counters, moderation.

``QuerySet.update()`` and raw statements send no model signals, so every
function here that changes what pages show bumps the cache tags itself
(``frameworks/cache.py``).
"""

import contextlib
import threading

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.cache import bump_on_commit

from . import cache as tags
from .models import ProCon, Vote


class VoteNotAllowed(Exception):
    """The item cannot be voted on (missing, pending or rejected)."""


# SQLite has one writer at a time. Threads that queue on SQLite's busy
# handler sleep in growing steps (up to 100 ms each), which made the vote's
# p99 two seconds under load; queueing on a lock in the process instead wakes
# the next writer the moment the previous one commits.
_sqlite_writer = threading.Lock()


def _one_writer():
    if connection.vendor == "sqlite":
        return _sqlite_writer
    return contextlib.nullcontext()


def _votable_framework_id(procon_id):
    return (
        ProCon.objects.approved()
        .filter(pk=procon_id, framework__is_published=True)
        .values_list("framework_id", flat=True)
        .first()
    )


def _insert_vote(user_id, procon_id):
    """Insert the vote unless this member already has it; True if inserted.

    One statement: a parallel double click is absorbed by ON CONFLICT instead
    of an IntegrityError and a savepoint round trip."""
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Vote._meta.db_table)} (user_id, procon_id, created) "
            "VALUES (%s, %s, %s) ON CONFLICT (user_id, procon_id) DO NOTHING",
            [user_id, procon_id, now],
        )
        return cursor.rowcount == 1


def _add_to_count(procon_id, delta):
    """Move the counter and read it back in one statement (UPDATE ... RETURNING)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(ProCon._meta.db_table)} SET votes_count = votes_count + %s "
            "WHERE id = %s RETURNING votes_count",
            [delta, procon_id],
        )
        return cursor.fetchone()[0]


def toggle_vote(*, user, procon_id):
    """Vote for a pro/con, or take the member's vote back.

    The Vote row and the counter change in one short transaction (two or
    three statements); the counter moves only when a row was really inserted
    or deleted, so double clicks and parallel requests keep
    ``votes_count == baseline_votes + Vote rows``. Checking that the item is
    votable happens before the write lock is taken. Returns
    ``(votes_count, voted)``.
    """
    framework_id = _votable_framework_id(procon_id)
    if framework_id is None:
        raise VoteNotAllowed(procon_id)
    with _one_writer(), transaction.atomic():
        # Vote has no delete receivers, so this is a single DELETE statement.
        deleted, _ = Vote.objects.filter(user=user, procon_id=procon_id).delete()
        if deleted:
            votes, voted = _add_to_count(procon_id, -1), False
        elif _insert_vote(user.pk, procon_id):
            votes, voted = _add_to_count(procon_id, +1), True
        else:  # a parallel request of this member voted first; it counted
            votes = ProCon.objects.values_list("votes_count", flat=True).get(pk=procon_id)
            voted = True
        bump_on_commit(tags.framework(framework_id), tags.CATALOGUE)
    return votes, voted


def recount_votes(procons):
    """Set ``votes_count`` to baseline plus Vote rows for the given pros/cons,
    and invalidate the pages of their frameworks."""
    member_votes = (
        Vote.objects.filter(procon=OuterRef("pk"))
        .order_by()
        .values("procon")
        .annotate(n=Count("pk"))
        .values("n")
    )
    framework_ids = set(procons.values_list("framework_id", flat=True))
    updated = procons.update(
        votes_count=F("baseline_votes") + Coalesce(Subquery(member_votes), Value(0))
    )
    bump_on_commit(tags.CATALOGUE, *(tags.framework(pk) for pk in framework_ids))
    return updated


def set_status(procons, status):
    """Approve, reject or re-queue pros/cons; counts stay exact."""
    with transaction.atomic():
        ids = list(procons.values_list("pk", flat=True))
        updated = ProCon.objects.filter(pk__in=ids).update(status=status)
        recount_votes(ProCon.objects.filter(pk__in=ids))
    return updated


def recount_after_member_deleted(sender, instance, **kwargs):
    """Deleting a member cascades to their Vote rows; recount what they voted
    on so that votes_count stays baseline + Vote rows (post_delete of User,
    run in the same transaction, after the cascade)."""
    ids = getattr(instance, "_voted_procon_ids", None)
    if ids:
        recount_votes(ProCon.objects.filter(pk__in=ids))


def remember_votes_of_member(sender, instance, **kwargs):
    """pre_delete of User: note which pros/cons the member voted on."""
    instance._voted_procon_ids = list(
        Vote.objects.filter(user=instance).values_list("procon_id", flat=True)
    )

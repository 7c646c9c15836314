"""Writes that touch several rows: votes and their counters, moderation.

``QuerySet.update()`` and raw statements send no model signals: counts
members change are announced with ``counts_changed``, and the other writes
here bump the cache tags they touch themselves (``frameworks/cache.py``).
"""

import contextlib
import hashlib
import logging
import re
import threading
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils import timezone

from core.cache import bump_on_commit
from core.history import record_bulk_change

from . import cache as tags
from . import vote_sql
from .models import AbuseMark, Decision, Framework, ProCon, Vote, votes_of

logger = logging.getLogger(__name__)


class VoteNotAllowed(Exception):
    """The item cannot be voted on (missing, pending or rejected)."""


class VotingBlocked(Exception):
    """A curator discounted the member's votes and blocks new ones
    (``AbuseMark.blocks_voting``, frameworks/moderation.py)."""


#: Sent when what members add to frameworks' counts changed (votes,
#: follows, stack entries), with ``framework_ids``; ``signals.py`` turns it
#: into the cache tags it touches. Writes here use statements that send no
#: model signal, so the domain event is explicit.
counts_changed = Signal()


class VoteResult(NamedTuple):
    votes: int  # the item's count after the toggle
    voted: bool  # whether the member now votes for it


# SQLite has one writer at a time. Threads that queue on SQLite's busy
# handler sleep in growing steps (up to 100 ms each), which made the vote's
# p99 two seconds under load; queueing on a lock in the process instead wakes
# the next writer the moment the previous one commits.
_sqlite_writer = threading.Lock()


def _one_writer():
    if connection.vendor == "sqlite":
        return _sqlite_writer
    return contextlib.nullcontext()


def toggle_vote(*, user, procon_id):
    """Vote for a pro/con, or take the member's vote back: a ``VoteResult``.

    The Vote row and the counters (the item's and its framework's) change
    in one short transaction; they move only when a row was really
    inserted or deleted, so double clicks and parallel requests keep
    ``votes_count == baseline_votes + Vote rows`` and the framework's
    ``votes_count`` the sum of its approved items' counts. Raises
    VoteNotAllowed for an item that cannot be voted on and VotingBlocked
    for a member a curator blocked. On PostgreSQL the
    whole toggle is one written-out statement (``vote_sql``; the bench shows
    it pays under contention); elsewhere it is ``toggle_vote_orm``, which
    the tests compare it against."""
    if connection.vendor == "postgresql":
        framework_id, blocked, votes, voted = vote_sql.toggle(user.pk, int(procon_id))
        if framework_id is None:
            raise VoteNotAllowed(procon_id)
        if blocked:
            raise VotingBlocked(user.pk)
        if votes is None:
            # A parallel request of this member inserted the vote first and
            # counted it; the statement's snapshot predates that commit.
            votes = ProCon.objects.values_list("votes_count", flat=True).get(pk=procon_id)
        else:
            counts_changed.send(sender=Vote, framework_ids=[framework_id])
        return VoteResult(votes, voted)
    return toggle_vote_orm(user=user, procon_id=procon_id)


def toggle_vote_orm(*, user, procon_id):
    """``toggle_vote`` with the ORM: a check, then the toggle in a
    transaction (under the process's writer lock on SQLite)."""
    target = (
        ProCon.objects.approved()
        .filter(pk=procon_id, framework__is_published=True)
        .annotate(blocked=Exists(AbuseMark.objects.blocking().filter(user=user)))
        .values_list("framework_id", "blocked")
        .first()
    )
    if target is None:
        raise VoteNotAllowed(procon_id)
    framework_id, blocked = target
    if blocked:
        raise VotingBlocked(user.pk)
    with _one_writer(), transaction.atomic():
        deleted, _ = Vote.objects.filter(user=user, procon_id=procon_id).delete()
        delta, voted = (-1, False) if deleted else (1, True)
        if not deleted:
            try:
                with transaction.atomic():
                    Vote.objects.create(user=user, procon_id=procon_id)
            except IntegrityError:
                delta = 0  # a parallel request of this member voted first; it counted
        if delta:
            ProCon.objects.filter(pk=procon_id).update(votes_count=F("votes_count") + delta)
            Framework.objects.filter(pk=framework_id).update(votes_count=F("votes_count") + delta)
        votes = ProCon.objects.values_list("votes_count", flat=True).get(pk=procon_id)
    if delta:  # after the writer's turn: its bump runs outside it
        counts_changed.send(sender=Vote, framework_ids=[framework_id])
    return VoteResult(votes, voted)


def recount_votes(procons):
    """Set ``votes_count`` to baseline plus Vote rows for the given pros/cons,
    recount their frameworks' ``votes_count`` and invalidate the pages of
    their frameworks."""
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
    recount_framework_votes(framework_ids)
    counts_changed.send(sender=Vote, framework_ids=framework_ids)
    return updated


def recount_framework_votes(framework_ids):
    """Set each framework's ``votes_count`` to the sum of its approved pros'
    and cons' counts: after a recount of its items, or a pro/con deleted,
    moved to another framework, approved, hidden or imported. The vote
    toggle moves it by one instead."""
    ids = sorted(framework_ids)
    for start in range(0, len(ids), 5000):
        chunk = Framework.objects.filter(pk__in=ids[start : start + 5000])
        with transaction.atomic():
            # Locked before the sum is read: a vote counted meanwhile on
            # another of its items waits, then adds its one to this sum
            # (votes lock the item, then the framework: the same order as
            # the recount of items before this).
            list(chunk.select_for_update().order_by("pk").values_list("pk", flat=True))
            chunk.update(votes_count=Coalesce(votes_of(OuterRef("pk")), 0))


def recount_after_procon_deleted(sender, instance, **kwargs):
    """post_delete of ProCon (the admin, a cascade): its votes leave its
    framework's sum, in the same transaction as the deletion."""
    recount_framework_votes([instance.framework_id])


def set_status(procons, status):
    """Approve, reject or re-queue pros/cons; counts stay exact, and each
    pro/con whose status changed gets a history row (by the signed-in
    curator, through the history middleware)."""
    with transaction.atomic():
        ids = list(procons.values_list("pk", flat=True))
        changed = list(
            ProCon.objects.filter(pk__in=ids).exclude(status=status).values_list("pk", flat=True)
        )
        updated = ProCon.objects.filter(pk__in=ids).update(status=status)
        recount_votes(ProCon.objects.filter(pk__in=ids))
        recorded = record_bulk_change(ProCon, ProCon.objects.filter(pk__in=changed))
        bump_on_commit(*{tags.history(p.framework_id) for p in recorded})
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


def decision_needs_review(user):
    """Whether a new decision of ``user`` waits for a curator (``held_for_review``)."""
    return held_for_review(user, Decision)


def held_for_review(user, *kinds):
    """The review rule of members' posts: hold the post of an account
    younger than ``DECISION_REVIEW_HOURS`` with nothing published yet, or of
    any account with a rejected post. Curators publish directly.

    ``kinds``: the models whose posts make the member's record, each with
    an ``author`` and a ``status`` of ``Decision.Status`` (the members app
    adds comments for comments). One query."""
    if user.is_staff:
        return False
    statuses = [
        kind.objects.filter(author=user).order_by().values_list("status", flat=True)
        for kind in kinds
    ]
    record = set(statuses[0].union(*statuses[1:]))
    if Decision.Status.REJECTED in record:
        return True
    if Decision.Status.APPROVED in record:
        return False
    return user.date_joined > timezone.now() - timedelta(hours=settings.DECISION_REVIEW_HOURS)


def set_decision_status(decisions, status):
    """Publish, hold or reject decisions from the admin's bulk actions."""
    with transaction.atomic():
        ids = list(decisions.values_list("pk", flat=True))
        updated = Decision.objects.filter(pk__in=ids).update(status=status)
        decisions_shown_changed(ids)
    return updated


def decisions_shown_changed(decision_ids):
    """Invalidate the pages showing these decisions (their own pages, their
    frameworks' pages and comparisons), after an ``update()`` that sends no
    signal, or a change to what their pages show (comments, counts)."""
    through = Decision.frameworks.through
    framework_ids = set(
        through.objects.filter(decision_id__in=decision_ids).values_list("framework_id", flat=True)
    )
    bump_on_commit(
        *(tags.decision(pk) for pk in decision_ids),
        *(tags.decisions(pk) for pk in framework_ids),
    )


# --- Decision views: counted in the cache, written in batches ----------------

#: Clients that are not a person reading: crawlers, link previews, monitors
#: and HTTP libraries (matched in the User-Agent, case-insensitively).
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|monitor|lighthouse|headless|curl|wget"
    r"|python-|httpx|aiohttp|go-http-client|java/|libwww|okhttp|scrapy|facebookexternalhit",
    re.IGNORECASE,
)
PENDING_VIEWS = "decision-views:pending:{}"  # views counted, not yet in the row
RECENT_FLUSH = "decision-views:flushed:{}"  # present while a flush is recent
SEEN_FROM = "decision-views:address:{}:{}"  # a client address saw it


def is_bot(user_agent):
    return bool(BOT_USER_AGENT.search(user_agent or ""))


def count_decision_view(decision_id, *, client_address):
    """Count one view of a decision in the cache; return whether it counted.

    Each ``client_address`` counts once per decision per
    ``DECISION_VIEWS_ADDRESS_WINDOW`` seconds, whatever cookie the client
    showed: a client may keep no cookie (curl, scripts) or replay one at
    will, but cannot choose its address (people behind one NAT count once
    per window, by choice). A request with no address counts as one more
    client. The view's cookie only spares this call for a reader who has
    seen the decision. The row is written only every
    ``DECISION_VIEWS_FLUSH_EVERY`` views, or by the first view more than
    ``DECISION_VIEWS_FLUSH_SECONDS`` after the last write (or after the
    first view), or by ``flush_decision_views`` (management command). A
    cache error never breaks the page: the view is not counted and a
    warning is logged (fail open)."""
    try:
        digest = hashlib.blake2b((client_address or "").encode(), digest_size=8).hexdigest()
        first = cache.add(
            SEEN_FROM.format(decision_id, digest),
            1,
            timeout=settings.DECISION_VIEWS_ADDRESS_WINDOW,
        )
        if not first:
            return False
        key = PENDING_VIEWS.format(decision_id)
        if cache.add(key, 0, timeout=None):
            # A decision's first counted view starts the clock instead of
            # writing: the row is written when the clock runs out.
            cache.add(
                RECENT_FLUSH.format(decision_id), 1, timeout=settings.DECISION_VIEWS_FLUSH_SECONDS
            )
        pending = cache.incr(key)
        due = pending >= settings.DECISION_VIEWS_FLUSH_EVERY or cache.add(
            RECENT_FLUSH.format(decision_id), 1, timeout=settings.DECISION_VIEWS_FLUSH_SECONDS
        )
        if due:
            flush_decision_views([decision_id])
    except Exception:
        logger.warning(
            "Decision %s: view not counted (cache unavailable)", decision_id, exc_info=True
        )
        return False
    return True


def flush_decision_views(decision_ids=None, *, batch=500):
    """Move the views counted in the cache into ``Decision.views_count``
    (all decisions when ``decision_ids`` is None); returns how many.

    The pending counter is decremented by what was read, never reset, so
    views counted meanwhile are kept for the next flush. The pages that show
    the decisions are invalidated once per flush, not once per view."""
    if decision_ids is None:
        decision_ids = Decision.objects.order_by("pk").values_list("pk", flat=True).iterator()
    moved, chunk = 0, []
    for pk in decision_ids:
        chunk.append(pk)
        if len(chunk) >= batch:
            moved += _flush_chunk(chunk)
            chunk = []
    if chunk:
        moved += _flush_chunk(chunk)
    return moved


def _flush_chunk(ids):
    keys = {PENDING_VIEWS.format(pk): pk for pk in ids}
    moved, written = 0, []
    for key, pending in cache.get_many(list(keys)).items():
        if not pending or pending <= 0:
            continue
        cache.decr(key, pending)
        try:
            Decision.objects.filter(pk=keys[key]).update(views_count=F("views_count") + pending)
        except Exception:
            cache.incr(key, pending)  # keep them for the next flush
            raise
        moved += pending
        written.append(keys[key])
    if written:
        decisions_shown_changed(written)
    return moved

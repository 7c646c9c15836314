"""Writes that touch several rows: votes and their counters, moderation.

``QuerySet.update()`` and raw statements send no model signals, so every
function here that changes what pages show bumps the cache tags itself
(``frameworks/cache.py``).
"""

import contextlib
import hashlib
import logging
import re
import threading
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core import rows
from core.cache import bump_live, bump_on_commit, write_clock
from core.history import record_bulk_change

from . import cache as tags
from .models import AbuseMark, Decision, Framework, ProCon, Vote, Watch
from .selectors import add_vote_figures

logger = logging.getLogger(__name__)


class VoteNotAllowed(Exception):
    """The item cannot be voted on (missing, pending or rejected)."""


class VotingBlocked(Exception):
    """A curator discounted the member's votes and blocks new ones
    (``AbuseMark.blocks_voting``, frameworks/moderation.py)."""


# SQLite has one writer at a time. Threads that queue on SQLite's busy
# handler sleep in growing steps (up to 100 ms each), which made the vote's
# p99 two seconds under load; queueing on a lock in the process instead wakes
# the next writer the moment the previous one commits.
_sqlite_writer = threading.Lock()


def _one_writer():
    if connection.vendor == "sqlite":
        return _sqlite_writer
    return contextlib.nullcontext()


# The vote's statements are written out: building them with the ORM cost
# about as much CPU as running them, on the path members hit most.


def _votable_framework_id(procon_id, user_id):
    """SQLite's check: ``(framework id, blocked)`` if the item is approved on a published
    framework, ``blocked`` telling whether the member may not vote; None if
    the item cannot be voted on. One statement for both checks."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.framework_id, EXISTS(SELECT 1 FROM {quote(AbuseMark._meta.db_table)} m "
            "WHERE m.user_id = %s AND m.blocks_voting) "
            f"FROM {quote(ProCon._meta.db_table)} p "
            f"JOIN {quote(Framework._meta.db_table)} f ON f.id = p.framework_id "
            "WHERE p.id = %s AND p.status = %s AND f.is_published",
            [user_id, procon_id, ProCon.Status.APPROVED],
        )
        return cursor.fetchone()


def _delete_vote(user_id, procon_id):
    """Delete the member's vote on the item; True if there was one."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(Vote._meta.db_table)} WHERE user_id = %s AND procon_id = %s",
            [user_id, procon_id],
        )
        return cursor.rowcount == 1


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


def _toggle_locked(user_id, procon_id):
    """SQLite: the check, then the toggle in a transaction under the
    process's writer lock; returns what ``_toggle_in_one_statement`` does,
    but the figures."""
    framework_id, blocked = _votable_framework_id(procon_id, user_id) or (None, False)
    if framework_id is None or blocked:
        return framework_id, blocked, None, False
    with _one_writer(), transaction.atomic():
        # A plain DELETE: Vote has no delete receivers nor rows depending on it.
        if _delete_vote(user_id, procon_id):
            return framework_id, False, _add_to_count(procon_id, -1), False
        if _insert_vote(user_id, procon_id):
            return framework_id, False, _add_to_count(procon_id, +1), True
        # A parallel request of this member voted first; it counted.
        votes = ProCon.objects.values_list("votes_count", flat=True).get(pk=procon_id)
        return framework_id, False, votes, True


def _toggle_in_one_statement(user_id, procon_id):
    """PostgreSQL: the check and the toggle as one statement, ``(framework
    id, blocked, votes_count, voted, figures)``; the framework id is None if
    the item cannot be voted on, and nothing is written then or if
    ``blocked``.

    A data-modifying ``WITH`` checks the item and the member (as
    ``_votable_framework_id``), deletes the member's vote, inserts it if
    there was none (ON CONFLICT absorbs a parallel double click) and moves
    the counter by what really changed, all in one implicit transaction:
    one round trip, no BEGIN and COMMIT, and the row locks are held only
    while the statement runs. SQLite has no data-modifying ``WITH``.

    The same statement reads the framework's approved pros and cons, so
    ``figures`` are its new ``vote_figures`` for the readers (``bump_live``)
    without a query of their own. The statement sees the rows as they were
    when it started, so the voted item's count is the one the ``UPDATE``
    returned. None when nothing was counted."""
    quote = connection.ops.quote_name
    votes, procons = quote(Vote._meta.db_table), quote(ProCon._meta.db_table)
    frameworks, marks = quote(Framework._meta.db_table), quote(AbuseMark._meta.db_table)
    with rows.cursor(connection) as cursor:
        cursor.execute(
            "WITH target AS (SELECT p.framework_id, EXISTS(SELECT 1 FROM "
            f"{marks} m WHERE m.user_id = %(user)s AND m.blocks_voting) AS blocked "
            f"FROM {procons} p JOIN {frameworks} f ON f.id = p.framework_id "
            "WHERE p.id = %(procon)s AND p.status = %(approved)s AND f.is_published), "
            "allowed AS (SELECT 1 FROM target WHERE NOT blocked), "
            f"deleted AS (DELETE FROM {votes} WHERE user_id = %(user)s "
            "AND procon_id = %(procon)s AND EXISTS (SELECT 1 FROM allowed) RETURNING 1), "
            f"inserted AS (INSERT INTO {votes} (user_id, procon_id, created) "
            "SELECT %(user)s, %(procon)s, %(now)s WHERE EXISTS (SELECT 1 FROM allowed) "
            "AND NOT EXISTS (SELECT 1 FROM deleted) "
            "ON CONFLICT (user_id, procon_id) DO NOTHING RETURNING 1), "
            f"counted AS (UPDATE {procons} SET votes_count = votes_count "
            "+ (SELECT count(*) FROM inserted) - (SELECT count(*) FROM deleted) "
            "WHERE id = %(procon)s AND EXISTS (SELECT 1 FROM deleted UNION ALL "
            "SELECT 1 FROM inserted) RETURNING votes_count) "
            "SELECT (SELECT framework_id FROM target), (SELECT blocked FROM target), "
            "(SELECT votes_count FROM counted), NOT EXISTS (SELECT 1 FROM deleted), "
            "(SELECT array_agg(ARRAY[id, votes_count, baseline_votes]) "
            f"FROM {procons} WHERE framework_id = (SELECT framework_id FROM target) "
            "AND status = %(approved)s AND EXISTS (SELECT 1 FROM counted))",
            {
                "user": user_id,
                "procon": procon_id,
                "approved": ProCon.Status.APPROVED,
                "now": timezone.now(),
            },
        )
        framework_id, blocked, votes, voted, listed = cursor.fetchone()
    figures = None
    if listed is not None:
        figures = {"total": 0}
        for pk, count, baseline in listed:
            add_vote_figures(figures, pk, votes if pk == int(procon_id) else count, baseline)
    elif framework_id is not None and not blocked:
        # A parallel request of this member inserted the vote first and
        # counted it; this statement's snapshot predates that commit, so
        # read the count afresh.
        votes = ProCon.objects.values_list("votes_count", flat=True).get(pk=procon_id)
    return framework_id, blocked, votes, voted, figures


def toggle_vote(*, user, procon_id, clock=None):
    """Vote for a pro/con, or take the member's vote back.

    The Vote row and the counter change in one short transaction (one
    statement on PostgreSQL, two or three on SQLite); the counter moves only
    when a row was really inserted or deleted, so double clicks and parallel requests keep
    ``votes_count == baseline_votes + Vote rows``. Checking that the item is
    votable is part of PostgreSQL's statement, and comes before SQLite's
    write lock. Returns ``(votes_count, voted)``.

    ``clock``: the write clock (core.cache.write_clock) when the caller has
    read it already, before this call (the vote view reads it with its
    rate limit's count, in one round trip); read here otherwise.
    """
    reading = None
    if connection.vendor == "postgresql":
        if clock is None:
            # Before the statement that reads the new figures (core.cache.bump_live).
            clock = write_clock()
        framework_id, blocked, votes, voted, figures = _toggle_in_one_statement(user.pk, procon_id)
        if figures is not None:
            reading = (clock, {str(framework_id): figures})
    else:
        framework_id, blocked, votes, voted = _toggle_locked(user.pk, procon_id)
    if framework_id is None:
        raise VoteNotAllowed(procon_id)
    if blocked:
        raise VotingBlocked(user.pk)
    # Live figures: no page records these tags (frameworks/cache.py). The
    # framework's new figures are stored in the same step, once, here, for
    # the readers; after the commit (at once outside a transaction).
    transaction.on_commit(
        lambda: bump_live(
            tags.LIVE_VOTES,
            [framework_id],
            tags.votes(framework_id),
            tags.VOTES,
            reading=reading,
        )
    )
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
    bump_on_commit(
        tags.CATALOGUE,
        tags.VOTES,
        *(tags.framework(pk) for pk in framework_ids),
        *(tags.votes(pk) for pk in framework_ids),
    )
    return updated


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


def toggle_watch(user, *, framework=None, framework_key=""):
    """Start or stop watching a framework's page (``framework``) or a
    comparison page (``framework_key``); returns whether the member now
    watches it. Starting counts the page as seen now."""
    target = {"framework": framework, "framework_key": framework_key}
    deleted, _ = Watch.objects.filter(user=user, **target).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Watch.objects.create(user=user, **target)
    except IntegrityError:
        pass  # a parallel request of the same member started it a moment ago
    return True


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
SEEN_FROM = "decision-views:address:{}:{}"  # a cookieless client's address saw it


def is_bot(user_agent):
    return bool(BOT_USER_AGENT.search(user_agent or ""))


def count_decision_view(decision_id, *, client_address=None):
    """Count one view of a decision in the cache; return whether it counted.

    ``client_address`` is given for a client that showed no cookie of ours:
    it may keep none (curl, scripts), so each address counts once per
    decision per ``DECISION_VIEWS_ADDRESS_WINDOW`` seconds. The row is
    written only every ``DECISION_VIEWS_FLUSH_EVERY`` views, or by the first
    view more than ``DECISION_VIEWS_FLUSH_SECONDS`` after the last write (or
    after the first view), or by ``flush_decision_views`` (management
    command). A cache error never breaks the page: the view is
    not counted and a warning is logged (fail open)."""
    try:
        if client_address is not None:
            digest = hashlib.blake2b(client_address.encode(), digest_size=8).hexdigest()
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

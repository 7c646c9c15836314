"""Writes that touch several rows: votes and their counters, moderation."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Decision, ProCon, Vote
from .signals import catalogue_changed


class VoteNotAllowed(Exception):
    """The item cannot be voted on (missing, pending or rejected)."""


def toggle_vote(*, user, procon_id):
    """Vote for a pro/con, or take the member's vote back.

    The Vote row and the counter change in one transaction; the counter moves
    only when a row was really inserted or deleted, so double clicks and
    parallel requests keep ``votes_count == baseline_votes + Vote rows``.
    Returns ``(votes_count, voted)``.
    """
    with transaction.atomic():
        votable = ProCon.objects.approved().filter(framework__is_published=True)
        if not votable.filter(pk=procon_id).exists():
            raise VoteNotAllowed(procon_id)
        deleted, _ = Vote.objects.filter(user=user, procon_id=procon_id).delete()
        if deleted:
            ProCon.objects.filter(pk=procon_id).update(votes_count=F("votes_count") - 1)
            voted = False
        else:
            try:
                with transaction.atomic():
                    Vote.objects.create(user=user, procon_id=procon_id)
            except IntegrityError:
                pass  # a parallel request of this member voted first; it counted
            else:
                ProCon.objects.filter(pk=procon_id).update(votes_count=F("votes_count") + 1)
            voted = True
        votes = ProCon.objects.values_list("votes_count", flat=True).get(pk=procon_id)
    return votes, voted


def recount_votes(procons):
    """Set ``votes_count`` to baseline plus Vote rows for the given pros/cons.

    Callers change what the pages show, so they also send ``catalogue_changed``
    (or save a model, which does it through post_save)."""
    member_votes = (
        Vote.objects.filter(procon=OuterRef("pk"))
        .order_by()
        .values("procon")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return procons.update(
        votes_count=F("baseline_votes") + Coalesce(Subquery(member_votes), Value(0))
    )


def set_status(procons, status):
    """Approve, reject or re-queue pros/cons; counts stay exact."""
    with transaction.atomic():
        ids = list(procons.values_list("pk", flat=True))
        updated = ProCon.objects.filter(pk__in=ids).update(status=status)
        recount_votes(ProCon.objects.filter(pk__in=ids))
        catalogue_changed.send(sender=ProCon)
    return updated


def recount_after_member_deleted(sender, instance, **kwargs):
    """Deleting a member cascades to their Vote rows; recount what they voted
    on so that votes_count stays baseline + Vote rows (post_delete of User,
    run in the same transaction, after the cascade)."""
    ids = getattr(instance, "_voted_procon_ids", None)
    if ids:
        recount_votes(ProCon.objects.filter(pk__in=ids))
        catalogue_changed.send(sender=ProCon)


def remember_votes_of_member(sender, instance, **kwargs):
    """pre_delete of User: note which pros/cons the member voted on."""
    instance._voted_procon_ids = list(
        Vote.objects.filter(user=instance).values_list("procon_id", flat=True)
    )


def decision_needs_review(user):
    """Hold the decisions of very new accounts for a curator: an account
    younger than ``DECISION_REVIEW_HOURS`` with no published decision yet,
    or any account with a rejected one. Curators publish directly."""
    if user.is_staff:
        return False
    record = set(Decision.objects.filter(author=user).values_list("status", flat=True))
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
        catalogue_changed.send(sender=Decision)
    return updated

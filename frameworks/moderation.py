"""Vote transparency for curators: where votes come from, the report that
flags suspicious voting, and discounting the votes of abusive accounts.

The report flags three patterns over the last ``VOTE_REPORT_DAYS`` days:

bursts
    ``VOTE_BURST_THRESHOLD`` or more votes on one pro/con within any hour (a
    sliding hour, so a burst across 10:59-11:01 counts too);
new accounts
    votes cast less than ``NEW_ACCOUNT_HOURS`` after the account was made;
shared addresses
    ``VOTE_SHARED_ADDRESS_ACCOUNTS`` or more accounts that voted from one
    address (``VoteOrigin``, written by the vote view).

Discounting marks the accounts (``AbuseMark``: curator, reason, time, how
many votes, which items), deletes their votes and sets every affected
counter to baseline + the votes that remain, in one transaction, with the
counters locked first so a vote cast meanwhile is neither lost nor counted
twice. A marked account cannot vote while its mark blocks voting.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from time import monotonic

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, OuterRef, Subquery
from django.utils import timezone

from .models import AbuseMark, ProCon, Vote, VoteOrigin
from .services import recount_votes

logger = logging.getLogger(__name__)

#: A vote this soon after the account was created is flagged.
NEW_ACCOUNT_HOURS = 24


#: While a member keeps voting from one address, its record is written
#: again at most this often: the report looks back hours, and a write per
#: vote (its own commit) was most of the vote's time on PostgreSQL.
ORIGIN_REFRESH_SECONDS = 600


def origin_marker(user_id, ip):
    """The cache key present while a member's address record is recent."""
    return f"vote-origin:{user_id}:{hashlib.blake2b(ip.encode(), digest_size=8).hexdigest()}"


#: Each process asks the cache whether a member's address record is recent
#: at most this often: a member who votes on several items in a row costs
#: one cache round trip, not one per vote (a fifth of the vote's throughput
#: under load). ``last_seen`` may then lag a member's latest vote by up to
#: ``ORIGIN_REFRESH_SECONDS`` plus this; a new address is recorded at once.
ORIGIN_RECHECK_SECONDS = 60

#: ``{(user id, address): monotonic time}`` until which this process does
#: not ask again.
_checked_origins = {}
_CHECKED_ORIGINS_MAX = 10_000


def record_vote_origin(user, ip, now=None):
    """Remember that ``user`` voted from ``ip`` (one upsert statement, at
    most once per ``ORIGIN_REFRESH_SECONDS`` per member and address; every
    time if the cache cannot be reached)."""
    if not ip:
        return
    checked, moment = (user.pk, ip), monotonic()
    if _checked_origins.get(checked, 0) > moment:
        return
    if len(_checked_origins) >= _CHECKED_ORIGINS_MAX:
        _checked_origins.clear()  # a minute's worth of members at most: cheap to rebuild
    try:
        recent = not cache.add(origin_marker(user.pk, ip), 1, ORIGIN_REFRESH_SECONDS)
        _checked_origins[checked] = moment + ORIGIN_RECHECK_SECONDS
        if recent:
            return
    except Exception:
        logger.warning("Vote origin of user %s written without the cache", user.pk)
    now = now or timezone.now()
    VoteOrigin.objects.bulk_create(
        [VoteOrigin(user=user, ip=ip, first_seen=now, last_seen=now)],
        update_conflicts=True,
        unique_fields=["user", "ip"],
        update_fields=["last_seen"],
    )


@dataclass
class Burst:
    procon: ProCon
    start: object
    end: object
    votes: int
    usernames: list = field(default_factory=list)


@dataclass
class NewAccount:
    username: str
    user_id: int
    joined: object
    votes: int


@dataclass
class SharedAddress:
    ip: str
    usernames: list
    user_ids: list

    @property
    def accounts(self):
        return list(zip(self.user_ids, self.usernames, strict=True))


@dataclass
class VoteReport:
    since: object
    bursts: list
    new_accounts: list
    shared_addresses: list

    @property
    def user_ids(self):
        """Every account the report names (the discount form's choices)."""
        ids = {a.user_id for a in self.new_accounts}
        for address in self.shared_addresses:
            ids.update(address.user_ids)
        for burst in self.bursts:
            ids.update(pk for pk, _ in burst.usernames)
        return ids


def vote_report(*, now=None, days=None, burst_threshold=None, shared_accounts=None):
    """The three flags over the last ``days`` days (a fixed number of queries)."""
    now = now or timezone.now()
    days = days or settings.VOTE_REPORT_DAYS
    since = now - timedelta(days=days)
    return VoteReport(
        since=since,
        bursts=find_bursts(since, burst_threshold or settings.VOTE_BURST_THRESHOLD),
        new_accounts=find_new_account_votes(since),
        shared_addresses=find_shared_addresses(
            since, shared_accounts or settings.VOTE_SHARED_ADDRESS_ACCOUNTS
        ),
    )


def find_bursts(since, threshold):
    """Runs of ``threshold`` or more votes on one item within an hour.

    For each vote, the database counts the votes on the same item in the
    hour that starts with it; the votes that start a full hour are merged
    into intervals per item in Python, and the accounts that voted in each
    interval are read in one more query."""
    hour = timedelta(hours=1)
    in_hour = (
        Vote.objects.filter(
            procon=OuterRef("procon"),
            created__gte=OuterRef("created"),
            created__lt=ExpressionWrapper(OuterRef("created") + hour, output_field=DateTimeField()),
        )
        .order_by()
        .values("procon")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Only an item with ``threshold`` votes in the whole window can have
    # them in one hour: the hour's count is asked for their votes alone, not
    # for each of the window's (34,000 of a million; the count's hour is a
    # function per row on SQLite).
    busy = (
        Vote.objects.filter(created__gte=since)
        .order_by()
        .values("procon")
        .annotate(n=Count("pk"))
        .filter(n__gte=threshold)
        .values("procon")
    )
    starts = (
        Vote.objects.filter(created__gte=since, procon__in=busy)
        .annotate(in_hour=Subquery(in_hour))
        .filter(in_hour__gte=threshold)
        .order_by("procon_id", "created")
        .values_list("procon_id", "created")
    )
    intervals = {}
    for procon_id, created in starts:
        spans = intervals.setdefault(procon_id, [])
        if spans and created <= spans[-1][1]:
            spans[-1][1] = created + hour
        else:
            spans.append([created, created + hour])
    if not intervals:
        return []
    procons = ProCon.objects.select_related("framework").in_bulk(intervals)
    earliest = min(span[0] for spans in intervals.values() for span in spans)
    votes = (
        Vote.objects.filter(procon_id__in=intervals, created__gte=earliest)
        .select_related("user")
        .order_by("created")
    )
    bursts = [
        Burst(procons[pk], start, end, 0) for pk, spans in intervals.items() for start, end in spans
    ]
    by_procon = {}
    for burst in bursts:
        by_procon.setdefault(burst.procon.pk, []).append(burst)
    for vote in votes:
        for burst in by_procon[vote.procon_id]:
            if burst.start <= vote.created < burst.end:
                burst.votes += 1
                burst.usernames.append((vote.user_id, vote.user.get_username()))
    bursts.sort(key=lambda b: (-b.votes, b.start))
    return bursts


def find_new_account_votes(since):
    """Accounts with votes cast within NEW_ACCOUNT_HOURS of signing up."""
    rows = (
        # Only accounts made within the window (less a day) can have cast
        # such a vote in it: their votes alone are compared with the age of
        # the account (a function per row on SQLite), not all the window's.
        Vote.objects.filter(
            user__in=get_user_model().objects.filter(
                date_joined__gt=since - timedelta(hours=NEW_ACCOUNT_HOURS)
            )
        )
        .filter(
            created__gte=since,
            created__lt=ExpressionWrapper(
                F("user__date_joined") + timedelta(hours=NEW_ACCOUNT_HOURS),
                output_field=DateTimeField(),
            ),
        )
        .order_by()
        .values("user_id", "user__username", "user__date_joined")
        .annotate(n=Count("pk"))
        .order_by("-n", "user__username")
    )
    return [
        NewAccount(r["user__username"], r["user_id"], r["user__date_joined"], r["n"]) for r in rows
    ]


def find_shared_addresses(since, threshold):
    """Addresses from which ``threshold`` or more accounts voted."""
    busy = (
        VoteOrigin.objects.filter(last_seen__gte=since)
        .order_by()
        .values("ip")
        .annotate(accounts=Count("user", distinct=True))
        .filter(accounts__gte=threshold)
        .values("ip")
    )
    addresses = {}
    for ip, user_id, username in (
        VoteOrigin.objects.filter(last_seen__gte=since, ip__in=Subquery(busy))
        .order_by("ip", "user__username")
        .values_list("ip", "user_id", "user__username")
    ):
        address = addresses.setdefault(ip, SharedAddress(ip, [], []))
        address.user_ids.append(user_id)
        address.usernames.append(username)
    return sorted(addresses.values(), key=lambda a: (-len(a.user_ids), a.ip))


def discount_votes(user_ids, *, curator, reason):
    """Mark the accounts abusive, delete their votes and recount exactly.

    Returns the AbuseMark rows made. One transaction: the affected counters
    are locked (in id order, so two curators cannot deadlock), the votes
    deleted, and each counter set to baseline + the remaining Vote rows by
    one UPDATE. A vote cast on a locked item meanwhile waits for the commit
    and then adds its +1 to the exact count."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Say why the votes are discounted.")
    users = list(get_user_model().objects.filter(pk__in=user_ids).order_by("pk"))
    marks = []
    with transaction.atomic():
        votes = Vote.objects.filter(user__in=users)
        procon_ids = sorted(set(votes.values_list("procon_id", flat=True)))
        list(
            ProCon.objects.select_for_update()
            .filter(pk__in=procon_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        per_user = dict(
            votes.order_by().values("user_id").annotate(n=Count("pk")).values_list("user_id", "n")
        )
        item_ids = {}
        for user_id, procon_id in votes.values_list("user_id", "procon_id"):
            item_ids.setdefault(user_id, []).append(procon_id)
        votes.delete()
        recount_votes(ProCon.objects.filter(pk__in=procon_ids))
        for user in users:
            marks.append(
                AbuseMark.objects.create(
                    user=user,
                    username=user.get_username(),
                    curator=curator,
                    reason=reason,
                    votes_removed=per_user.get(user.pk, 0),
                    procon_ids=sorted(item_ids.get(user.pk, [])),
                )
            )
    return marks

"""Reads that span several catalogue models, each in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core import charts
from core.templatetags.site import compact, figure

from .models import Category, ProCon, Vote


def category_paths():
    """{category_id: [root, ..., category]} from one query of the (small) tree."""
    categories = {c.pk: c for c in Category.objects.all()}
    paths = {}
    for pk, category in categories.items():
        path, node, seen = [], category, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            path.append(node)
            node = categories.get(node.parent_id)
        paths[pk] = list(reversed(path))
    return paths


def category_and_below(category, paths=None):
    """Ids of ``category`` and every category below it (one query, or none
    when the caller already holds ``category_paths()``)."""
    if paths is None:
        paths = category_paths()
    return {pk for pk, path in paths.items() if category in path}


def breadcrumb_for(category_ids):
    """The deepest category path shared by all the given categories."""
    paths = category_paths()
    chains = [paths.get(pk, []) for pk in category_ids]
    if not chains:
        return []
    common = []
    for level in zip(*chains, strict=False):
        if all(node.pk == level[0].pk for node in level):
            common.append(level[0])
        else:
            break
    return common


def procons_by_framework(framework_ids):
    """{framework_id: {"pro": [...], "con": [...]}}, approved, most voted
    first (ties by text), in one query."""
    grouped = {pk: {ProCon.Kind.PRO: [], ProCon.Kind.CON: []} for pk in framework_ids}
    for procon in (
        ProCon.objects.approved()
        .filter(framework_id__in=framework_ids)
        .order_by("-votes_count", "text")
    ):
        grouped[procon.framework_id][procon.kind].append(procon)
    return grouped


#: How many weeks of member votes each pro/con charts.
VOTE_WEEKS = 12


@dataclass
class VoteWeeks:
    """Member votes per week on one pro/con, oldest week first, and its chart."""

    counts: list
    chart: str
    first_monday: date | None = None

    @property
    def total(self):
        return sum(self.counts)

    @property
    def weeks(self):
        """``(Monday, votes)`` per week, oldest first."""
        return [(self.first_monday + timedelta(weeks=i), n) for i, n in enumerate(self.counts)]


def weekly_member_votes(procon_ids, *, weeks=VOTE_WEEKS, now=None):
    """{procon_id: VoteWeeks} for the last ``weeks`` weeks (Monday to Sunday,
    this week last), in ONE query grouped by pro/con and week, whatever the
    number of items (none included: pages keep one query count for any data)."""
    today = timezone.localdate(now)
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    start = timezone.make_aware(datetime.combine(first_monday, time.min))
    counts = {pk: [0] * weeks for pk in procon_ids}
    rows = (
        # [0] matches no row but still runs the query, as Django skips "IN ()".
        Vote.objects.filter(procon_id__in=procon_ids or [0], created__gte=start)
        .annotate(week=TruncWeek("created"))
        .order_by()
        .values_list("procon_id", "week")
        .annotate(n=Count("pk"))
    )
    for procon_id, week, n in rows:
        day = timezone.localtime(week).date() if isinstance(week, datetime) else week
        index = (day - first_monday).days // 7
        if 0 <= index < weeks:
            counts[procon_id][index] += n
    label = f"Member votes per week, last {weeks} weeks, oldest first"
    return {
        pk: VoteWeeks(
            values,
            charts.sparkline(values, label=label) if any(values) else "",
            first_monday,
        )
        for pk, values in counts.items()
    }


def voted_procon_ids(user, procon_ids):
    """The ids among ``procon_ids`` the member has voted for (one query)."""
    if not user.is_authenticated or not procon_ids:
        return set()
    return set(
        Vote.objects.filter(user=user, procon_id__in=procon_ids).values_list("procon_id", flat=True)
    )


def figures_after_vote(procon_id):
    """Every figure a vote on this pro/con changes, as pages print them
    (one query): its count, the members' share of it in "678 = 640
    imported + 38 from members", and its framework's votes. Empty when a
    curator deleted it in the meantime."""
    procon = (
        ProCon.objects.filter(pk=procon_id)
        .values("framework_id", "votes_count", "baseline_votes", "framework__votes_count")
        .first()
    )
    if procon is None:
        return {}
    return {
        figure("procon", procon_id, "votes"): str(procon["votes_count"]),
        figure("procon", procon_id, "members"): str(
            procon["votes_count"] - procon["baseline_votes"]
        ),
        figure("framework", procon["framework_id"], "votes"): compact(
            procon["framework__votes_count"]
        ),
    }


def pending_suggestions(user, framework):
    """The member's own suggestions still waiting for review."""
    if not user.is_authenticated:
        return []
    return list(
        ProCon.objects.pending().filter(framework=framework, submitted_by=user).order_by("created")
    )


def category_tree():
    """Top-level categories with their children (two queries)."""
    return list(
        Category.objects.filter(parent=None).prefetch_related(
            Prefetch("children", queryset=Category.objects.order_by("name"))
        )
    )

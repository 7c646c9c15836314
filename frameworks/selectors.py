"""Reads that span several catalogue models, each in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Prefetch
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core import rows
from core.cache import live_sorted

from . import cache as tags
from . import charts
from .models import Category, Decision, Framework, ProCon, StatSnapshot, Vote

#: Charted metrics, in display order, with their charts' accessible names.
CHARTED = [
    (StatSnapshot.Metric.GITHUB_STARS, "GitHub stars over time"),
    (StatSnapshot.Metric.GITHUB_FORKS, "GitHub forks over time"),
    (StatSnapshot.Metric.WEEKLY_DOWNLOADS, "Weekly downloads over time"),
    (StatSnapshot.Metric.GITHUB_OPEN_ISSUES, "Open issues over time"),
    (StatSnapshot.Metric.STACKS, "Stacks over time"),
    (StatSnapshot.Metric.FOLLOWERS, "Followers over time"),
]


@dataclass
class Trend:
    metric: str
    label: str
    points: list  # [(day, value, source)], oldest first
    chart: str
    changes: list  # charts.Change for 30 and 365 days, where the history covers them

    @property
    def latest(self):
        return self.points[-1]


def stat_history(framework_ids, metrics=None):
    """{framework_id: {metric: [(day, value, source), ...]}} in one query."""
    history = {pk: {} for pk in framework_ids}
    queryset = StatSnapshot.objects.filter(framework_id__in=framework_ids)
    if metrics:
        queryset = queryset.filter(metric__in=metrics)
    for framework_id, metric, day, value, source in queryset.order_by(
        "framework_id", "metric", "day"
    ).values_list("framework_id", "metric", "day", "value", "source"):
        history[framework_id].setdefault(metric, []).append((day, value, source))
    return history


def trends_for(framework, history):
    """One Trend per metric with at least two points, with its chart."""
    trends = []
    for metric, title in CHARTED:
        points = history.get(metric.value, [])
        if len(points) < 2:
            continue
        chart = charts.line_chart(
            [(metric.label, points)], title=title, chart_id=f"chart-{metric.value}"
        )
        changes = [c for c in (charts.change_over(points, d) for d in (30, 365)) if c]
        trends.append(Trend(metric.value, metric.label, points, chart, changes))
    return trends


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
    first as read. Pages list them with ``by_votes``, which orders them by
    the current counts when the page is rendered."""
    grouped = {pk: {ProCon.Kind.PRO: [], ProCon.Kind.CON: []} for pk in framework_ids}
    for procon in (
        ProCon.objects.approved()
        .filter(framework_id__in=framework_ids)
        .order_by("-votes_count", "text")
    ):
        grouped[procon.framework_id][procon.kind].append(procon)
    return grouped


def by_votes(procons):
    """Pros or cons most voted first (ties by text), by the counts current
    when the page is rendered; a vote that changes the order re-renders the
    pages listing them (core.cache.live_sorted)."""
    return live_sorted(
        procons,
        refs=lambda p: (tags.procon_ref(p),),
        value=lambda p: p.votes_count,
        tiebreak=lambda p: p.text,
    )


def vote_figures(framework_ids):
    """The live vote counts of frameworks, for pages served from the cache:
    ``{framework_id: {"p<procon id>": votes, "m<procon id>": member votes,
    "total": sum}}`` over approved pros and cons, in one query.

    Each vote runs it (core.cache.bump_live), and so does each reader that
    finds a group stale, so the statement is written out, as the vote's own
    are (frameworks.services): building it with the ORM, with ProCon's
    default ordering (a join), was a quarter of a vote's Python time."""
    figures = {str(pk): {"total": 0} for pk in framework_ids}
    ids = [int(pk) for pk in framework_ids]
    if not ids:
        return figures
    if connection.vendor == "postgresql":
        # One array parameter: one prepared statement for any number of
        # frameworks, where "IN (%s, ...)" would prepare one per length.
        among, params = "= ANY(%s)", [ids]
    else:
        among, params = f"IN ({', '.join(['%s'] * len(ids))})", ids
    quote = connection.ops.quote_name
    with rows.cursor(connection) as cursor:
        cursor.execute(
            "SELECT framework_id, id, votes_count, baseline_votes "
            f"FROM {quote(ProCon._meta.db_table)} WHERE status = %s AND framework_id {among}",
            [ProCon.Status.APPROVED, *params],
        )
        found = cursor.fetchall()
    for framework_id, pk, votes, baseline in found:
        add_vote_figures(figures[str(framework_id)], pk, votes, baseline)
    return figures


def add_vote_figures(counts, procon_id, votes, baseline):
    """Add one approved pro/con to its framework's ``vote_figures`` entry
    (also filled by the vote's own statement, frameworks.services)."""
    counts[f"p{procon_id}"] = votes
    counts[f"m{procon_id}"] = votes - baseline
    counts["total"] += votes


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


def pending_suggestions(user, framework):
    """The member's own suggestions still waiting for review."""
    if not user.is_authenticated:
        return []
    return list(
        ProCon.objects.pending().filter(framework=framework, submitted_by=user).order_by("created")
    )


@dataclass
class FrameworkPage:
    """Everything the framework page shows that is the same for every reader."""

    framework: Framework
    breadcrumb: list
    pros: list
    cons: list
    alternatives: list
    integrations: list
    trends: list = field(default_factory=list)  # Trend per charted metric
    decisions: list = field(default_factory=list)

    @property
    def procon_ids(self):
        return [p.pk for p in (*self.pros, *self.cons)]


def framework_page(slug):
    """The page of a published framework, or None (a fixed number of queries)."""
    framework = (
        Framework.objects.published()
        .with_votes()
        .select_related("category")
        .prefetch_related(
            Prefetch("alternatives", queryset=Framework.objects.published().order_by("name")),
            Prefetch("integrations", queryset=Framework.objects.published().order_by("name")),
        )
        .filter(slug=slug)
        .first()
    )
    if framework is None:
        return None
    procons = procons_by_framework([framework.pk])[framework.pk]
    pros, cons = procons[ProCon.Kind.PRO], procons[ProCon.Kind.CON]
    return FrameworkPage(
        framework=framework,
        breadcrumb=breadcrumb_for([framework.category_id]),
        trends=trends_for(framework, stat_history([framework.pk])[framework.pk]),
        pros=pros,
        cons=cons,
        alternatives=list(framework.alternatives.all()),
        integrations=list(framework.integrations.all()),
        decisions=list(
            Decision.objects.published()
            .filter(frameworks=framework)
            .for_display()
            .order_by("-created")[:10]
        ),
    )


def catalogue():
    """The published frameworks the catalogue lists and filters."""
    return Framework.objects.published().with_votes().with_stars_gained().select_related("category")


def category_tree():
    """Top-level categories with their children (two queries)."""
    return list(
        Category.objects.filter(parent=None).prefetch_related(
            Prefetch("children", queryset=Category.objects.order_by("name"))
        )
    )

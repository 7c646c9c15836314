"""Reads that span several catalogue models, each in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncWeek
from django.utils import timezone

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
    alternatives: list
    integrations: list
    trends: list = field(default_factory=list)  # Trend per charted metric
    decisions: list = field(default_factory=list)


def framework_page(slug):
    """The page of a published framework, or None (a fixed number of queries)."""
    framework = (
        Framework.objects.published()
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
    return FrameworkPage(
        framework=framework,
        breadcrumb=breadcrumb_for([framework.category_id]),
        trends=trends_for(framework, stat_history([framework.pk])[framework.pk]),
        alternatives=list(framework.alternatives.all()),
        integrations=list(framework.integrations.all()),
        decisions=list(
            Decision.objects.published()
            .filter(frameworks=framework)
            .for_display()
            .order_by("-created")[:10]
        ),
    )


def catalogue(*, votes=False):
    """The published frameworks the catalogue lists and filters; with
    ``votes``, annotated with their votes (to sort by them: the counts
    themselves show in holes)."""
    frameworks = Framework.objects.published().with_stars_gained().select_related("category")
    return frameworks.with_votes() if votes else frameworks


def category_tree():
    """Top-level categories with their children (two queries)."""
    return list(
        Category.objects.filter(parent=None).prefetch_related(
            Prefetch("children", queryset=Category.objects.order_by("name"))
        )
    )

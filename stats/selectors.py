"""Reads of the statistics: histories, trends and the catalogue's gains."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.utils import timezone

from core import charts

from .models import StatSnapshot

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
    """One Trend per metric with a history, with its chart when the history
    has enough points to show a trend (its latest figure and changes always)."""
    trends = []
    for metric, title in CHARTED:
        points = history.get(metric.value, [])
        if not points:
            continue
        chart = charts.line_chart(
            [(metric.label, points)], title=title, chart_id=f"chart-{metric.value}"
        )
        changes = [c for c in (charts.change_over(points, d) for d in (30, 365)) if c]
        trends.append(Trend(metric.value, metric.label, points, chart, changes))
    return trends


def with_stars_gained(frameworks, days=90, now=None):
    """``frameworks`` (a queryset) annotated with ``stars_gained``: current
    stars minus the snapshot from ``days`` ago (within a week before it);
    NULL where history lacks it."""
    today = timezone.localdate(now)
    start = today - timedelta(days=days)
    baseline = (
        StatSnapshot.objects.filter(
            framework=models.OuterRef("pk"),
            metric=StatSnapshot.Metric.GITHUB_STARS,
            day__lte=start,
            day__gt=start - timedelta(days=7),
        )
        .order_by("-day")
        .values("value")[:1]
    )
    return frameworks.annotate(stars_gained=models.F("github_stars") - models.Subquery(baseline))

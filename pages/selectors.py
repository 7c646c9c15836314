"""Reads that compose several apps for one page."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from frameworks.models import Decision, Framework
from frameworks.selectors import breadcrumb_for
from stats.health import Health, health_for
from stats.selectors import stat_history, trends_for, with_stars_gained


@dataclass
class FrameworkPage:
    """Everything the framework page shows that is the same for every reader."""

    framework: Framework
    breadcrumb: list
    alternatives: list
    integrations: list
    trends: list = field(default_factory=list)  # Trend per charted metric
    decisions: list = field(default_factory=list)
    health: Health | None = None  # release series and health signals


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
        health=health_for([framework])[framework.pk],
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
    """The published frameworks the catalogue lists and filters, with their
    stars gained (their votes are a column: ``votes_count``)."""
    return with_stars_gained(Framework.objects.published().select_related("category"))

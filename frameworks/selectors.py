"""Reads that span several catalogue models, each in a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from .models import Category, Decision, Framework, ProCon, Vote


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
    """{framework_id: {"pro": [...], "con": [...]}}, approved, most voted first."""
    grouped = {pk: {ProCon.Kind.PRO: [], ProCon.Kind.CON: []} for pk in framework_ids}
    for procon in (
        ProCon.objects.approved()
        .filter(framework_id__in=framework_ids)
        .order_by("-votes_count", "text")
    ):
        grouped[procon.framework_id][procon.kind].append(procon)
    return grouped


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
    return FrameworkPage(
        framework=framework,
        breadcrumb=breadcrumb_for([framework.category_id]),
        pros=procons[ProCon.Kind.PRO],
        cons=procons[ProCon.Kind.CON],
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
    return Framework.objects.published().with_votes().select_related("category")


def category_tree():
    """Top-level categories with their children (two queries)."""
    return list(
        Category.objects.filter(parent=None).prefetch_related(
            Prefetch("children", queryset=Category.objects.order_by("name"))
        )
    )

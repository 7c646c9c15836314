"""Reads that span several models: the comparison matrix and its neighbours.

Which frameworks a compare address names is decided in ``addresses``.

Every function here runs a fixed number of queries, whatever the number of
frameworks, pros, cons, votes or decisions (pinned in the tests).
"""

from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Case, Count, Q, Sum, Value, When

from core import charts, pagination
from core.cache import cached, depends_on, tags
from core.links import url_for
from frameworks import cache as catalogue_tags
from frameworks.models import (
    Decision,
    Framework,
    ProCon,
)
from frameworks.selectors import breadcrumb_for, procons_by_framework
from members.models import Comment
from stats.health import SIGNALS, health_for, latest_series, supported_series
from stats.models import StatSnapshot
from stats.selectors import stat_history

from .addresses import PINNABLE, CompareError, Redirect, resolve_frameworks
from .cache import COMPARISONS as COMPARISONS_TAG
from .models import (
    Assessment,
    Comparison,
    Criterion,
    compare_address,
    compare_path,
    framework_set_key,
    version_key,
)

#: (attribute, label, attribute holding the figure's date; None for counts of ours)
STATISTICS = [
    ("github_stars", "GitHub stars", "stars_as_of"),
    ("github_forks", "GitHub forks", "stars_as_of"),
    ("weekly_downloads", "Weekly downloads", "downloads_as_of"),
    ("stacks", "Stacks", "stats_as_of"),
    ("followers", "Followers", "stats_as_of"),
    ("votes", "Votes", None),
]
#: Statistics shown as the curated figure plus this site's members.
SHOWN = {"stacks": "stacks_shown", "followers": "followers_shown"}


@dataclass
class StatRow:
    key: str
    label: str
    values: list
    best: set
    differs: bool
    as_of: list = field(default_factory=list)  # the date of each value, or None

    @property
    def cells(self):
        return list(zip(self.values, self.as_of or [None] * len(self.values), strict=True))


@dataclass
class Citation:
    """A published decision about the compared frameworks that cites a criterion."""

    decision_id: int
    author: str
    created: object
    on_page: bool = False  # its card is among the page's decisions

    @property
    def url(self):
        if self.on_page:
            return f"#decision-{self.decision_id}"
        return url_for("frameworks:decision", self.decision_id)


@dataclass
class CriterionRow:
    criterion: Criterion
    cells: list  # an Assessment or None per framework, in column order
    differs: bool
    frameworks: list = field(default_factory=list)
    citations: list = field(default_factory=list)  # Citations, newest first
    #: per column: None, or the scopes of assessments that hold only for
    #: other versions than the one shown (["since 5.0"])
    gaps: list = field(default_factory=list)

    @property
    def pairs(self):
        """(framework, assessment or None) per column."""
        return list(zip(self.frameworks, self.cells, strict=True))

    @property
    def columns(self):
        """(framework, assessment or None, gap scopes or None) per column."""
        gaps = self.gaps or [None] * len(self.cells)
        return list(zip(self.frameworks, self.cells, gaps, strict=True))


@dataclass
class ComparisonPage:
    frameworks: list
    comparison: Comparison | None
    title: str
    canonical_url: str
    breadcrumb: list
    criterion_rows: list = field(default_factory=list)
    differences: list = field(default_factory=list)
    integrations: list = field(default_factory=list)
    alternatives: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    related: list = field(default_factory=list)
    # the compared frameworks' star histories on one SVG, with its legend
    star_chart: charts.Chart | None = None
    health: dict = field(default_factory=dict)  # {framework id: stats.health.Health}
    #: {framework id: the ReleaseSeries its column shows, or None}
    versions: dict = field(default_factory=dict)
    #: {framework id: ReleaseSeries} of the series the address names
    #: (/compare/django-5.2-vs-flask/): the others show their latest
    pins: dict = field(default_factory=dict)

    @property
    def address(self):
        """The canonical slugs part of the page's URL ("django-vs-flask",
        "django-5.2-vs-flask")."""
        return compare_address(self.frameworks, {pk: s.name for pk, s in self.pins.items()})

    @property
    def frameworks_address(self):
        """``address`` without series: the latest versions' page, and the
        comparison's changes, feed and watch (the same at every version)."""
        return compare_address(self.frameworks)

    @property
    def version_choices(self):
        """(framework, [ReleaseSeries it can be pinned to, newest first]) per
        column; empty when no framework has one."""
        choices = [
            (f, [s for s in self.health[f.pk].series if PINNABLE.match(s.name.lower())])
            for f in self.frameworks
        ]
        return choices if any(series for _, series in choices) else []

    @property
    def columns(self):
        """(framework, ReleaseSeries shown or None) per column."""
        return [(f, self.versions.get(f.pk)) for f in self.frameworks]

    @property
    def ids(self):
        """The frameworks' ids, "3,7": what the page's holes are about."""
        return ",".join(str(f.pk) for f in self.frameworks)

    @property
    def health_rows(self):
        """(label, why, [(framework, Signal)]) per health signal, in order."""
        return [
            (
                label,
                why,
                [(f, self.health[f.pk].signals[index]) for f in self.frameworks],
            )
            for index, (_, label, why) in enumerate(SIGNALS)
        ]

    @property
    def is_curated(self):
        return self.comparison is not None

    @property
    def names(self):
        return [f.name for f in self.frameworks]

    @property
    def pairs(self):
        """With three or four frameworks, every two of them as ``(a, b, url)``,
        ``url`` their own comparison: a curated one among the related, else
        the generated one (no query either way)."""
        if len(self.frameworks) < 3:
            return []
        curated = {c.framework_key: c.get_absolute_url() for c in self.related}
        return [
            (a, b, curated.get(framework_set_key([a, b])) or compare_path(sorted_by_slug(a, b)))
            for a, b in combinations(self.frameworks, 2)
        ]


def sorted_by_slug(*frameworks):
    """The order of a generated comparison's address."""
    return sorted(frameworks, key=lambda f: f.slug)


def canonical_set(raw, *, curated, pinned=False):
    """``(frameworks in page order, curated Comparison or None)`` of a compare
    address, or a Redirect to its canonical URL. Raises CompareError.
    ``curated(frameworks)`` reads the curated comparison of a set. With
    ``pinned`` a third item: {framework id: series named}; without, an
    address with series redirects to the frameworks' own (a comparison's
    changes and feed are the same at every version)."""
    resolved = resolve_frameworks(raw)
    if isinstance(resolved, Redirect):
        return resolved
    resolved, pins = resolved
    comparison = curated(resolved)
    if comparison is not None:
        order = [f.slug for f in comparison.ordered_frameworks()]
    else:
        order = sorted(f.slug for f in resolved)
    by_slug = {f.slug: f for f in resolved}
    frameworks = [by_slug[s] for s in order]
    pins = pins if pinned else {}
    if [f.slug for f in resolved] != order or raw != compare_address(frameworks, pins):
        return Redirect(compare_path(frameworks, pins))
    return (frameworks, comparison, pins) if pinned else (frameworks, comparison)


def canonical_path(frameworks, pins=None):
    """The canonical compare URL of a set of frameworks (one query), each
    pinned to its series in ``pins`` if any: the curated comparison's order
    when there is one, else by slug, as ``canonical_set`` redirects to."""
    comparison = curated_set(frameworks)
    if comparison is not None:
        return compare_path(comparison.ordered_frameworks(), pins)
    return compare_path(sorted(frameworks, key=lambda f: f.slug), pins)


def shown_series(frameworks, health, pins):
    """{framework id: the ReleaseSeries its column shows, or None}: the
    pinned one, else the newest still supported (the newest, or the latest
    release's, when no source says which are). Raises CompareError for a
    pinned series the framework does not have."""
    shown, today = {}, tags.today()
    for f in frameworks:
        series = health[f.pk].series
        if f.pk in pins:
            by_name = {s.name.lower(): s for s in series}
            shown[f.pk] = by_name.get(pins[f.pk])
            if shown[f.pk] is None:
                known = ", ".join(s.name for s in series)
                others = [*(g for g in frameworks if g is not f)]
                raise CompareError(
                    f"{f.name} has no release series {pins[f.pk][:20]} that we know of"
                    + (f"; we know {known}." if known else "; we know none of its series yet."),
                    corrected=(
                        " vs ".join(g.name for g in frameworks),
                        compare_path(
                            frameworks, {g.pk: pins[g.pk] for g in others if g.pk in pins}
                        ),
                    ),
                )
            continue
        supported = supported_series(series, today)
        shown[f.pk] = supported[0] if supported else latest_series(f, series)
    return shown


def curated_set(frameworks):
    """The published curated comparison of exactly these frameworks, with
    its ordered frameworks only."""
    key = framework_set_key(frameworks)
    return Comparison.objects.published().with_frameworks().filter(framework_key=key).first()


def comparison_page(raw, *, only_differences=False):
    """Everything the comparison page shows, or a Redirect to its canonical URL."""
    around = {}

    def curated(frameworks):
        # The curated comparison and its related ones are read together.
        around["curated"], around["related"] = curated_and_related(frameworks)
        return around["curated"]

    resolved = canonical_set(raw, curated=curated, pinned=True)
    if isinstance(resolved, Redirect):
        return resolved
    frameworks, comparison, pins = resolved
    health = health_for(frameworks, advisories=False)
    versions = shown_series(frameworks, health, pins)
    canonical = compare_path(frameworks, pins)

    page = ComparisonPage(
        frameworks=frameworks,
        comparison=comparison,
        title=comparison.title if comparison else " vs ".join(f.name for f in frameworks),
        canonical_url=canonical,
        breadcrumb=breadcrumb_for([f.category_id for f in frameworks]),
        health=health,
        versions=versions,
        pins={pk: versions[pk] for pk in pins},
    )
    if pins:
        page.title += (
            " ("
            + ", ".join(f"{f.name} {versions[f.pk].name}" for f in frameworks if f.pk in pins)
            + ")"
        )
    page.star_chart = star_chart(frameworks)
    page.criterion_rows = criterion_rows(frameworks, versions)
    if comparison is not None:
        page.differences = list(
            comparison.differences.select_related("criterion").order_by("position", "id")
        )
    page.integrations = integrations_for(frameworks)
    page.alternatives = alternatives_for(frameworks)
    page.decisions = decisions_about(frameworks)
    cite_criteria(page.criterion_rows, frameworks, shown=page.decisions)
    page.related = around["related"]
    if only_differences:
        page.criterion_rows = [row for row in page.criterion_rows if row.differs]
    return page


@dataclass
class Counts:
    """What members' votes, follows and stacks change on a comparison: the
    statistic rows and each framework's pros and cons, most voted first."""

    stat_rows: list
    procon_columns: list  # (framework, pros, cons) per column


def counted(ids, memo=None):
    """``{pk: Framework}`` with their ``votes``, read once per ``memo`` (a
    dict shared by the reads of one request) for any number of calls."""
    memo = {} if memo is None else memo
    kept = memo.setdefault("frameworks", {})
    missing = set(ids) - kept.keys()
    if missing:
        kept.update(Framework.objects.filter(pk__in=missing).in_bulk())
        kept.update(dict.fromkeys(missing - kept.keys()))
    return {pk: kept[pk] for pk in ids}


def counted_procons(ids, memo=None):
    """``procons_by_framework``, read once per ``memo`` as ``counted``."""
    memo = {} if memo is None else memo
    kept = memo.setdefault("procons", {})
    missing = set(ids) - kept.keys()
    if missing:
        kept.update(procons_by_framework(missing))
    return {pk: kept[pk] for pk in ids}


def comparison_counts(frameworks, *, only_differences=False, memo=None):
    """The ``Counts`` of these frameworks (two queries, fewer with a
    ``memo`` already holding them), declaring the tags of their counts: for
    the holes of the page and for exports."""
    ids = [f.pk for f in frameworks]
    depends_on(*(catalogue_tags.framework(pk) for pk in ids))
    depends_on(*(catalogue_tags.votes(pk) for pk in ids))
    depends_on(*(catalogue_tags.follows(pk) for pk in ids))
    current = counted(ids, memo)
    columns = [current[pk] or f for pk, f in zip(ids, frameworks, strict=True)]
    rows = stat_rows(columns)
    if only_differences:
        rows = [row for row in rows if row.differs]
    procons = counted_procons(ids, memo)
    return Counts(
        stat_rows=rows,
        procon_columns=[
            (f, procons[f.pk][ProCon.Kind.PRO], procons[f.pk][ProCon.Kind.CON]) for f in columns
        ],
    )


def stat_rows(frameworks):
    rows = []
    for key, label, date_key in STATISTICS:
        values = [getattr(f, SHOWN.get(key, key), None) for f in frameworks]
        if key == "weekly_downloads" and all(v is None for v in values):
            continue  # no package source among them: no empty row
        known = [v for v in values if v is not None]
        top = max(known) if known else None
        best = {i for i, v in enumerate(values) if top and v == top and len(known) > 1}
        as_of = [
            getattr(f, date_key) if date_key and v is not None else None
            for f, v in zip(frameworks, values, strict=True)
        ]
        rows.append(StatRow(key, label, values, best, differs=len(set(values)) > 1, as_of=as_of))
    return rows


def star_chart(frameworks):
    """A Chart of the frameworks' GitHub star histories (one query), or None
    when none of them has two points. Its legend numbers the series drawn as
    their marks are, and gives a one-point history as its figure and date."""
    metric = StatSnapshot.Metric.GITHUB_STARS
    history = stat_history([f.pk for f in frameworks], [metric])
    series = [(f.name, history[f.pk].get(metric, [])) for f in frameworks]
    return charts.chart_with_legend(series, title="GitHub stars over time", chart_id="star-history")


def criterion_rows(frameworks, versions=None):
    """A row per criterion any of ``frameworks`` is assessed on, in the
    criteria's order (one query: the assessments with their criteria). Each
    cell is the assessment that holds for the series its column shows
    (``versions``: {framework id: ReleaseSeries or None}; none shown: the
    current one); a column whose assessments all hold for other versions
    gets their scopes in ``row.gaps`` instead."""
    versions = versions or {}
    criteria, found = {}, {}
    for assessment in (
        Assessment.objects.filter(framework__in=frameworks)
        .select_related("criterion")
        .order_by("criterion__position", "criterion__name", "criterion_id")
    ):
        criterion = criteria.setdefault(assessment.criterion_id, assessment.criterion)
        assessment.criterion = criterion  # one instance per criterion
        found.setdefault(criterion.pk, {}).setdefault(assessment.framework_id, []).append(
            assessment
        )
    rows = []
    for criterion in criteria.values():
        by_framework = found[criterion.pk]
        row, gaps = [], []
        for f in frameworks:
            shown = versions.get(f.pk)
            held = by_framework.get(f.pk, [])
            cell = next((a for a in held if a.covers(shown and shown.name)), None)
            row.append(cell)
            gaps.append(sorted(a.scope for a in held) if held and cell is None else None)
        if criterion.question:
            answers = {cell.verdict if cell else None for cell in row}
        else:
            answers = {cell.summary if cell else None for cell in row}
        rows.append(CriterionRow(criterion, row, len(answers) > 1, frameworks, gaps=gaps))
    return rows


def cite_criteria(rows, frameworks, *, shown=()):
    """Attach to each criterion row the published decisions about all of
    ``frameworks`` that cite its criterion (one query, any number)."""
    about = Decision.objects.published().about(frameworks).values("pk")
    pairs = (
        Decision.criteria.through.objects.filter(decision__in=about)
        .order_by("-decision__created", "-decision_id")
        .values_list(
            "criterion_id", "decision_id", "decision__author__username", "decision__created"
        )
    )
    on_page = {d.pk for d in shown}
    by_criterion = {}
    for criterion_id, decision_id, author, created in pairs:
        by_criterion.setdefault(criterion_id, []).append(
            Citation(decision_id, author, created, on_page=decision_id in on_page)
        )
    for row in rows:
        row.citations = by_criterion.get(row.criterion.pk, [])


def framework_assessments(framework):
    """One framework's assessments in criterion order, on each criterion the
    current one first, then earlier versions' newest first (one query): its
    page lists them, each with "Suggest an edit"."""
    found = Assessment.objects.filter(framework=framework).select_related("criterion")
    return sorted(
        found,
        key=lambda a: (
            a.criterion.position,
            a.criterion.name,
            bool(a.until),
            tuple(-n for n in version_key(a.until)),
        ),
    )


def integrations_for(frameworks):
    """One list of integrated tools per framework, in column order."""
    through = Framework.integrations.through
    links = through.objects.filter(from_framework__in=frameworks, to_framework__is_published=True)
    by_framework = {}
    for link in links.select_related("to_framework").order_by("to_framework__name"):
        by_framework.setdefault(link.from_framework_id, []).append(link.to_framework)
    return [(f, by_framework.get(f.pk, [])) for f in frameworks]


def alternatives_for(frameworks):
    """The union of the frameworks' alternatives, minus the compared ones."""
    ids = [f.pk for f in frameworks]
    return list(
        Framework.objects.published()
        .filter(alternatives__in=ids)
        .exclude(pk__in=ids)
        .distinct()
        .order_by("name")
    )


def decisions_about(frameworks, limit=10):
    """Published decisions naming all of ``frameworks``, newest first."""
    return list(
        Decision.objects.published().about(frameworks).for_display().order_by("-created")[:limit]
    )


#: Related comparisons a page lists.
RELATED_LIMIT = 8


def _sharing(framework_ids):
    """Visible curated comparisons sharing at least one of the frameworks,
    annotated with how many they share, with their frameworks."""
    return (
        Comparison.objects.visible()
        .filter(frameworks__in=framework_ids)
        .annotate(shared=Count("frameworks", filter=Q(frameworks__in=framework_ids)))
        .with_frameworks()
    )


def related_comparisons(framework_ids, *, exclude=None, limit=RELATED_LIMIT):
    """Curated comparisons sharing at least one framework, most shared first."""
    queryset = _sharing(framework_ids).order_by("-shared", "title")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return list(queryset[:limit])


def curated_and_related(frameworks, limit=RELATED_LIMIT):
    """``(curated, related)``: the published curated comparison of exactly
    ``frameworks`` (or None) and up to ``limit`` other curated comparisons
    sharing at least one of them, most shared first, read together (two
    queries). The frameworks are published, so a curated comparison of
    exactly them is visible when it is published."""
    key = framework_set_key(frameworks)
    found = list(
        _sharing([f.pk for f in frameworks]).order_by(
            Case(When(framework_key=key, then=Value(0)), default=Value(1)), "-shared", "title"
        )[: limit + 1]
    )
    if found and found[0].framework_key == key:
        return found[0], found[1:]
    return None, found[:limit]


def curated_comparisons():
    """Every visible curated comparison with its frameworks, from the data
    cache: the popular ranking and the compare index read it."""
    return cached(
        "curated comparisons",
        lambda: list(Comparison.objects.visible().with_frameworks()),
        lambda _: {COMPARISONS_TAG, catalogue_tags.FRAMEWORKS},
    )


def curated_page(cursor, per_page):
    """``(KeysetPage, Count)`` of the compare index: the visible curated
    comparisons by title, ``per_page`` at ``cursor`` (``InvalidCursor``
    for one it did not make). The page's keys are one query that reads the
    comparisons' titles and slugs; the comparisons with their frameworks
    and their count come from ``curated_comparisons()``."""
    kept = {c.pk: c for c in curated_comparisons()}
    page = pagination.paginate(
        Comparison.objects.visible().only("title", "slug").order_by("title", "slug"),
        cursor,
        per_page,
    )
    missing = [c.pk for c in page.object_list if c.pk not in kept]
    if missing:  # published after the list was kept, before its tag moved
        kept.update((c.pk, c) for c in Comparison.objects.filter(pk__in=missing).with_frameworks())
    page.object_list = [kept[c.pk] for c in page.object_list]
    return page, pagination.Count.of(len(kept))


def popular_comparisons(limit=6):
    """Curated comparisons ranked by the community votes of their frameworks:
    the comparisons from the data cache, the votes summed per framework in
    one query, the ranking in Python."""
    comparisons = curated_comparisons()
    ranked = {f.pk for comparison in comparisons for f in comparison.ordered_frameworks()}
    depends_on(*map(catalogue_tags.votes, ranked))
    totals = dict(
        ProCon.objects.approved()
        .filter(framework__in=ranked)
        .order_by()
        .values("framework")
        .annotate(sum=Sum("votes_count"))
        .values_list("framework", "sum")
    )

    def votes(comparison):
        return sum(totals.get(f.pk, 0) for f in comparison.ordered_frameworks())

    return sorted(comparisons, key=lambda c: (-votes(c), c.title))[:limit]


def trending_comparisons(activity, limit=6):
    """Curated comparisons by the recent activity on their frameworks
    (``members.selectors.recent_activity``, summed), the popular ranking
    (all-time votes) breaking ties and ordering the quiet ones."""

    def recent(comparison):
        return sum(
            activity[f.pk].total for f in comparison.ordered_frameworks() if f.pk in activity
        )

    return sorted(popular_comparisons(limit=None), key=lambda c: -recent(c))[:limit]


def recent_comparisons(limit=6):
    return list(Comparison.objects.visible().with_frameworks().order_by("-created")[:limit])


def all_comparisons():
    return list(Comparison.objects.visible().with_frameworks().order_by("title"))


# --- The signed-in member's home feed ------------------------------------------------

FEED_LENGTH = 15


@dataclass
class FeedItem:
    kind: str  # "decision", "comment" or "comparison"
    when: object
    item: object


@dataclass
class Feed:
    followed: list
    items: list


def member_feed(user, limit=FEED_LENGTH):
    """News about the frameworks ``user`` follows, newest first: published
    decisions naming them, visible comments on those decisions and curated
    comparisons including them. Rendered for signed-in members only (never
    cached): five queries whatever the numbers."""
    followed = list(
        Framework.objects.published()
        .filter(follows__user=user)
        .order_by("name")
        .only("pk", "name", "slug")
    )
    if not followed:
        return Feed(followed=[], items=[])
    ids = [f.pk for f in followed]
    decisions = list(
        Decision.objects.published()
        .filter(pk__in=Decision.objects.filter(frameworks__in=ids).values("pk"))
        .for_display()
        .order_by("-created")[:limit]
    )
    comments = list(
        Comment.objects.visible()
        .filter(
            decision__status=Decision.Status.APPROVED,
            decision__in=Decision.objects.filter(frameworks__in=ids).values("pk"),
        )
        .select_related("author", "decision")
        .order_by("-created")[:limit]
    )
    comparisons = list(
        Comparison.objects.visible()
        .filter(pk__in=Comparison.objects.filter(frameworks__in=ids).values("pk"))
        .with_frameworks()
        .order_by("-created")[:limit]
    )
    items = [
        *(FeedItem("decision", d.created, d) for d in decisions),
        *(FeedItem("comment", c.created, c) for c in comments),
        *(FeedItem("comparison", c.created, c) for c in comparisons),
    ]
    items.sort(key=lambda entry: entry.when, reverse=True)
    return Feed(followed=followed, items=items[:limit])

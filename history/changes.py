"""The public history of a framework or a comparison: its "Changes" page and feed.

History rows come from django-simple-history (``core.history``). A
framework's changes are its own rows, its published pros' and cons' and its
assessments'; a comparison page shows the frameworks' columns, so its
changes are those of every compared framework, plus, for a curated
comparison, its own rows (title, introduction, summary, differences and the
framework set).

The changes of all those tables are merged newest first and paginated in
the database (one ``UNION`` of ``(date, id, kind)``); only the rows of the
page shown are then read whole, each with the version before it, so a page
costs a fixed number of queries whatever the length of the history.

Rows are paired with their previous version by a *natural key* (a
framework's assessment of a criterion, a comparison's difference on a
criterion), not by primary key: the admin saves edited inline rows as delete
+ insert (``core.admin.RewriteChangedRowsFormSet``), and a reader should see
one change, not a removal and an addition. The removal row of such a pair is
left out.

Not shown: pros and cons that were never published (pending or rejected
members' suggestions; a published one that is withdrawn shows as withdrawn)
and rows whose visible fields did not change.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.fields import CharField
from django.http import Http404
from django.utils.formats import date_format

from comparison.models import Assessment, Comparison, ComparisonEntry, Criterion, Difference
from core.history import automatic_author, is_import, word_diff
from frameworks.models import Category, Framework, ProCon

PER_PAGE = 30
#: A delete followed by an insert of the same natural key within this long is
#: one edit (the admin's rewrite of changed inline rows).
REWRITE_WINDOW = timedelta(seconds=5)
#: Fields shown as a word-by-word difference; others as "old → new".
TEXT_FIELDS = {"tagline", "description", "text", "detail", "summary", "intro"}
APPROVED = ProCon.Status.APPROVED


@dataclass(frozen=True)
class Source:
    kind: str
    model: type
    key: tuple  # natural key pairing a row with its previous version
    fields: tuple  # fields shown, in order


SOURCES = {
    s.kind: s
    for s in (
        Source(
            "framework",
            Framework,
            ("id",),
            (
                "name",
                "slug",
                "category_id",
                "tagline",
                "description",
                "website",
                "repository",
                "docs_url",
                "language",
                "license",
                "first_release_year",
                "logo",
                "github_stars",
                "github_forks",
                "stacks",
                "followers",
                "stats_as_of",
                "github_repo",
                "pypi_project",
                "npm_package",
                "endoflife_product",
                "github_open_issues",
                "github_as_of",
                "weekly_downloads",
                "downloads_as_of",
                "latest_version",
                "latest_release_at",
                "pushed_at",
                "is_archived",
                "is_published",
            ),
        ),
        Source("procon", ProCon, ("id",), ("kind", "text", "detail", "baseline_votes", "status")),
        Source(
            "assessment",
            Assessment,
            ("framework_id", "criterion_id"),
            ("verdict", "summary", "source_url", "checked_on"),
        ),
        Source(
            "comparison", Comparison, ("id",), ("title", "slug", "intro", "summary", "is_published")
        ),
        Source("difference", Difference, ("comparison_id", "criterion_id"), ("position", "text")),
        Source("entry", ComparisonEntry, ("comparison_id", "framework_id"), ("position",)),
    )
}


def _previous(source, values="history_id"):
    """The previous version of the same natural key, as a subquery."""
    history = source.model.history.model
    return Subquery(
        history.objects.filter(**{k: OuterRef(k) for k in source.key})
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values(values)[:1]
    )


def _rows(source, where):
    """The history rows of one source that a public page lists."""
    history = source.model.history.model
    rows = history.objects.filter(where)
    if source.kind == "procon":
        # Only what was public: published versions, and the withdrawal of one.
        rows = rows.annotate(previous_status=_previous(source, "status")).filter(
            Q(status=APPROVED) | Q(previous_status=APPROVED)
        )
    if source.key != ("id",):
        rewritten = history.objects.filter(
            **{k: OuterRef(k) for k in source.key},
            history_type="+",
            history_date__gte=OuterRef("history_date"),
            history_date__lte=OuterRef("history_date") + REWRITE_WINDOW,
        )
        rows = rows.exclude(Q(history_type="-") & Exists(rewritten))
    return rows


@dataclass(frozen=True)
class Scope:
    """Which history rows a page shows: {kind: Q over the history table}."""

    wheres: dict

    @classmethod
    def of_catalogue(cls):
        """Every published framework's rows: what changed in the catalogue."""
        return cls.of_frameworks(Framework.objects.published().values("pk"))

    @classmethod
    def of_framework(cls, framework):
        return cls.of_frameworks([framework.pk])

    @classmethod
    def of_frameworks(cls, ids, comparison=None):
        wheres = {
            "framework": Q(id__in=ids),
            "procon": Q(framework_id__in=ids),
            "assessment": Q(framework_id__in=ids),
        }
        if comparison is not None:
            wheres["comparison"] = Q(id=comparison.pk)
            wheres["difference"] = Q(comparison_id=comparison.pk)
            wheres["entry"] = Q(comparison_id=comparison.pk)
        return cls(wheres)

    def keys(self, since=None):
        """``(history_date, history_id, kind)`` of every listed row, one query."""
        parts = []
        for kind, where in self.wheres.items():
            if since is not None:
                where &= Q(history_date__gt=since)
            parts.append(
                _rows(SOURCES[kind], where)
                .annotate(change_kind=Value(kind, output_field=CharField()))
                .values_list("history_date", "history_id", "change_kind")
                .order_by()  # the historical models' own ordering: not in a UNION part
            )
        first, *rest = parts
        return first.union(*rest, all=True).order_by("-history_date", "-history_id")

    def count_since(self, since):
        return self.keys(since).count()


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    diff: list | None = None  # word_diff() parts for text fields


@dataclass
class Change:
    kind: str
    history_id: int
    when: datetime
    action: str  # "added", "imported", "changed", "published", "removed", "withdrawn"
    what: str  # "Framework", "Pro", "Assessment", ...
    subject: str  # "Flask", "Flask: Fast and light", "Flask on URL routing"
    who: str
    reason: str
    fields: list = field(default_factory=list)
    is_new: bool = False
    framework_id: int | None = None  # the framework whose page shows it, if any

    @property
    def anchor(self):
        return f"change-{self.kind}-{self.history_id}"

    @property
    def title(self):
        return f"{self.what} {self.action}: {self.subject}"


def who(row):
    """Who made a change, for the public: a member by username, staff as
    "curator", an import (load_demo, import_catalogue) as "import", other
    scripts (sync_stats) as "automatic update"; never an email."""
    user, credit = row.history_user, row.history_credit
    if credit is not None:
        return f"{credit.username} (approved by a curator)"
    if user is None:
        return automatic_author(row)
    return "curator" if user.is_staff else user.username


def _display(model, name, value, names):
    if value is None or value == "":
        return "–"
    model_field = model._meta.get_field(name.removesuffix("_id"))
    if name == "category_id":
        return names["category"].get(value, "a removed category")
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return date_format(value.astimezone(UTC), "DATETIME_FORMAT") + " UTC"
    if isinstance(value, date):
        return date_format(value)
    return str(value)


def _label(model, name):
    return str(model._meta.get_field(name.removesuffix("_id")).verbose_name).capitalize()


def _field_changes(source, row, previous, names):
    model = source.model
    changes = []
    for name in source.fields:
        new = getattr(row, name)
        old = getattr(previous, name) if previous is not None else None
        if previous is not None and old == new:
            continue
        if previous is None and new in (None, "", False):
            continue
        diff = None
        if name in TEXT_FIELDS and previous is not None:
            diff = word_diff(old or "", new or "")
        changes.append(
            FieldChange(
                _label(model, name),
                _display(model, name, old, names) if previous is not None else "",
                _display(model, name, new, names),
                diff,
            )
        )
    return changes


def _subject(kind, row, names):
    """("Pro", "Flask: Fast and light") for a row."""
    framework = names["framework"].get(getattr(row, "framework_id", None), "")
    criterion = names["criterion"].get(getattr(row, "criterion_id", None), "")
    if kind == "framework":
        return "Framework", row.name
    if kind == "procon":
        return ("Pro" if row.kind == ProCon.Kind.PRO else "Con"), f"{framework}: {row.text}"
    if kind == "assessment":
        scope = Assessment.scope.fget(row)  # a historical row: no model methods
        return "Assessment", f"{framework} on {criterion}" + (f" ({scope})" if scope else "")
    if kind == "comparison":
        return "Comparison", row.title
    if kind == "difference":
        return "Difference", criterion
    return "Framework in the comparison", framework


def _action(kind, row, previous):
    if row.history_type == "-":
        return "removed"
    if kind == "procon" and row.status != APPROVED:
        return "withdrawn"
    if previous is None:
        return "imported" if is_import(row) else "added"
    if kind == "procon" and previous.status != APPROVED:
        return "published"
    return "changed"


def _is_rewrite(previous, row):
    """A removal right before this insert of the same key: one admin edit."""
    return (
        previous.history_type == "-"
        and row.history_type == "+"
        and row.history_date - previous.history_date <= REWRITE_WINDOW
    )


def load_changes(keys, since=None):
    """Change objects for ``keys`` (from ``Scope.keys()``), in their order."""
    by_kind = {}
    for _, history_id, kind in keys:
        by_kind.setdefault(kind, []).append(history_id)
    rows, previous = {}, {}
    for kind, ids in by_kind.items():
        source = SOURCES[kind]
        history = source.model.history.model
        found = list(
            history.objects.filter(history_id__in=ids)
            .annotate(previous_id=_previous(source))
            .select_related("history_user", "history_credit")
        )
        rows.update({(kind, r.history_id): r for r in found})
        before = [r.previous_id for r in found if r.previous_id is not None]
        previous.update(
            {(kind, r.history_id): r for r in history.objects.filter(history_id__in=before)}
        )
    names = _names(rows.values())
    changes = []
    for _, history_id, kind in keys:
        row = rows.get((kind, history_id))
        if row is None:
            continue
        source = SOURCES[kind]
        before = previous.get((kind, row.previous_id))
        if before is not None and before.history_type == "-" and not _is_rewrite(before, row):
            before = None  # removed, and added again later: a new row
        fields = _field_changes(source, row, before, names)
        if row.history_type == "~" and not fields:
            continue
        what, subject = _subject(kind, row, names)
        changes.append(
            Change(
                kind=kind,
                history_id=history_id,
                when=row.history_date,
                action=_action(kind, row, before),
                what=what,
                subject=subject,
                who=who(row),
                reason=row.history_change_reason or "",
                fields=[] if row.history_type == "-" else fields,
                is_new=since is not None and row.history_date > since,
                framework_id=row.id if kind == "framework" else getattr(row, "framework_id", None),
            )
        )
    return changes


def _names(rows):
    """Names of the frameworks, criteria and categories the rows refer to
    (a query per kind of name, whatever the number of rows)."""
    framework_ids, criterion_ids, category_ids = set(), set(), set()
    for row in rows:
        framework_ids.add(getattr(row, "framework_id", None))
        criterion_ids.add(getattr(row, "criterion_id", None))
        category_ids.add(getattr(row, "category_id", None))
    names = {"framework": {}, "criterion": {}, "category": {}}
    for key, model, ids, label in (
        ("framework", Framework, framework_ids, "name"),
        ("criterion", Criterion, criterion_ids, "name"),
        ("category", Category, category_ids, "name"),
    ):
        ids.discard(None)
        if ids:
            names[key] = dict(model.objects.filter(pk__in=ids).values_list("pk", label))
    for row in rows:
        if row.instance_type is Framework:  # the framework rows name themselves
            names["framework"].setdefault(row.id, row.name)
    return names


def changes_page(scope, number, since=None):
    """(page object, its Change list); Http404 for a page that does not exist."""
    paginator = Paginator(scope.keys(), PER_PAGE)
    try:
        page = paginator.page(number or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("That page of changes does not exist.") from None
    return page, load_changes(list(page.object_list), since)


def latest_changes(scope, limit=PER_PAGE, since=None):
    """The ``limit`` newest changes (made after ``since``, when given)."""
    return load_changes(list(scope.keys(since)[:limit]))


def parse_since(raw):
    """The ``since`` parameter (seconds since the epoch) as a datetime, None
    when absent; ValueError when it is not a sane number."""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 11:
        raise ValueError(raw)
    return datetime.fromtimestamp(int(raw), tz=UTC)

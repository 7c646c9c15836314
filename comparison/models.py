"""Criteria, per-framework assessments and curated comparisons."""

import re

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.history import CuratedHistory
from core.links import url_for
from core.models import SLUG_PATTERN, TimeStampedModel
from frameworks.models import COMPARE_SEPARATOR, Framework

#: A comparison holds 2 to 4 frameworks. Every check of that rule (model
#: constraint, service, admin, picker, compare addresses, templates) reads
#: these two numbers, FRAMEWORK_RANGE and holds_framework_count().
MIN_FRAMEWORKS = 2
MAX_FRAMEWORKS = 4
FRAMEWORK_RANGE = f"{MIN_FRAMEWORKS} to {MAX_FRAMEWORKS}"


def holds_framework_count(count):
    """Whether ``count`` frameworks make a comparison."""
    return MIN_FRAMEWORKS <= count <= MAX_FRAMEWORKS


def framework_set_key(frameworks):
    """The order-independent key of a set of frameworks ("3,7,12")."""
    return ",".join(str(pk) for pk in sorted({getattr(f, "pk", f) for f in frameworks}))


#: framework_set_key() of MIN_FRAMEWORKS to MAX_FRAMEWORKS ids ("3,7").
_FRAMEWORK_KEY_RE = rf"^\d+(,\d+){{{MIN_FRAMEWORKS - 1},{MAX_FRAMEWORKS - 1}}}$"


def compare_path(frameworks, versions=None):
    """The compare URL of frameworks in the given order, each pinned to its
    series in ``versions`` ({framework id: series name}) if it has one there:
    /compare/django-5.2-vs-flask-3.1/."""
    return url_for("comparison:detail", compare_address(frameworks, versions))


def compare_address(frameworks, versions=None):
    """The slugs part of ``compare_path``: "django-5.2-vs-flask"."""
    versions = versions or {}
    return COMPARE_SEPARATOR.join(
        f"{f.slug}-{versions[f.pk].lower()}" if versions.get(f.pk) else f.slug for f in frameworks
    )


#: An assessment's version bound: a series or release number, "4.1" or "3.0.2".
BOUND_PATTERN = r"^\d{1,6}(\.\d{1,6}){0,2}$"
validate_bound = RegexValidator(BOUND_PATTERN, 'Write a version such as "4.1" or "3.0".')


def version_key(name):
    """A series or version name as a sortable tuple: "5.2" -> (5, 2), so
    that "5.10" comes after "5.9". Names without digits sort first."""
    return tuple(int(part) for part in re.findall(r"\d+", name)[:4])


class Criterion(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    question = models.CharField(
        max_length=150,
        blank=True,
        help_text='A yes/no question when a typed verdict fits ("Ships its own ORM?").',
    )
    position = models.PositiveSmallIntegerField(default=0, db_index=True)

    history = CuratedHistory()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_PATTERN),
                name="criterion_slug_valid",
                violation_error_message="Use lowercase letters, digits and single hyphens.",
            ),
        ]

    def __str__(self):
        return self.name


class AssessmentQuerySet(models.QuerySet):
    def current(self):
        """The assessments of the latest versions: one per framework and
        criterion at most (the one without an end version)."""
        return self.filter(until="")


class Assessment(models.Model):
    class Verdict(models.TextChoices):
        YES = "yes", "Yes"
        PARTIAL = "partial", "Partly"
        NO = "no", "No"
        UNKNOWN = "unknown", "Unknown"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="assessments")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="assessments")
    verdict = models.CharField(
        max_length=8,
        choices=Verdict.choices,
        blank=True,
        help_text="Answer to the criterion's question; leave empty when it has none.",
    )
    summary = models.TextField(max_length=600)
    source_url = models.URLField("source", blank=True, max_length=500)
    checked_on = models.DateField(null=True, blank=True)
    # The versions it holds for, as caniuse scopes a note: "since 4.1",
    # "until 3.0". Both empty: every version. The current assessment is
    # the one without ``until``; earlier versions' answers end at one.
    since = models.CharField(
        "from version",
        max_length=20,
        blank=True,
        validators=[validate_bound],
        help_text='The first series it holds for, e.g. "4.1". Empty: every earlier one.',
    )
    until = models.CharField(
        "to version",
        max_length=20,
        blank=True,
        validators=[validate_bound],
        help_text='The last series it holds for, e.g. "3.0". Empty: up to the latest.',
    )

    objects = AssessmentQuerySet.as_manager()
    history = CuratedHistory()

    class Meta:
        ordering = ["criterion", "framework", "since"]
        constraints = [
            # One current assessment (no ``until``) per framework and
            # criterion, and one per end version: what every page that
            # shows "the" assessment reads is unique by construction.
            models.UniqueConstraint(
                fields=["framework", "criterion", "until"],
                name="assessment_once_per_framework_criterion_until",
                violation_error_message=(
                    "This framework is already assessed on this criterion up to this version."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="assessment_summary_not_empty",
                violation_error_message="Write the assessment.",
            ),
        ]

    def __str__(self):
        scope = f" ({self.scope})" if self.scope else ""
        return f"{self.framework} – {self.criterion}{scope}"

    def get_absolute_url(self):
        return self.framework.get_absolute_url()

    @property
    def scope(self):
        """The versions it holds for, in words: "4.1 to 4.2", "since 4.1",
        "until 3.0", or "" for every version."""
        if self.since and self.until:
            return self.since if self.since == self.until else f"{self.since} to {self.until}"
        if self.since:
            return f"since {self.since}"
        return f"until {self.until}" if self.until else ""

    def covers(self, series):
        """Whether it holds for the series named ``series`` ("4.2"). With
        no series (a framework without known releases) only the current
        assessment does."""
        if series is None:
            return not self.until
        key = version_key(series)
        return (not self.since or version_key(self.since) <= key) and (
            not self.until or key <= version_key(self.until)
        )


def range_error(assessments):
    """The error to show when one of these assessments runs backwards
    ("4.2 to 4.1") or two of a framework's on one criterion hold for a
    same version; else None. The forms and the importer check the whole
    set they save: a constraint cannot compare version ranges, and a
    model ``clean()`` sees one row (and would cost the importer its fast
    path)."""
    groups = {}
    for a in assessments:
        if a.since and a.until and version_key(a.since) > version_key(a.until):
            return (
                f"The assessment of {a.criterion} for {a.scope} ends before it starts: "
                "the last version cannot come before the first."
            )
        groups.setdefault((a.framework_id, a.criterion_id), []).append(a)
    for group in groups.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if _overlap(a, b):
                    scopes = " and ".join(x.scope or "for every version" for x in (a, b))
                    return (
                        f"Two assessments of {a.criterion} hold for the same versions "
                        f"({scopes}): give each version one answer."
                    )
    return None


def _overlap(a, b):
    """Whether two assessments' version ranges share a version."""
    low = max(version_key(a.since) if a.since else (), version_key(b.since) if b.since else ())
    highs = [version_key(x.until) for x in (a, b) if x.until]
    return not highs or low <= min(highs)


class ComparisonQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def visible(self):
        """Published, and every framework in it published too (its URL works)."""
        return self.published().exclude(frameworks__is_published=False)

    def with_frameworks(self):
        """Prefetch the ordered frameworks (one extra query for any number)."""
        return self.prefetch_related(
            models.Prefetch(
                "entries",
                queryset=ComparisonEntry.objects.select_related("framework").order_by("position"),
            )
        )


class Comparison(TimeStampedModel):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text=(
            "Kept as an alias: /compare/ followed by this slug redirects to the canonical URL."
        ),
    )
    frameworks = models.ManyToManyField(
        Framework, through="ComparisonEntry", related_name="comparisons"
    )
    intro = models.TextField("introduction", blank=True)
    summary = models.TextField(blank=True)
    is_published = models.BooleanField(default=True, db_index=True)
    # The sorted ids of the frameworks ("3,7"): lets the database refuse two
    # published comparisons of the same set, and finds a set in one lookup.
    framework_key = models.CharField(max_length=100, editable=False, default="", db_index=True)

    objects = ComparisonQuerySet.as_manager()
    history = CuratedHistory(excluded_fields=["updated"])

    class Meta:
        ordering = ["title"]
        indexes = [
            # The compare index's order: a page of it reads its rows, not
            # every comparison sorted (400 at 20,000 frameworks).
            models.Index(fields=["title", "slug"], name="comparison_by_title"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["framework_key"],
                condition=Q(is_published=True),
                name="comparison_published_set_unique",
                violation_error_message="A published comparison of these frameworks exists.",
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(framework_key__regex=_FRAMEWORK_KEY_RE),
                name="comparison_published_has_2_to_4",
                violation_error_message=(
                    f"A published comparison needs {FRAMEWORK_RANGE} frameworks."
                ),
            ),
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_PATTERN),
                name="comparison_slug_valid",
                violation_error_message="Use lowercase letters, digits and single hyphens.",
            ),
        ]

    def __str__(self):
        return self.title

    def ordered_frameworks(self):
        """Frameworks in curated order; uses the with_frameworks() prefetch."""
        return [entry.framework for entry in self.entries.all()]

    def get_absolute_url(self):
        frameworks = self.ordered_frameworks()
        if len(frameworks) < MIN_FRAMEWORKS:
            return reverse("comparison:index")
        return compare_path(frameworks)


class ComparisonEntry(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="entries")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=1)

    history = CuratedHistory()

    class Meta:
        ordering = ["comparison", "position"]
        verbose_name = "framework"
        verbose_name_plural = "frameworks (in display order)"
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "framework"],
                name="comparison_entry_framework_once",
                violation_error_message="A framework can appear only once in a comparison.",
            ),
            models.UniqueConstraint(
                fields=["comparison", "position"],
                name="comparison_entry_position_once",
                violation_error_message="Two frameworks cannot share a position.",
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_FRAMEWORKS),
                name="comparison_entry_position_1_to_4",
                violation_error_message=f"Position must be 1 to {MAX_FRAMEWORKS}.",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.framework}"


class Difference(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="differences")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    history = CuratedHistory()

    class Meta:
        ordering = ["comparison", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "criterion"],
                name="difference_once_per_criterion",
                violation_error_message="This criterion already has a difference here.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="difference_text_not_empty",
                violation_error_message="Write the difference.",
            ),
        ]

    def __str__(self):
        return f"{self.comparison}: {self.criterion}"


#: The framework figures a member may suggest a new value for: the curated
#: statistics of the framework page (name: label, the field holding its date).
SUGGESTIBLE_STATISTICS = {
    "github_stars": ("GitHub stars", "github_as_of"),
    "github_forks": ("GitHub forks", "github_as_of"),
    "stacks": ("Stacks", "stats_as_of"),
    "followers": ("Followers", "stats_as_of"),
}
#: The largest figure a PositiveIntegerField holds on every database.
MAX_STATISTIC = 2_147_483_647


class EditSuggestionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=EditSuggestion.Status.PENDING)


class EditSuggestion(models.Model):
    """A member's proposed change to one assessment cell or one statistic.

    One model for both targets: the review (diff, conflict check, approve,
    reject, the member's list) is the same, only the compared fields differ.
    The target is (framework, criterion) for a cell, so a cell that has no
    assessment yet can be suggested too, or (framework, statistic).
    ``snapshot`` holds the target's values when the suggestion was made; if
    they differ from the current ones, a curator changed the target since,
    and the suggestion is not applied (status *conflict*).
    """

    class Target(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment"
        STATISTIC = "statistic", "Statistic"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CONFLICT = "conflict", "Conflict: the target changed"

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="edit_suggestions"
    )
    target = models.CharField(max_length=10, choices=Target.choices)
    criterion = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    statistic = models.CharField(
        max_length=20,
        blank=True,
        choices=[(key, label) for key, (label, _) in SUGGESTIBLE_STATISTICS.items()],
    )
    # The proposal: verdict, summary and source for a cell; value for a statistic.
    verdict = models.CharField(max_length=8, choices=Assessment.Verdict.choices, blank=True)
    summary = models.TextField(max_length=600, blank=True)
    source_url = models.URLField("proposed source", max_length=500, blank=True)
    value = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_STATISTIC)]
    )
    reason = models.TextField(max_length=1000)
    evidence_url = models.URLField(
        "source link", max_length=500, help_text="Where the member read what they suggest."
    )
    snapshot = models.JSONField(
        default=dict, help_text="The target's values when the suggestion was made."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edit_suggestions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.TextField(
        max_length=1000, blank=True, help_text="Shown to the member (required to reject)."
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = EditSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = "suggested edit"
        verbose_name_plural = "suggested edits"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target="assessment", criterion__isnull=False, statistic="", value=None)
                    & ~Q(summary="")
                )
                | Q(target="statistic", criterion__isnull=True, value__isnull=False)
                & ~Q(statistic=""),
                name="edit_suggestion_target_shape",
                violation_error_message=(
                    "A suggestion names a criterion with a summary, or a statistic with a value."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(reason="") & ~Q(evidence_url=""),
                name="edit_suggestion_reason_and_source",
                violation_error_message="Give a reason and a source link.",
            ),
        ]

    def __str__(self):
        return f"{self.target_label} (by {self.author})"

    def get_absolute_url(self):
        return reverse("suggestions:mine") + f"#suggestion-{self.pk}"

    @property
    def target_label(self):
        if self.target == self.Target.ASSESSMENT:
            return f"{self.framework} – {self.criterion}"
        return f"{self.framework} – {SUGGESTIBLE_STATISTICS[self.statistic][0]}"

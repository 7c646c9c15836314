"""Statistics read from GitHub, PyPI and npm: the history behind the charts,
and what the sync keeps between runs (conditional requests, pauses); the
release series, their advisories and the health signals (releases.py)."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from core.cache import tags
from core.history import CuratedHistory
from core.models import TimeStampedModel
from frameworks.models import Framework

#: A version or series name: text such as "5.2", "5.2.8" or "3.1.0rc1".
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,49}$"
validate_version = RegexValidator(
    VERSION_PATTERN, 'Write a version such as "5.2" or "5.2.8": letters, digits, ".", "+", "-".'
)
#: An OSV identifier such as GHSA-xxxx-xxxx-xxxx, PYSEC-2024-1 or CVE-2024-1234.
OSV_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{2,99}$"


class StatSnapshot(models.Model):
    """One figure of one framework on one day: the history behind the charts.

    A second reading on the same day overwrites that day's row."""

    class Metric(models.TextChoices):
        GITHUB_STARS = "github_stars", "GitHub stars"
        GITHUB_FORKS = "github_forks", "GitHub forks"
        GITHUB_OPEN_ISSUES = "github_open_issues", "Open issues"
        WEEKLY_DOWNLOADS = "weekly_downloads", "Weekly downloads"
        STACKS = "stacks", "Stacks"
        FOLLOWERS = "followers", "Followers"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="snapshots")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    day = models.DateField()
    value = models.PositiveBigIntegerField()
    source = models.CharField(
        max_length=200, help_text='Where the figure comes from, e.g. "GitHub API".'
    )
    source_url = models.URLField(blank=True, max_length=500)

    class Meta:
        ordering = ["framework", "metric", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "metric", "day"],
                name="snapshot_once_per_framework_metric_day",
                violation_error_message="This framework already has this figure for this day.",
            ),
        ]

    def __str__(self):
        return f"{self.framework} {self.get_metric_display()} on {self.day}: {self.value}"

    def get_absolute_url(self):
        return f"{self.framework.get_absolute_url()}#statistics"


class CachedResponse(models.Model):
    """The last answer to a GET, kept for conditional requests (ETag)."""

    url = models.CharField(max_length=500, unique=True)
    etag = models.CharField(max_length=200)
    body = models.TextField()
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.url


class SyncRecord(models.Model):
    """When a framework's sources were last read completely (--stale-hours)."""

    framework = models.OneToOneField(
        Framework, on_delete=models.CASCADE, related_name="sync_record"
    )
    synced_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    last_failures = models.TextField(blank=True)

    class Meta:
        ordering = ["framework"]

    def __str__(self):
        return f"Sync of {self.framework}"


class ApiPause(models.Model):
    """An API that asked us to stop until a time (GitHub's rate limit), so
    the next sync_stats run does not call it before then either."""

    api = models.CharField(max_length=20, unique=True)
    until = models.DateTimeField()

    class Meta:
        ordering = ["api"]

    def __str__(self):
        return f"{self.api} paused until {self.until:%Y-%m-%d %H:%M}"


class ReleaseSeriesQuerySet(models.QuerySet):
    def for_display(self, *, advisories=True):
        """Newest first, with their advisory counts by severity and latest
        advisory date (one query), and with ``advisories`` the advisories
        themselves (one more)."""
        counts = {
            f"advisories_{value}": models.Count("advisories", filter=Q(advisories__severity=value))
            for value in Advisory.Severity.values
        }
        queryset = self.annotate(
            **counts, latest_advisory_at=models.Max("advisories__published")
        ).order_by("framework_id", "-released", "-name")
        return queryset.prefetch_related("advisories") if advisories else queryset


class ReleaseSeries(TimeStampedModel):
    """One release series of a framework (Django 5.2): its dates, latest
    patch, LTS flag and support windows. Synced by sync_stats from
    endoflife.date, or from the PyPI or npm release list; a curator may add
    or correct one, and a series marked *curated* is never changed by the
    sync. Unknown dates stay empty and show as unknown."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="release_series"
    )
    name = models.CharField(
        max_length=50, validators=[validate_version], help_text='The series, e.g. "5.2".'
    )
    released = models.DateField("first release", null=True, blank=True)
    latest = models.CharField(
        "latest patch", max_length=50, blank=True, validators=[validate_version]
    )
    latest_released = models.DateField("latest patch released", null=True, blank=True)
    lts = models.BooleanField("long-term support", default=False)
    support_ends = models.DateField(
        "active support ends", null=True, blank=True, help_text="Bug fixes end. Empty: unknown."
    )
    security_ends = models.DateField(
        "security fixes end", null=True, blank=True, help_text="Empty: unknown."
    )
    ended = models.BooleanField(
        "no longer supported",
        default=False,
        help_text="The source says support ended but gives no date.",
    )
    language_versions = models.CharField(
        max_length=100, blank=True, help_text='Language versions supported, e.g. "3.10-3.14".'
    )
    source = models.CharField(max_length=200, help_text='e.g. "endoflife.date" or "PyPI".')
    source_url = models.URLField(blank=True, max_length=500)
    checked_on = models.DateField(null=True, blank=True, help_text="When the source was read.")
    curated = models.BooleanField(
        "kept by a curator",
        default=False,
        help_text="The sync leaves a curated series as it is (advisories are still read).",
    )
    advisories_checked_on = models.DateField(
        null=True, blank=True, help_text="When OSV was last asked about the latest patch."
    )

    objects = ReleaseSeriesQuerySet.as_manager()
    # The sync's daily "checked" dates are no change of the series.
    history = CuratedHistory(excluded_fields=["updated", "checked_on", "advisories_checked_on"])

    class Meta:
        ordering = ["framework", "-released", "-name"]
        verbose_name_plural = "release series"
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"],
                name="release_series_once_per_framework",
                violation_error_message="This framework already has a series of this name.",
            ),
            models.CheckConstraint(
                condition=Q(released__isnull=True)
                | Q(latest_released__isnull=True)
                | Q(latest_released__gte=models.F("released")),
                name="release_series_latest_after_first",
                violation_error_message="The latest patch cannot predate the first release.",
            ),
        ]

    def __str__(self):
        return f"{self.framework} {self.name}"

    def get_absolute_url(self):
        return f"{self.framework.get_absolute_url()}#releases"

    def is_past_support(self, today=None):
        """No more fixes of any kind: the source says so, or security fixes
        ended before ``today``. Unknown dates never count as ended."""
        today = today or tags.today()
        return self.ended or (self.security_ends is not None and self.security_ends < today)

    def is_past_active_support(self, today=None):
        today = today or tags.today()
        return self.support_ends is not None and self.support_ends < today

    def advisory_counts(self):
        """[(severity label, count)] of the advisories on the latest patch,
        most severe first (``for_display()``'s counts); None while OSV was
        never asked (unknown)."""
        counts = self.severity_counts()
        if counts is None:
            return None
        labels = dict(Advisory.Severity.choices)
        return [(labels[value], n) for value, n in counts.items() if n]

    def severity_counts(self):
        """{severity: count} of every severity, most severe first (zeros
        too: OSV was asked); None while OSV was never asked (unknown)."""
        if self.advisories_checked_on is None:
            return None
        return {value: getattr(self, f"advisories_{value}") for value in Advisory.Severity.values}


class Advisory(models.Model):
    """An OSV advisory that affects a series' latest patch (synced)."""

    class Severity(models.TextChoices):
        CRITICAL = "critical", "critical"
        HIGH = "high", "high"
        MODERATE = "moderate", "moderate"
        LOW = "low", "low"
        UNKNOWN = "unknown", "severity not given"

    series = models.ForeignKey(ReleaseSeries, on_delete=models.CASCADE, related_name="advisories")
    osv_id = models.CharField("OSV id", max_length=100, validators=[RegexValidator(OSV_ID_PATTERN)])
    severity = models.CharField(max_length=10, choices=Severity.choices)
    published = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["series", "-published", "osv_id"]
        verbose_name_plural = "advisories"
        constraints = [
            models.UniqueConstraint(fields=["series", "osv_id"], name="advisory_once_per_series"),
        ]

    def __str__(self):
        return self.osv_id

    def get_absolute_url(self):
        return f"https://osv.dev/vulnerability/{self.osv_id}"


class HealthSignal(models.Model):
    """A synced health figure of a framework that no other row holds: its
    release cadence (from the PyPI or npm release list) and its OpenSSF
    Scorecard, with the per-check reasons in ``details``."""

    class Kind(models.TextChoices):
        CADENCE = "cadence", "Release cadence"
        SCORECARD = "scorecard", "OpenSSF Scorecard"

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="health_signals"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: Cadence: median days between releases; Scorecard: its score out of 10.
    value = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(10000)],
    )
    #: Cadence: {"releases": n}; Scorecard: {"checks": [{"name", "score",
    #: "reason", "url"}]}.
    details = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=200)
    source_url = models.URLField(blank=True, max_length=500)
    as_of = models.DateField(help_text="The date the source gives its figure.")
    checked_on = models.DateField(help_text="When the source was read.")

    class Meta:
        ordering = ["framework", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "kind"], name="health_signal_once_per_framework"
            ),
        ]

    def __str__(self):
        return f"{self.framework} {self.get_kind_display()}: {self.value}"

    def get_absolute_url(self):
        return f"{self.framework.get_absolute_url()}#health"

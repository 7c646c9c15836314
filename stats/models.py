"""Statistics read from GitHub, PyPI and npm: the history behind the charts,
and what the sync keeps between runs (conditional requests, pauses)."""

from django.db import models

from frameworks.models import Framework


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

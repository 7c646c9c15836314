"""Watching: members who follow what changes on a page."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from frameworks.models import Framework


class Watch(models.Model):
    """A member watching a framework's page or a comparison page.

    A comparison is named by its set of frameworks (``framework_key``, the
    sorted ids as in ``Comparison.framework_key``), so any set can be
    watched, curated or generated, and a watch outlives a curated page
    being unpublished. ``last_seen_at`` is when the member last saw the page:
    changes after it are marked on their next visit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    framework = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.CASCADE, related_name="watches"
    )
    framework_key = models.CharField(
        "compared frameworks", max_length=100, blank=True, help_text='Sorted ids, e.g. "3,7".'
    )
    last_seen_at = models.DateTimeField(default=timezone.now)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "framework"],
                condition=Q(framework__isnull=False),
                name="watch_framework_once",
                violation_error_message="This member already watches this framework.",
            ),
            models.UniqueConstraint(
                fields=["user", "framework_key"],
                condition=~Q(framework_key=""),
                name="watch_comparison_once",
                violation_error_message="This member already watches this comparison.",
            ),
            models.CheckConstraint(
                condition=(Q(framework__isnull=False) & Q(framework_key=""))
                | (Q(framework__isnull=True) & Q(framework_key__regex=r"^\d+(,\d+)+$")),
                name="watch_one_page",
                violation_error_message="A watch is on one framework or one comparison.",
            ),
        ]

    def __str__(self):
        target = self.framework or f"comparison of {self.framework_key}"
        return f"{self.user} watches {target}"

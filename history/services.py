"""Watching pages: starting and stopping, and what a member's visit shows."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Watch


def toggle_watch(user, *, framework=None, framework_key=""):
    """Start or stop watching a framework's page (``framework``) or a
    comparison page (``framework_key``); returns whether the member now
    watches it. Starting counts the page as seen now."""
    target = {"framework": framework, "framework_key": framework_key}
    deleted, _ = Watch.objects.filter(user=user, **target).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Watch.objects.create(user=user, **target)
    except IntegrityError:
        pass  # a parallel request of the same member started it a moment ago
    return True


@dataclass
class WatchState:
    """What a signed-in member's page shows about watching it."""

    watching: bool = False
    new_changes: int = 0  # changes since their last visit
    since: datetime | None = None  # their last visit

    @property
    def since_param(self):
        return str(int(self.since.timestamp())) if self.since else ""


def visit_watched_page(user, scope, *, framework=None, framework_key=""):
    """A member opens a page: whether they watch it and how many changes
    (``scope``, a ``changes.Scope``) it had since their last visit, which
    becomes now. Anonymous readers get the empty state (cached pages)."""
    if not user.is_authenticated:
        return WatchState()
    watch = Watch.objects.filter(user=user, framework=framework, framework_key=framework_key)
    seen = watch.values_list("last_seen_at", flat=True).first()
    if seen is None:
        return WatchState()
    new_changes = scope.count_since(seen)
    watch.update(last_seen_at=timezone.now())
    return WatchState(True, new_changes, seen)

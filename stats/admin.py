from django.contrib import admin

from core.admin import HistoryAdmin

from .models import Advisory, HealthSignal, ReleaseSeries, StatSnapshot, SyncRecord


@admin.register(StatSnapshot)
class StatSnapshotAdmin(admin.ModelAdmin):
    list_display = ["framework", "metric", "day", "value", "source"]
    list_select_related = ["framework"]
    list_filter = ["metric", "source"]
    search_fields = ["framework__name", "source"]
    autocomplete_fields = ["framework"]
    date_hierarchy = "day"


@admin.register(SyncRecord)
class SyncRecordAdmin(admin.ModelAdmin):
    """What the last sync_stats run said of each framework (read-only)."""

    list_display = ["framework", "synced_at", "attempted_at", "failed"]
    list_select_related = ["framework"]
    search_fields = ["framework__name", "last_failures"]
    readonly_fields = ["framework", "synced_at", "attempted_at", "last_failures"]

    @admin.display(boolean=True, description="last run failed")
    def failed(self, obj):
        return bool(obj.last_failures)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AdvisoryInline(admin.TabularInline):
    """OSV's advisories on the latest patch: synced, so read-only here."""

    model = Advisory
    extra = 0
    fields = ["osv_id", "severity", "published", "summary"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReleaseSeries)
class ReleaseSeriesAdmin(HistoryAdmin):
    """Release series, with history. sync_stats keeps them current; tick
    *kept by a curator* so that it leaves a correction as it is."""

    list_display = [
        "framework",
        "name",
        "released",
        "latest",
        "lts",
        "support_ends",
        "security_ends",
        "source",
        "curated",
    ]
    list_select_related = ["framework"]
    list_filter = ["lts", "curated", "source"]
    search_fields = ["framework__name", "name", "latest"]
    autocomplete_fields = ["framework"]
    readonly_fields = ["checked_on", "advisories_checked_on"]
    inlines = [AdvisoryInline]
    fieldsets = [
        (None, {"fields": ["framework", "name", "lts", "curated"]}),
        ("Releases", {"fields": ["released", "latest", "latest_released", "language_versions"]}),
        (
            "Support (leave a date empty when the source gives none)",
            {"fields": ["support_ends", "security_ends", "ended"]},
        ),
        ("Source", {"fields": ["source", "source_url", "checked_on", "advisories_checked_on"]}),
    ]


@admin.register(HealthSignal)
class HealthSignalAdmin(admin.ModelAdmin):
    """Cadence and Scorecard as the last sync read them (read-only)."""

    list_display = ["framework", "kind", "value", "as_of", "checked_on", "source"]
    list_select_related = ["framework"]
    list_filter = ["kind"]
    search_fields = ["framework__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

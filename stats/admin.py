from django.contrib import admin

from .models import StatSnapshot, SyncRecord


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

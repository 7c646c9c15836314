from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q

from core.admin import Queue, report_count

from . import services
from .forms import MemberChangeForm
from .models import Comment, CommentReport, Follow, Profile, StackEntry


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "headline", "is_demo", "hide_stack"]
    list_filter = ["is_demo"]
    search_fields = ["user__username", "headline"]
    autocomplete_fields = ["user"]
    # Set by load_demo only: flagging a real account would hand it demo posts.
    readonly_fields = ["is_demo"]


# Members: Django's user admin, with the one-account-per-email rule as a form error.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class MemberAdmin(UserAdmin):
    form = MemberChangeForm
    show_full_result_count = False  # a search does not count 100,000 members again


class ReportedFilter(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("open", "Open reports"), ("any", "Ever reported")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(reports__is_resolved=False).distinct()
        if self.value() == "any":
            return queryset.filter(reports__isnull=False).distinct()
        return queryset


class CommentReportInline(admin.TabularInline):
    model = CommentReport
    extra = 0
    fields = ["reporter", "reason", "created", "is_resolved"]
    readonly_fields = ["reporter", "reason", "created"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: filter by *Open reports*, select, *hide*.
    Hidden comments are kept (and can be shown again), never deleted here.
    Comments of very new accounts wait under *Pending review* to be
    published or rejected, like decisions."""

    list_display = ["__str__", "excerpt", "created", "status", "is_hidden", "open_reports"]
    list_filter = ["status", ReportedFilter, "is_hidden"]
    list_select_related = ["author", "decision"]
    search_fields = ["body", "author__username"]
    readonly_fields = ["decision", "author", "body", "created", "edited", "status", "is_hidden"]
    inlines = [CommentReportInline]
    actions = ["publish", "reject", "hide", "show", "dismiss_reports"]
    pending_work = [
        Queue(
            "%(count)d comment to publish or reject",
            "%(count)d comments to publish or reject",
            {"status": Comment.Status.PENDING},
            {"status__exact": Comment.Status.PENDING},
        ),
        Queue(
            "%(count)d reported comment to hide or keep",
            "%(count)d reported comments to hide or keep",
            {"reports__is_resolved": False},
            {"reported": "open"},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_open=Count("reports", filter=Q(reports__is_resolved=False), distinct=True))
        )

    @admin.display(description="open reports", ordering="n_open")
    def open_reports(self, obj):
        return obj.n_open

    @admin.display(description="comment")
    def excerpt(self, obj):
        return obj.body[:80]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Publish selected comments", permissions=["change"])
    def publish(self, request, queryset):
        count = services.set_comments_status(queryset, Comment.Status.APPROVED)
        report_count(
            self,
            request,
            count,
            ("Published %(count)d comment.", "Published %(count)d comments."),
            "No comment was published: the selected ones were published already.",
        )

    @admin.action(
        description="Reject selected comments (kept, shown to nobody)", permissions=["change"]
    )
    def reject(self, request, queryset):
        count = services.set_comments_status(queryset, Comment.Status.REJECTED)
        report_count(
            self,
            request,
            count,
            ("Rejected %(count)d comment.", "Rejected %(count)d comments."),
            "No comment was rejected: the selected ones were rejected already.",
        )

    @admin.action(
        description="Hide selected comments (kept, shown to nobody)", permissions=["change"]
    )
    def hide(self, request, queryset):
        count = services.set_comments_hidden(queryset, True)
        report_count(
            self,
            request,
            count,
            ("Hid %(count)d comment.", "Hid %(count)d comments."),
            "No comment was hidden: the selected ones were hidden already.",
        )

    @admin.action(description="Show selected comments again", permissions=["change"])
    def show(self, request, queryset):
        count = services.set_comments_hidden(queryset, False)
        report_count(
            self,
            request,
            count,
            ("Showed %(count)d comment again.", "Showed %(count)d comments again."),
            "No comment was shown again: the selected ones were shown already.",
        )

    @admin.action(
        description="Dismiss the reports of selected comments (keep them shown)",
        permissions=["change"],
    )
    def dismiss_reports(self, request, queryset):
        count = CommentReport.objects.filter(comment__in=queryset, is_resolved=False).update(
            is_resolved=True
        )
        report_count(
            self,
            request,
            count,
            ("Dismissed %(count)d report.", "Dismissed %(count)d reports."),
            "No report was dismissed: the selected comments had no open report.",
        )


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "framework", "created"]
    list_select_related = ["user", "framework"]
    search_fields = ["user__username", "framework__name"]
    # Hundreds of thousands of rows: newest first by key, not a sort of the
    # whole table by ``created``; a search does not count them all again.
    ordering = ["-pk"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # counters are kept by members.services


@admin.register(StackEntry)
class StackEntryAdmin(FollowAdmin):
    list_display = ["user", "framework", "note", "created"]

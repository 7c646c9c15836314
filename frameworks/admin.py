from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import ngettext

from core.admin import ChosenOnlyFilter, HistoryAdmin, Queue
from core.cache import bump_on_commit

from . import cache as tags
from . import moderation, services
from .forms import DecisionAdminForm, ProConAdminForm
from .models import (
    AbuseMark,
    Category,
    Decision,
    Framework,
    PendingProCon,
    ProCon,
    Vote,
    VoteOrigin,
)


class UniqueProConTextFormSet(BaseInlineFormSet):
    """Refuse two rows of one submission with the same kind and text.

    The database refuses them too (a case-insensitive unique constraint);
    this turns the conflict into a form error instead of a failed save.
    """

    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("text"):
                continue
            key = (data.get("kind"), data["text"].strip().casefold())
            if key in seen:
                form.add_error("text", f'Duplicate of "{seen[key]}" in this list.')
            else:
                seen[key] = data["text"]


class ProConInline(admin.TabularInline):
    model = ProCon
    form = ProConAdminForm
    formset = UniqueProConTextFormSet
    fields = ["kind", "text", "detail", "baseline_votes", "votes_count", "status"]
    readonly_fields = ["votes_count"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("kind", "-votes_count", "text")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "framework_count"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(framework_count=Count("frameworks"))

    @admin.display(ordering="framework_count", description="frameworks")
    def framework_count(self, obj):
        return obj.framework_count


@admin.register(Framework)
class FrameworkAdmin(HistoryAdmin):
    """The catalogue's side of a framework. The comparison app re-registers
    it with its per-criterion assessments inline (comparison/admin.py)."""

    list_display = [
        "name",
        "category",
        "language",
        "license",
        "github_stars",
        "votes_count",
        "stats_as_of",
        "is_published",
    ]
    list_select_related = ["category"]
    list_filter = ["is_published", "is_archived", "category", "language", "license"]
    search_fields = ["name", "slug", "tagline", "language", "github_repo", "pypi_project"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category", "alternatives", "integrations"]
    inlines = [ProConInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "category", "tagline", "description", "is_published"]}),
        (
            "Facts",
            {
                "fields": [
                    "language",
                    "license",
                    "first_release_year",
                    "website",
                    "repository",
                    "docs_url",
                    "logo",
                ]
            },
        ),
        (
            "Sources read by sync_stats (each optional)",
            {"fields": ["github_repo", "pypi_project", "npm_package", "endoflife_product"]},
        ),
        (
            "Statistics (leave empty when unknown)",
            {
                "fields": ["github_stars", "github_forks", "stacks", "followers", "stats_as_of"],
                "description": "Curated figures and their date. sync_stats overwrites the "
                "GitHub figures when the framework has a repository.",
            },
        ),
        (
            "Synced by sync_stats",
            {
                "classes": ["collapse"],
                "fields": [
                    "github_open_issues",
                    "github_as_of",
                    "weekly_downloads",
                    "downloads_as_of",
                    "latest_version",
                    "latest_release_at",
                    "pushed_at",
                    "is_archived",
                ],
            },
        ),
        ("Related", {"fields": ["alternatives", "integrations"]}),
    ]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ProCon:
            # A curator may have changed a baseline: keep counts exact.
            services.recount_votes(ProCon.objects.filter(framework=form.instance))


class VotedFilter(admin.SimpleListFilter):
    title = "member votes"
    parameter_name = "member_votes"

    def lookups(self, request, model_admin):
        return [("yes", "Has member votes"), ("no", "No member votes")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(votes_count__gt=F("baseline_votes"))
        if self.value() == "no":
            return queryset.filter(votes_count=F("baseline_votes"))
        return queryset


@admin.register(ProCon)
class ProConAdmin(HistoryAdmin):
    form = ProConAdminForm
    list_display = ["text", "framework", "kind", "votes_count", "status", "submitted_by", "created"]
    list_select_related = ["framework", "submitted_by"]
    list_filter = ["status", "kind", VotedFilter, ("framework", ChosenOnlyFilter)]
    search_fields = ["text", "detail", "framework__name"]
    autocomplete_fields = ["framework", "submitted_by"]
    readonly_fields = ["votes_count", "created"]
    actions = ["approve", "reject"]
    # No date drill-down: each level read all 200,000 dates through a
    # function (4 s on SQLite); a filtered list does not count them all again.
    show_full_result_count = False
    # Newest first, by key: the model's order (framework name, kind, votes,
    # text) sorted all 200,000 rows for each page (a quarter of a second on
    # SQLite). The columns still sort on a click; a framework's own items
    # are one filter away.
    ordering = ["-pk"]

    def save_model(self, request, obj, form, change):
        # Moved to another framework: its votes leave the one it was on.
        before = ProCon.objects.filter(pk=obj.pk).values_list("framework_id", flat=True).first()
        super().save_model(request, obj, form, change)
        services.recount_votes(ProCon.objects.filter(pk=obj.pk))
        if before is not None and before != obj.framework_id:
            services.recount_framework_votes([before])
            services.counts_changed.send(sender=Vote, framework_ids=[before])
            bump_on_commit(tags.framework(before))

    @admin.action(description="Approve selected pros/cons (publish them)", permissions=["change"])
    def approve(self, request, queryset):
        count = services.set_status(queryset, ProCon.Status.APPROVED)
        message = ngettext(
            "Approved %(count)d pro or con.", "Approved %(count)d pros and cons.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description="Reject selected pros/cons", permissions=["change"])
    def reject(self, request, queryset):
        count = services.set_status(queryset, ProCon.Status.REJECTED)
        message = ngettext(
            "Rejected %(count)d pro or con.", "Rejected %(count)d pros and cons.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(PendingProCon)
class PendingProConAdmin(ProConAdmin):
    """The moderation queue: members' suggestions waiting for review."""

    list_display = ["text", "framework", "kind", "detail", "submitted_by", "created"]
    list_filter = ["kind", ("framework", ChosenOnlyFilter)]
    pending_work = [
        Queue(
            "%(count)d pro or con suggested by a member to approve or reject",
            "%(count)d pros and cons suggested by members to approve or reject",
            {"status": ProCon.Status.PENDING},
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=ProCon.Status.PENDING)

    # django-simple-history records ProCon, not this proxy: a suggestion's
    # history and revert pages are its pro/con's.
    def history_view(self, request, object_id, extra_context=None):
        return HttpResponseRedirect(reverse("admin:frameworks_procon_history", args=[object_id]))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return HttpResponseRedirect(
            reverse("admin:frameworks_procon_simple_history", args=[object_id, version_id])
        )

    def revert_before_view(self, request, object_id, version_id):
        return HttpResponseRedirect(
            reverse("admin:frameworks_procon_revert_before", args=[object_id, version_id])
        )


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Votes are cast by members only; curators can look, not touch.

    Deleting a member, a pro/con or a framework deletes their votes too, and
    the admin asks this class's ``has_delete_permission`` for every such vote
    before it lets the deletion through: so that answer follows the model
    permission (a superuser has it), while this admin's own pages offer no
    way to delete a vote (no delete page, no bulk action, no delete link).
    Counts stay exact: a member's deletion recounts what they voted on
    (``services.recount_after_member_deleted``); a deleted pro/con takes its
    counter with it, and its votes leave its framework's
    (``services.recount_after_procon_deleted``).
    """

    list_display = ["procon", "user", "created"]
    list_select_related = ["procon__framework", "user"]
    list_filter = [("procon__framework", ChosenOnlyFilter)]
    search_fields = ["user__username", "procon__text"]
    # A million votes: newest first by key (votes are never backdated), not
    # by ``created``, which has no index of its own (each vote would write
    # it) and was a sort of the whole table; no date drill-down, whose
    # every level reads every row (the vote report looks at time instead);
    # and a filtered list does not count the whole table again.
    ordering = ["-pk"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied("Votes are taken back by the member who cast them.")

    change_list_template = "admin/frameworks/vote/change_list.html"

    def get_urls(self):
        report = path(
            "report/", self.admin_site.admin_view(self.report_view), name="frameworks_vote_report"
        )
        return [report, *super().get_urls()]

    def report_view(self, request):
        """The vote report: bursts, new accounts, shared addresses, and the
        form that discounts the votes of the accounts a curator ticks."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = moderation.vote_report()
        can_discount = request.user.has_perm("frameworks.delete_vote")
        errors = []
        if request.method == "POST":
            if not can_discount:
                raise PermissionDenied
            chosen = {int(v) for v in request.POST.getlist("account") if v.isdigit()}
            chosen &= report.user_ids
            reason = request.POST.get("reason", "").strip()[:1000]
            if not chosen:
                errors.append("Tick at least one account the report lists.")
            if not reason:
                errors.append("Say why the votes are discounted (the record keeps it).")
            if not errors:
                marks = moderation.discount_votes(chosen, curator=request.user, reason=reason)
                removed = sum(mark.votes_removed for mark in marks)
                message = discounted_message(removed, len(marks))
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:frameworks_vote_report"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Vote report",
            "opts": self.model._meta,
            "report": report,
            "burst_threshold": settings.VOTE_BURST_THRESHOLD,
            "shared_accounts": settings.VOTE_SHARED_ADDRESS_ACCOUNTS,
            "new_account_hours": moderation.NEW_ACCOUNT_HOURS,
            "can_discount": can_discount,
            "errors": errors,
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
            "blocked": set(
                AbuseMark.objects.blocking()
                .filter(user_id__in=report.user_ids)
                .values_list("user_id", flat=True)
            ),
        }
        return TemplateResponse(
            request, "admin/frameworks/vote/report.html", context, status=400 if errors else 200
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "show_delete": False}
        )


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    form = DecisionAdminForm
    list_display = [
        "__str__",
        "kind",
        "status",
        "author",
        "framework_names",
        "views_count",
        "created",
    ]
    list_select_related = ["author"]
    list_filter = ["status", "kind", ("frameworks", ChosenOnlyFilter)]
    actions = ["publish", "reject"]
    search_fields = ["title", "body", "author__username"]
    autocomplete_fields = ["author", "frameworks", "criteria"]
    readonly_fields = ["views_count"]
    date_hierarchy = "created"
    pending_work = [
        Queue(
            "%(count)d decision to publish or reject",
            "%(count)d decisions to publish or reject",
            {"status": Decision.Status.PENDING},
            {"status__exact": Decision.Status.PENDING},
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("frameworks")

    @admin.display(description="frameworks")
    def framework_names(self, obj):
        return ", ".join(f.name for f in obj.frameworks.all())

    @admin.action(description="Publish selected decisions", permissions=["change"])
    def publish(self, request, queryset):
        count = services.set_decision_status(queryset, Decision.Status.APPROVED)
        message = ngettext("Published %(count)d decision.", "Published %(count)d decisions.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description="Reject selected decisions", permissions=["change"])
    def reject(self, request, queryset):
        count = services.set_decision_status(queryset, Decision.Status.REJECTED)
        message = ngettext("Rejected %(count)d decision.", "Rejected %(count)d decisions.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(AbuseMark)
class AbuseMarkAdmin(admin.ModelAdmin):
    """What curators did about vote pushing. Records are made by the vote
    report's "discount" form and kept; untick *blocks voting* to let the
    account vote again."""

    list_display = ["username", "votes_removed", "curator", "created", "blocks_voting"]
    list_filter = ["blocks_voting"]
    search_fields = ["username", "reason"]
    fields = [
        "username",
        "user",
        "curator",
        "created",
        "reason",
        "votes_removed",
        "procon_ids",
        "blocks_voting",
    ]
    readonly_fields = [f for f in fields if f != "blocks_voting"]
    list_select_related = ["curator"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VoteOrigin)
class VoteOriginAdmin(admin.ModelAdmin):
    """Addresses members voted from (read-only; the vote report groups them)."""

    list_display = ["user", "ip", "first_seen", "last_seen"]
    list_select_related = ["user"]
    search_fields = ["user__username", "ip"]
    date_hierarchy = "last_seen"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def discounted_message(votes, accounts):
    """The vote report's confirmation, with both counts in the right number."""
    votes_text = ngettext("%(count)d vote", "%(count)d votes", votes) % {"count": votes}
    accounts_text = ngettext(
        "%(count)d account; the affected counts are recomputed and the account cannot vote",
        "%(count)d accounts; the affected counts are recomputed and the accounts cannot vote",
        accounts,
    ) % {"count": accounts}
    return f"Discounted {votes_text} of {accounts_text} until a curator lifts the block."

from copy import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from core.admin import ChosenOnlyFilter, HistoryAdmin, Queue, RewriteChangedRowsFormSet
from frameworks.admin import FrameworkAdmin
from frameworks.models import Framework

from . import suggestions
from .models import (
    FRAMEWORK_RANGE,
    MAX_FRAMEWORKS,
    Assessment,
    Comparison,
    ComparisonEntry,
    Criterion,
    Difference,
    EditSuggestion,
    framework_set_key,
    holds_framework_count,
    range_error,
)


class ComparisonEntryFormSet(RewriteChangedRowsFormSet):
    """Checks the framework set as a whole and records its key.

    The parent form is cleaned first, so ``self.instance`` already carries the
    submitted ``is_published``; setting ``framework_key`` here means the row is
    saved with the right key, and the database's own constraints (the
    number of frameworks, one published comparison per set) only back this check up.
    """

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        frameworks = [
            form.cleaned_data["framework"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("framework")
        ]
        key = framework_set_key(frameworks)
        comparison = self.instance
        if comparison.is_published:
            if not holds_framework_count(len(frameworks)):
                raise ValidationError(
                    f"A published comparison needs {FRAMEWORK_RANGE} different frameworks."
                )
            clash = (
                Comparison.objects.published()
                .filter(framework_key=key)
                .exclude(pk=comparison.pk)
                .first()
            )
            if clash:
                raise ValidationError(
                    f'"{clash}" already compares these frameworks. Edit it instead, '
                    "or save this one unpublished."
                )
        comparison.framework_key = key


class ComparisonEntryInline(admin.TabularInline):
    model = ComparisonEntry
    formset = ComparisonEntryFormSet
    fields = ["position", "framework"]
    autocomplete_fields = ["framework"]
    extra = 2
    max_num = MAX_FRAMEWORKS
    ordering = ["position"]


class DifferenceInline(admin.StackedInline):
    model = Difference
    formset = RewriteChangedRowsFormSet
    fields = [("position", "criterion"), "text"]
    autocomplete_fields = ["criterion"]
    extra = 1
    ordering = ["position"]


@admin.register(Comparison)
class ComparisonAdmin(HistoryAdmin):
    list_display = ["title", "framework_names", "is_published", "updated"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug", "intro", "frameworks__name"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "is_published", "intro", "summary"]
    inlines = [ComparisonEntryInline, DifferenceInline]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).with_frameworks()

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ComparisonEntryInline):
            # Blank rows offer the next free positions, not 1 each.
            taken = obj.entries.count() if obj and obj.pk else 0
            kwargs["initial"] = [{"position": p} for p in range(taken + 1, MAX_FRAMEWORKS + 1)]
        return kwargs

    @admin.display(description="frameworks")
    def framework_names(self, obj):
        return " vs ".join(f.name for f in obj.ordered_frameworks())


@admin.register(Criterion)
class CriterionAdmin(HistoryAdmin):
    list_display = ["name", "position", "question", "slug"]
    list_editable = ["position"]
    search_fields = ["name", "slug", "question"]
    prepopulated_fields = {"slug": ["name"]}


class AssessmentForm(forms.ModelForm):
    """One assessment on its own page: its versions may not overlap those
    of the framework's other assessments on the criterion."""

    def clean(self):
        data = super().clean()
        framework, criterion = data.get("framework"), data.get("criterion")
        if framework and criterion and not self.errors:
            instance = copy(self.instance)
            instance.framework, instance.criterion = framework, criterion
            instance.since, instance.until = data.get("since", ""), data.get("until", "")
            others = Assessment.objects.filter(framework=framework, criterion=criterion)
            error = range_error([instance, *others.exclude(pk=self.instance.pk)])
            if error:
                raise ValidationError(error)
        return data


@admin.register(Assessment)
class AssessmentAdmin(HistoryAdmin):
    form = AssessmentForm
    list_display = ["framework", "criterion", "scope", "verdict", "checked_on", "has_source"]
    list_select_related = ["framework", "criterion"]
    list_filter = ["criterion", "verdict", ("framework", ChosenOnlyFilter)]
    search_fields = ["framework__name", "criterion__name", "summary"]
    autocomplete_fields = ["framework", "criterion"]
    date_hierarchy = "checked_on"

    @admin.display(boolean=True, description="source")
    def has_source(self, obj):
        return bool(obj.source_url)


@admin.register(Difference)
class DifferenceAdmin(HistoryAdmin):
    """Differences are edited inline on their comparison; this list gives
    each its own history (and revert), like the other curated rows."""

    list_display = ["comparison", "criterion", "position"]
    list_select_related = ["comparison", "criterion"]
    list_filter = [("comparison", ChosenOnlyFilter)]
    search_fields = ["comparison__title", "criterion__name", "text"]
    autocomplete_fields = ["criterion"]


class AssessmentFormSet(RewriteChangedRowsFormSet):
    """A framework's assessments: no two on one criterion for a same version."""

    def get_unique_error_message(self, unique_check):
        if "until" in unique_check:  # two current ones, or two ending at one version
            return "Two assessments of one criterion hold for the same versions: " + (
                "give each version one answer."
            )
        return super().get_unique_error_message(unique_check)

    def clean(self):
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form) and form.cleaned_data
        ]
        error = range_error([a for a in kept if a.criterion_id])
        if error:
            raise ValidationError(error)


class AssessmentInline(admin.TabularInline):
    model = Assessment
    formset = AssessmentFormSet
    fields = ["criterion", "since", "until", "verdict", "summary", "source_url", "checked_on"]
    autocomplete_fields = ["criterion"]
    extra = 0


# Assessments belong to this app, so this app puts them on the framework's
# admin page (as projects extend contrib.auth's UserAdmin): the catalogue
# app then needs nothing from comparison/.
admin.site.unregister(Framework)


@admin.register(Framework)
class FrameworkWithAssessmentsAdmin(FrameworkAdmin):
    inlines = [*FrameworkAdmin.inlines, AssessmentInline]


class EditSuggestionAdmin(admin.ModelAdmin):
    """Members' suggested edits: the side-by-side diff, approve or reject.

    The change page shows the target's values when the suggestion was made,
    now, and as proposed (all escaped). "Approve and apply" applies it in one
    transaction unless the target changed since (then it is marked
    *conflict* and nothing changes); "Reject with the note" closes it with
    the note the member reads on their suggestions page."""

    list_display = ["target_label", "author", "created", "status", "conflicting"]
    list_filter = ["status", "target", ("framework", ChosenOnlyFilter)]
    search_fields = ["framework__name", "criterion__name", "author__username", "reason"]
    date_hierarchy = "created"
    actions = ["approve_selected"]
    fields = [
        "framework",
        "target",
        "criterion",
        "statistic",
        "reason",
        "evidence_link",
        "author",
        "created",
        "status",
        "reviewer",
        "reviewed_at",
        "review_note",
    ]
    readonly_fields = [f for f in fields if f != "review_note"]
    change_form_template = "admin/comparison/editsuggestion/change_form.html"
    pending_work = [
        Queue(
            "%(count)d suggested edit to review",
            "%(count)d suggested edits to review",
            {"status": EditSuggestion.Status.PENDING},
            {"status__exact": EditSuggestion.Status.PENDING},
        ),
        Queue(
            "%(count)d suggested edit whose target changed since: apply it by hand or reject it",
            "%(count)d suggested edits whose targets changed since: apply them by hand or "
            "reject them",
            {"status": EditSuggestion.Status.CONFLICT},
            {"status__exact": EditSuggestion.Status.CONFLICT},
        ),
    ]

    def get_queryset(self, request):
        cell = Assessment.objects.current().filter(
            framework=OuterRef("framework"), criterion=OuterRef("criterion")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("framework", "criterion", "author", "reviewer")
            .annotate(
                cell_exists=Exists(cell),
                **{
                    f"cell_{name}": Subquery(cell.values(name)[:1])
                    for name, _ in suggestions.ASSESSMENT_FIELDS
                },
            )
        )

    @staticmethod
    def current(obj):
        """The target's values now, from the annotations (no query per row)."""
        if obj.target == EditSuggestion.Target.STATISTIC:
            return suggestions.statistic_values(obj.framework, obj.statistic)
        if not getattr(obj, "cell_exists", False):
            return {}
        return {name: getattr(obj, f"cell_{name}") for name, _ in suggestions.ASSESSMENT_FIELDS}

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in REVIEWABLE:
            return self.fields
        return self.readonly_fields

    @admin.display(boolean=True, description="target changed since")
    def conflicting(self, obj):
        if obj.status not in REVIEWABLE:
            return None
        return suggestions.is_conflicting(obj, self.current(obj))

    @admin.display(description="source link")
    def evidence_link(self, obj):
        return format_html('<a href="{0}" rel="noopener noreferrer">{0}</a>', obj.evidence_url)

    def side_by_side(self, obj):
        """The review table: each field when suggested, now and as proposed.
        The change page shows it above the form, across the content's width
        (not in the form's value column), so that the proposed column fits
        on a 1280 px screen with the admin's sidebar open."""
        rows = suggestions.diff_rows(obj, self.current(obj))
        body = format_html_join(
            "",
            '<tr{}><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    mark_safe(' class="diff-changed"') if changed else "",
                    label,
                    _shown(then),
                    _shown(now),
                    format_html("<strong>{}</strong>", _shown(proposed)) if changed else "",
                )
                for label, then, now, proposed, changed in rows
            ),
        )
        warning = ""
        if obj.status in REVIEWABLE and suggestions.is_conflicting(obj, self.current(obj)):
            warning = format_html(
                '<p class="errornote">{}</p>',
                "The target changed after this suggestion was made: approving will not apply "
                "it. Compare the columns and edit the entry by hand if it still holds.",
            )
        return format_html(
            '{}<table class="suggestion-diff"><colgroup><col class="suggestion-diff__label">'
            "<col><col><col></colgroup>"
            '<thead><tr><th scope="col">Field</th>'
            '<th scope="col">When suggested</th><th scope="col">Now</th>'
            '<th scope="col">Proposed (only what changes)</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            warning,
            body,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if (
            request.method == "POST"
            and obj is not None
            and ("_approve" in request.POST or "_reject" in request.POST)
        ):
            return self._review(request, obj)
        extra = {
            **(extra_context or {}),
            "can_review": bool(obj and obj.status in REVIEWABLE),
            "side_by_side": self.side_by_side(obj) if obj is not None else "",
        }
        return super().change_view(request, object_id, form_url, extra)

    def _review(self, request, obj):
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        note = request.POST.get("review_note", "")[:1000]
        here = reverse("admin:comparison_editsuggestion_change", args=[obj.pk])
        try:
            if "_approve" in request.POST:
                suggestions.approve(obj.pk, request.user, note)
                self.message_user(
                    request,
                    f"Applied: {obj.target_label}. Credited to {obj.author}.",
                    messages.SUCCESS,
                )
            else:
                suggestions.reject(obj.pk, request.user, note)
                self.message_user(request, f"Rejected: {obj.target_label}.", messages.SUCCESS)
        except suggestions.Conflict:
            self.message_user(request, CONFLICT_MESSAGE, messages.ERROR)
        except suggestions.NotPending:
            self.message_user(request, "This suggestion was reviewed already.", messages.WARNING)
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(here)
        return HttpResponseRedirect(reverse("admin:comparison_editsuggestion_changelist"))

    @admin.action(description="Approve and apply selected suggestions", permissions=["change"])
    def approve_selected(self, request, queryset):
        applied = conflicts = skipped = 0
        for pk in queryset.order_by("created").values_list("pk", flat=True):
            try:
                suggestions.approve(pk, request.user)
                applied += 1
            except suggestions.Conflict:
                conflicts += 1
            except suggestions.NotPending:
                skipped += 1
            except ValueError as error:  # applying it needs a curator's hand
                self.message_user(request, str(error), messages.ERROR)
        if applied:
            message = ngettext(
                "Applied %(count)d suggestion.", "Applied %(count)d suggestions.", applied
            )
            self.message_user(request, message % {"count": applied}, messages.SUCCESS)
        if conflicts:
            message = ngettext(
                "%(count)d suggestion was not applied: its target changed after it was made, "
                "so it is marked as conflicting. Compare the columns and edit the entry by "
                "hand if it still holds.",
                "%(count)d suggestions were not applied: their targets changed after they were "
                "made, so they are marked as conflicting. Compare the columns and edit the "
                "entries by hand if they still hold.",
                conflicts,
            )
            self.message_user(request, message % {"count": conflicts}, messages.ERROR)
        if skipped:
            message = ngettext(
                "%(count)d suggestion was reviewed already.",
                "%(count)d suggestions were reviewed already.",
                skipped,
            )
            self.message_user(request, message % {"count": skipped}, messages.WARNING)


REVIEWABLE = (EditSuggestion.Status.PENDING, EditSuggestion.Status.CONFLICT)
CONFLICT_MESSAGE = (
    "Not applied: the target changed after the suggestion was made, so it is marked "
    "as conflicting. Compare the columns and edit the entry by hand if it still holds."
)


def _shown(value):
    return "–" if value in (None, "") else value


admin.site.register(EditSuggestion, EditSuggestionAdmin)

from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from core.admin import RewriteChangedRowsFormSet
from frameworks.admin import FrameworkAdmin
from frameworks.models import Framework

from .models import (
    FRAMEWORK_RANGE,
    MAX_FRAMEWORKS,
    Assessment,
    Comparison,
    ComparisonEntry,
    Criterion,
    Difference,
    framework_set_key,
    holds_framework_count,
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
class ComparisonAdmin(SimpleHistoryAdmin):
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
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "position", "question", "slug"]
    list_editable = ["position"]
    search_fields = ["name", "slug", "question"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["framework", "criterion", "verdict", "checked_on", "has_source"]
    list_select_related = ["framework", "criterion"]
    list_filter = ["criterion", "verdict", "framework"]
    search_fields = ["framework__name", "criterion__name", "summary"]
    autocomplete_fields = ["framework", "criterion"]
    date_hierarchy = "checked_on"

    @admin.display(boolean=True, description="source")
    def has_source(self, obj):
        return bool(obj.source_url)


@admin.register(Difference)
class DifferenceAdmin(SimpleHistoryAdmin):
    """Differences are edited inline on their comparison; this list gives
    each its own history (and revert), like the other curated rows."""

    list_display = ["comparison", "criterion", "position"]
    list_select_related = ["comparison", "criterion"]
    list_filter = ["comparison"]
    search_fields = ["comparison__title", "criterion__name", "text"]
    autocomplete_fields = ["criterion"]


class AssessmentInline(admin.TabularInline):
    model = Assessment
    formset = RewriteChangedRowsFormSet
    fields = ["criterion", "verdict", "summary", "source_url", "checked_on"]
    autocomplete_fields = ["criterion"]
    extra = 0


# Assessments belong to this app, so this app puts them on the framework's
# admin page (as projects extend contrib.auth's UserAdmin): the catalogue
# app then needs nothing from comparison/.
admin.site.unregister(Framework)


@admin.register(Framework)
class FrameworkWithAssessmentsAdmin(FrameworkAdmin):
    inlines = [*FrameworkAdmin.inlines, AssessmentInline]

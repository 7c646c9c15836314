"""Admin building blocks shared by the apps' admin modules."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose history pages answer 404 for an
    object or version id that is no id of its model. They looked the rows
    up with the ids from the address as they came: ``abc`` raised
    ValueError, a 500 for the curator.

    A row saved without a reason shows an empty "Change reason" cell; the
    library's template printed "None"."""

    def history_view(self, request, object_id, extra_context=None):
        _check_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _check_id(self.model, object_id)
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        _check_id(history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        # The library's hook for its two history pages; only the list has rows.
        page = context.get("page_obj")
        for record in page.object_list if page is not None else ():
            if record.history_change_reason is None:
                record.history_change_reason = ""  # shown, never saved
        return super().render_history_view(request, template, context, **kwargs)


def _check_id(model, value):
    try:
        model._meta.pk.to_python(unquote(value))
    except ValidationError:
        raise Http404(f"No {model._meta.verbose_name} with this id.") from None


class RewriteChangedRowsFormSet(BaseInlineFormSet):
    """Saves changed rows as delete + insert.

    Row-by-row updates trip the unique constraints when two rows swap values
    (positions, frameworks, criteria) although the final rows are valid; the
    formset has already checked them. Only for rows nothing else points to.
    """

    def save(self, commit=True):
        objects = super().save(commit=False)  # sorts rows into new/changed/deleted
        if commit:
            stale = [obj.pk for obj, _ in self.changed_objects]
            stale += [obj.pk for obj in self.deleted_objects]
            self.model._default_manager.filter(pk__in=stale).delete()
            for obj in objects:
                obj.pk = None
                obj.save()
        return objects

"""Admin building blocks shared by the apps' admin modules."""

from django.forms.models import BaseInlineFormSet


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

"""Admin building blocks shared by the apps' admin modules."""

import datetime
from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .history import automatic_author

#: The admin's index lists the work waiting for curators above the apps
#: (``Queue``, templates/admin/core/index.html).
admin.site.index_template = "admin/core/index.html"

_to_field_allowed = BaseModelAdmin.to_field_allowed


def _concrete_to_field_allowed(self, request, to_field):
    """Django 5.2's check of ``?_to_field=``, for concrete fields only: given
    a reverse relation's name (``?_to_field=differences`` on comparisons) it
    reads ``primary_key``, which a relation lacks, and answers a curator
    with a 500. A relation can never be referenced: refused (400) instead."""
    try:
        concrete = self.opts.get_field(to_field).concrete
    except FieldDoesNotExist:
        return False
    return concrete and _to_field_allowed(self, request, to_field)


_get_object = admin.ModelAdmin.get_object
_get_changeform_initial_data = admin.ModelAdmin.get_changeform_initial_data


def _checked_get_object(self, request, object_id, from_field=None):
    """Django's, but a ``?_to_field=`` it would not allow (an empty one, say)
    is a 400 rather than a FieldDoesNotExist, a 500."""
    if from_field is not None and not self.to_field_allowed(request, from_field):
        raise DisallowedModelAdminToField(f"The field {from_field} cannot be referenced.")
    return _get_object(self, request, object_id, from_field)


def _checked_initial_data(self, request):
    """Django's initial values from the add form's query string, less those
    their field refuses: ``?framework=django`` for a key made the form's
    rendering raise (a 500); the field starts empty instead."""
    kept = {}
    for name, value in _get_changeform_initial_data(self, request).items():
        try:
            field = self.opts.get_field(name)
            if field.concrete:
                target = field.target_field if field.is_relation else field
                for item in value if isinstance(value, list) else [value]:
                    target.to_python(item)
        except FieldDoesNotExist:
            pass
        except (ValidationError, TypeError, ValueError):
            continue
        kept[name] = value
    return kept


# Every admin of the site, and of any app added later, gets the checks.
BaseModelAdmin.to_field_allowed = _concrete_to_field_allowed
admin.ModelAdmin.get_object = _checked_get_object
admin.ModelAdmin.get_changeform_initial_data = _checked_initial_data

#: The longest change reason a history row keeps (django-simple-history's column).
REASON_MAX_LENGTH = 100


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, with:

    - history pages that answer 404 for an object or version id that is no
      id of its model (the library looked the rows up with the ids from the
      address as they came: ``abc`` raised ValueError, a 500);
    - a history list that says who made each change in words ("import",
      "automatic update" when no one signed in did) and "—" for a change
      without a reason, never "None";
    - "Revert to before this change" on each row that changed the entry: a
      confirmation page lists what reverting sets back, and its POST form
      (with a reason, kept in the new history row) applies it. The library's
      own *Revert* (open a version, save it) stays.
    """

    object_history_template = "admin/core/object_history.html"
    object_history_list_template = "admin/core/object_history_list.html"
    revert_before_template = "admin/core/revert_before.html"

    def get_urls(self):
        opts = self.model._meta
        revert = path(
            "<path:object_id>/history/<str:version_id>/revert-before/",
            self.admin_site.admin_view(self.revert_before_view),
            name=f"{opts.app_label}_{opts.model_name}_revert_before",
        )
        # First: the admin's "<path:object_id>/" catch-all would take it.
        return [revert, *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        _check_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _check_id(self.model, object_id)
        history = self._history_model()
        _check_id(history, version_id)
        version = history.objects.filter(history_id=unquote(version_id)).first()
        if version is not None:
            # Saving this page reverts to the version: its history row says so.
            when = date_format(timezone.localtime(version.history_date), "DATETIME_FORMAT")
            request.history_revert_reason = f"Reverted to the version of {when}"
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        reason = getattr(request, "history_revert_reason", None)
        if reason and not hasattr(obj, "_change_reason"):
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def render_history_view(self, request, template, context, **kwargs):
        # The library's hook for its two history pages; only the list has rows.
        page = context.get("page_obj")
        if page is not None:
            obj = context["object"]
            exists = obj.pk is not None and self.model._default_manager.filter(pk=obj.pk).exists()
            can_revert = exists and self.can_revert(request, obj)
            opts = self.model._meta
            for record in page.object_list:
                record.author_label = automatic_author(record)
                record.revert_before_url = (
                    reverse(
                        f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revert_before",
                        args=[quote(obj.pk), record.history_id],
                    )
                    if can_revert and record.history_type == "~"
                    else ""
                )
            context["can_revert_before"] = can_revert
        return super().render_history_view(request, template, context, **kwargs)

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(self.model, historical_record)

    def can_revert(self, request, obj):
        return self.has_change_permission(request, obj) and not self.revert_disabled(request, obj)

    def _history_model(self):
        return getattr(self.model, self.model._meta.simple_history_manager_attribute).model

    def revert_before_view(self, request, object_id, version_id):
        """Set an entry back to how it was before one of its changes.

        GET, or a POST without ``confirm`` (the history row's button), shows
        what reverting sets back; a POST with ``confirm`` and a reason
        applies it, as a new history row by the curator with that reason."""
        history = self._history_model()
        _check_id(self.model, object_id)
        _check_id(history, version_id)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} with this id.")
        record = history.objects.filter(
            **{self.model._meta.pk.attname: obj.pk, "history_id": unquote(version_id)}
        ).first()
        if record is None:
            raise Http404("No such change of this entry.")
        if not self.can_revert(request, obj):
            raise PermissionDenied
        before = version_before(record)
        when = date_format(timezone.localtime(record.history_date), "DATETIME_FORMAT")
        reason = f"Reverted the change of {when}"
        errors = []
        changes = revert_changes(obj, before) if before is not None else []
        if request.method == "POST" and "confirm" in request.POST and changes:
            reason = request.POST.get("reason", "").strip()
            if not reason:
                errors.append("Say why the change is reverted: the history keeps the reason.")
            elif len(reason) > REASON_MAX_LENGTH:
                errors.append(f"Keep the reason within {REASON_MAX_LENGTH} characters.")
            else:
                try:
                    reverted = self._revert(request, obj, before, reason)
                except ValidationError as error:
                    errors.extend(error.messages)
                except IntegrityError:
                    errors.append(
                        "The database refused the old values (another entry holds them now)."
                    )
                else:
                    self.message_user(
                        request,
                        f"“{reverted}” is back to how it was before the change of {when}.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._history_url(obj))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revert to before the change of {when}",
            "subtitle": str(obj),
            "opts": opts,
            "object": obj,
            "record": record,
            "record_author": _author(record),
            "when": when,
            "first_version": before is None,
            "changes": changes,
            "reason": reason,
            "reason_max_length": REASON_MAX_LENGTH,
            "errors": errors,
            "history_url": self._history_url(obj),
            "change_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[quote(obj.pk)],
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, self.revert_before_template, context, status=400 if errors else 200
        )

    def _history_url(self, obj):
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history",
            args=[quote(obj.pk)],
        )

    def _revert(self, request, obj, before, reason):
        with transaction.atomic():
            current = self.model._default_manager.select_for_update().get(pk=obj.pk)
            for model_field in restored_fields(before):
                setattr(current, model_field.attname, getattr(before, model_field.attname))
            current.full_clean()
            current._change_reason = reason
            # The admin's own save (who made it; a pro/con's count is recounted).
            self.save_model(request, current, None, change=True)
            self.log_change(request, current, f"Reverted: {reason}")
        return current


def version_before(record):
    """The version an entry had just before ``record`` (a history row), or
    None when ``record`` is its first version (or follows its deletion)."""
    model = record.instance_type
    history = type(record)
    pk_name = model._meta.pk.attname
    previous = (
        history.objects.filter(**{pk_name: getattr(record, pk_name)})
        .filter(
            Q(history_date__lt=record.history_date)
            | Q(history_date=record.history_date, history_id__lt=record.history_id)
        )
        .order_by("-history_date", "-history_id")
        .first()
    )
    if previous is None or previous.history_type == "-":
        return None
    return previous


def restored_fields(version):
    """The model fields a revert writes: those the history tracks, but the
    primary key and the dates Django sets itself."""
    return [
        f
        for f in version.tracked_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
        if not getattr(f, "auto_now_add", False)
    ]


def revert_changes(obj, version):
    """``[(label, now, after the revert)]`` for the fields that differ."""
    rows = []
    for model_field in restored_fields(version):
        now, then = getattr(obj, model_field.attname), getattr(version, model_field.attname)
        if now != then:
            rows.append(
                (
                    capfirst(model_field.verbose_name),
                    _shown(model_field, now),
                    _shown(model_field, then),
                )
            )
    return rows


def _shown(model_field, value):
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (removed)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "name") and hasattr(value, "storage"):  # a file
        return value.name or "—"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value)
    return str(value)


class HistoryContextHelper(HistoricalRecordContextHelper):
    """The "Changes" column's values as a curator reads them: "—" for
    nothing (not "None"), a choice's label, a date in the site's format."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        model_field = self.model._meta.get_field(change.field)
        if isinstance(value, list) or model_field.is_relation:
            return "—" if value is None else value  # related objects, already
        return _shown(model_field, value)


def _author(record):
    if record.history_user is not None:
        return str(record.history_user)
    return automatic_author(record)


def _check_id(model, value):
    try:
        model._meta.pk.to_python(unquote(value))
    except ValidationError:
        raise Http404(f"No {model._meta.verbose_name} with this id.") from None


# --- Work waiting for curators --------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """Work waiting for curators on a model admin's list, counted on the
    admin's index. A model admin lists its queues in ``pending_work``::

        pending_work = [
            Queue("%(count)d decision to publish or reject",
                  "%(count)d decisions to publish or reject",
                  {"status": "pending"}, {"status__exact": "pending"}),
        ]

    ``lookup`` selects the rows; ``params`` is the list's filter that shows
    them (its link)."""

    singular: str
    plural: str
    lookup: dict
    params: dict = field(default_factory=dict)

    def count(self, model):
        return model._default_manager.filter(**self.lookup).distinct().count()


def pending_work(request, app_list, site=None):
    """``[(text, url)]`` of the queues with work in them that the signed-in
    curator may open, in the order of ``app_list`` (the index's)."""
    site = site or admin.site
    found = []
    for app in app_list:
        for entry in app["models"]:
            model_admin = site.get_model_admin(entry["model"])
            queues = getattr(model_admin, "pending_work", ())
            if not queues or not entry.get("admin_url"):
                continue
            for queue in queues:
                count = queue.count(entry["model"])
                if not count:
                    continue
                text = ngettext(queue.singular, queue.plural, count) % {"count": count}
                query = f"?{urlencode(queue.params)}" if queue.params else ""
                found.append((text, entry["admin_url"] + query))
    return found


def report_count(model_admin, request, count, sentences, nothing):
    """An action's message: ``sentences`` (singular, plural, each with
    ``%(count)d``) in the right number, or ``nothing`` (a warning) when the
    action changed nothing (never "Published 0 comments")."""
    if count:
        message = ngettext(*sentences, count) % {"count": count}
        model_admin.message_user(request, message, messages.SUCCESS)
    else:
        model_admin.message_user(request, nothing, messages.WARNING)


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


class ChosenOnlyFilter(admin.RelatedFieldListFilter):
    """A filter by a related object that stays short on a large catalogue:
    Django's lists every framework (20,000 links in the sidebar, and a
    query for all of them on every page). This one lists every choice while
    there are at most ``LIMIT``, else only the one chosen: reach the others
    through the changelist's search, or a link that names one
    (``?framework__id__exact=7``), which it keeps filtering by."""

    LIMIT = 100

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model._default_manager
        ordering = self.field_admin_ordering(field, request, model_admin)
        if not related.all()[self.LIMIT : self.LIMIT + 1].exists():
            return field.get_choices(include_blank=False, ordering=ordering)
        chosen = [v for v in (self.lookup_val or []) if str(v).isdigit()]
        return [(obj.pk, str(obj)) for obj in related.filter(pk__in=chosen)]

    def has_output(self):
        return bool(self.lookup_choices) or super().has_output()

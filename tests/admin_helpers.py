"""Helpers for admin tests: URLs, page text and the POST data a browser
would send back for an add/change page."""

import datetime
import html

from django.urls import reverse


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def content(response):
    """The page text with HTML entities decoded (quotes come back as &quot;)."""
    return html.unescape(response.content.decode())


def form_data(response):
    """The POST data a browser would send back for an admin add/change page
    left as rendered: the main form, every inline formset's management form
    and its existing rows (extra, empty rows are left out)."""
    data = {}
    forms = [response.context["adminform"].form]
    # The history revert page (django-simple-history) has no inlines.
    for inline in response.context.get("inline_admin_formsets") or ():
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        data[management.add_prefix("TOTAL_FORMS")] = formset.initial_form_count()
        forms.extend(formset.initial_forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, datetime.datetime):
                data[f"{key}_0"] = value.date().isoformat()
                data[f"{key}_1"] = value.time().isoformat(timespec="seconds")
            elif isinstance(value, datetime.date):
                data[key] = value.isoformat()
            elif hasattr(value, "name") and hasattr(value, "storage"):
                continue  # a FieldFile: an empty upload keeps the current file
            else:
                data[key] = str(value)
    return data


def add_rows(data, prefix, rows):
    """Append new inline rows to ``data`` under ``prefix`` ("procons", ...)."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{total + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = total + len(rows)
    return data


def inline_prefixes(response):
    return [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]

"""Helpers for admin tests: URLs, page text and the POST data a browser
would send back for an add/change page."""

import datetime
import html
from html.parser import HTMLParser

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


class _TableReader(HTMLParser):
    """The cells' text of the first table with the id ``table_id`` (or of
    the first table), with each cell's forms (method, action)."""

    def __init__(self, table_id=None):
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # inside the table (nested tables are not expected)
        self.done = False
        self.headers, self.rows = [], []
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and not self.done and not self.depth:
            if self.table_id is None or attrs.get("id") == self.table_id:
                self.depth = 1
            return
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = {"text": "", "forms": []}
        elif tag == "form" and self.cell is not None:
            self.cell["forms"].append((attrs.get("method", "get").lower(), attrs.get("action")))

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.depth, self.done = 0, True
        elif tag in ("td", "th") and self.cell is not None:
            self.cell["text"] = " ".join(self.cell["text"].split())
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.depth and self.cell is not None:
            self.cell["text"] += data


def table_rows(response_or_html, table_id):
    """A table's body rows as ``{header: cell}`` dicts, where a cell is
    ``{"text": its words, "forms": [(method, action)]}``. The first row
    gives the headers."""
    page = response_or_html
    if not isinstance(page, str):
        page = page.content.decode()
    reader = _TableReader(table_id)
    reader.feed(page)
    head, *body = reader.rows
    names = [cell["text"] for cell in head]
    return [dict(zip(names, row, strict=False)) for row in body]

"""A comparison page's table as data: JSON (also the API's comparison answer) and CSV.

Both are built from the same ``ComparisonPage`` the HTML page renders
(``selectors.comparison_page`` through the data cache), so an export holds
exactly the table shown: the frameworks with their descriptions, the
statistics with their as-of date, every criterion cell with its verdict,
summary, source and checked date, the health signals with their source and
date and the release series (``stats.health``), the pros and cons with
their vote counts, the integrations, and a curated comparison's overview
and differences.

JSON maps framework slugs to values in column order. The CSV is one row per
cell (``section, item, framework, value, text, source, date, versions``): a
spreadsheet filters and pivots it, and a cell's provenance stays in its own
columns instead of being squeezed into one grid cell. Both say which
release series each column shows (pinned by the address, or the latest
supported) and the versions each assessment holds for.
"""

import csv
import io

from django.urls import reverse

from core.cache import tags
from stats.health import SIGNALS, series_data, signal_data

from .selectors import comparison_counts

#: Statistics read from elsewhere carry the framework's ``stats_as_of``;
#: votes are counted live on this site.
LIVE_STATISTICS = {"votes"}

CSV_HEADER = ["section", "item", "framework", "value", "text", "source", "date", "versions"]
#: A spreadsheet reads a cell starting with one of these as a formula
#: (OWASP "CSV injection"); tab and carriage return hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _day(value):
    return value.isoformat() if value else None


def _cell(assessment):
    if assessment is None:
        return None
    return {
        "verdict": assessment.verdict or None,
        "verdict_label": assessment.get_verdict_display() if assessment.verdict else None,
        "summary": assessment.summary,
        "source_url": assessment.source_url or None,
        "checked_on": _day(assessment.checked_on),
        "since": assessment.since or None,
        "until": assessment.until or None,
    }


def _version(page, framework):
    """The series a column shows, and whether the address pins it."""
    series = page.versions.get(framework.pk)
    return {"series": series.name if series else None, "pinned": framework.pk in page.pins}


def _procon(procon):
    return {"text": procon.text, "detail": procon.detail, "votes": procon.votes_count}


def comparison_document(request, page, *, only_differences=False):
    """The table of ``page`` as a JSON-ready dict with absolute links."""
    absolute = request.build_absolute_uri
    frameworks = page.frameworks
    counts = comparison_counts(frameworks, only_differences=only_differences)
    stats = {row.key: row for row in counts.stat_rows}
    today = tags.today()  # what is past its support changes with the date
    document = {
        "title": page.title,
        "url": absolute(page.canonical_url),
        "curated": page.is_curated,
        "only_differences": only_differences,
        "frameworks": [
            {
                "slug": f.slug,
                "name": f.name,
                "url": absolute(f.get_absolute_url()),
                "api_url": absolute(reverse("api:framework", args=[f.slug])),
                "tagline": f.tagline,
                "description": f.description,
                "statistics": {key: row.values[column] for key, row in stats.items()},
                "statistics_as_of": _day(f.stats_as_of),
                "version": _version(page, f),
                "release_series": [series_data(s, today) for s in page.health[f.pk].series],
            }
            for column, f in enumerate(frameworks)
        ],
        "statistics": [
            {"key": row.key, "label": row.label, "live": row.key in LIVE_STATISTICS}
            for row in counts.stat_rows
        ],
        "criteria": [
            {
                "slug": row.criterion.slug,
                "name": row.criterion.name,
                "question": row.criterion.question or None,
                "differs": row.differs,
                "cells": {f.slug: _cell(cell) for f, cell in row.pairs},
                # Columns whose assessments hold only for other versions.
                "other_versions": {f.slug: gaps for f, _, gaps in row.columns if gaps},
                # Published decisions about these frameworks that cite it.
                "cited_by_decisions": [c.decision_id for c in row.citations],
            }
            for row in page.criterion_rows
        ],
        "health": [
            {
                "key": key,
                "label": label,
                "why": why,
                "cells": {f.slug: signal_data(signal) for f, signal in pairs},
            }
            for (key, _, _), (label, why, pairs) in zip(SIGNALS, page.health_rows, strict=True)
        ],
        "pros_and_cons": {
            f.slug: {
                "pros_count": len(pros),
                "cons_count": len(cons),
                "pros": [_procon(p) for p in pros],
                "cons": [_procon(c) for c in cons],
            }
            for f, pros, cons in counts.procon_columns
        },
        "integrations": {
            f.slug: [{"slug": t.slug, "name": t.name} for t in tools]
            for f, tools in page.integrations
        },
    }
    if page.is_curated:
        comparison = page.comparison
        document["overview"] = {
            "intro": comparison.intro,
            "summary": comparison.summary,
            "differences": [
                {"criterion": d.criterion.slug, "criterion_name": d.criterion.name, "text": d.text}
                for d in page.differences
            ],
        }
    return document


def neutralise(value):
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def comparison_rows(request, page, *, only_differences=False):
    """The CSV's rows after its header, one per cell of the table."""
    absolute = request.build_absolute_uri
    counts = comparison_counts(page.frameworks, only_differences=only_differences)
    for f in page.frameworks:
        yield ["framework", "Tagline", f.name, "", f.tagline, absolute(f.get_absolute_url()), ""]
        yield ["framework", "Description", f.name, "", f.description, "", ""]
        version = _version(page, f)
        if version["series"]:
            shown = "pinned" if version["pinned"] else "latest supported"
            yield ["framework", "Series shown", f.name, "", shown, "", "", version["series"]]
    for row in counts.stat_rows:
        for f, value in zip(page.frameworks, row.values, strict=True):
            as_of = "" if row.key in LIVE_STATISTICS else _day(f.stats_as_of) or ""
            yield ["statistic", row.label, f.name, "" if value is None else value, "", "", as_of]
    for row in page.criterion_rows:
        for f, cell, gaps in row.columns:
            if cell is None:
                text = (
                    f"Not assessed for {page.versions[f.pk].name}" if gaps else "Not assessed yet"
                )
                yield [
                    "criterion",
                    row.criterion.name,
                    f.name,
                    "",
                    text,
                    "",
                    "",
                    ", ".join(gaps or []),
                ]
                continue
            verdict = cell.get_verdict_display() if cell.verdict else ""
            checked = _day(cell.checked_on) or ""
            yield [
                "criterion", row.criterion.name, f.name, verdict, cell.summary, cell.source_url,
                checked, cell.scope,
            ]  # fmt: skip
    for label, _, pairs in page.health_rows:
        for f, signal in pairs:
            if not signal.known:
                yield ["health", label, f.name, "", "Unknown", "", ""]
                continue
            yield ["health", label, f.name, signal.value, signal.source, signal.source_url,
                   _day(signal.as_of) or ""]  # fmt: skip
    for f in page.frameworks:
        for s in page.health[f.pk].series:
            yield ["release series", s.name, f.name, s.latest, _series_text(s), s.source_url,
                   _day(s.checked_on) or ""]  # fmt: skip
    for f, pros, cons in counts.procon_columns:
        for kind, items in (("pro", pros), ("con", cons)):
            for p in items:
                yield [kind, p.text, f.name, p.votes_count, p.detail, "", ""]
    for f, tools in page.integrations:
        for tool in tools:
            yield ["integration", tool.name, f.name, "", "", absolute(tool.get_absolute_url()), ""]
    if page.is_curated:
        yield ["overview", "Introduction", "", "", page.comparison.intro, "", ""]
        yield ["overview", "Summary", "", "", page.comparison.summary, "", ""]
    for d in page.differences:
        yield ["difference", d.criterion.name, "", "", d.text, "", ""]


def _series_text(s):
    """A series' support in a line: "LTS; support until …; security fixes until …"."""
    parts = ["LTS"] if s.lts else []
    for day, what in ((s.support_ends, "active support"), (s.security_ends, "security fixes")):
        if day or not s.ended:
            parts.append(f"{what} until {_day(day)}" if day else f"{what}: end unknown")
    if s.ended:
        parts.append("no longer supported")
    return "; ".join(parts)


def comparison_csv(request, page, *, only_differences=False):
    """The CSV text (without the byte order mark the view adds)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in comparison_rows(request, page, only_differences=only_differences):
        row += [""] * (len(CSV_HEADER) - len(row))  # "versions" only where there are some
        writer.writerow([neutralise(value) for value in row])
    return out.getvalue()

"""The MCP tools: what an assistant may ask of the catalogue, each answer with
its provenance.

A tool is a function ``(request, **arguments) -> dict`` built from what the
pages and the JSON API already use (``api.views``, the data-cached
``ComparisonPage`` and its export, ``history.changes``), so an assistant
reads exactly what a visitor sees. Every answer names the page to cite
(absolute URL); each statistic comes with its "as of" date and staleness,
each assessment cell with its source, checked date and staleness, and
"unknown" stands where we do not know (``provenance.py``).

Two kinds of error: ``ArgumentError`` (arguments the schema or the text
policy refuse: a JSON-RPC "invalid params" error) and ``ToolError`` (well
formed, but nothing to answer, such as an unknown slug: a result with
``isError`` naming close slugs, which an assistant can act on).
docs/assistants.md has the rest.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jsonschema
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from mcp import types

from api.views import criterion_data, framework_document, framework_summary
from comparison import addresses, exports, scoring
from comparison.cache import CRITERIA
from comparison.models import FRAMEWORK_RANGE, MAX_FRAMEWORKS, MIN_FRAMEWORKS, Criterion
from comparison.views import EXPORT_FORMATS, canonical_slugs, comparison_page
from core.cache import cached, depends_on
from core.text import ControlCharacterError, clean_text, has_control_character
from frameworks.filters import FrameworkFilter
from frameworks.models import COMPARE_SEPARATOR, Framework
from history import changes
from pages import selectors as catalogue

from . import provenance
from .provenance import UNKNOWN, cell, dated, iso, statistic_dates, today

#: Longest text an error message quotes from the arguments.
QUOTED = 200
SEARCH_LIMIT = 10
#: Frameworks a search ranks at most (the catalogue's matches for a word).
SEARCH_ROWS = 500
CHANGES_LIMIT = changes.PER_PAGE


class ArgumentError(Exception):
    """Arguments refused before anything reads them: JSON-RPC invalid params."""

    def __init__(self, message, argument=None):
        super().__init__(message)
        self.message = message[:500]
        self.data = {"argument": argument} if argument else None


class ToolError(Exception):
    """A well-formed call with nothing to answer; ``suggestions`` maps each
    unknown slug to close ones."""

    def __init__(self, message, suggestions=None):
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or {}

    def answer(self):
        return {"error": self.message, "suggestions": self.suggestions}


def not_found(unknown):
    """The ToolError of slugs naming no published framework, with the close
    ones the compare page would offer."""
    suggestions = {
        slug: [f.slug for f in found] for slug, found in addresses.suggestions_for(unknown).items()
    }
    names = ", ".join(f'"{slug[:QUOTED]}"' for slug in unknown)
    offered = sorted({s for found in suggestions.values() for s in found})
    hint = f" Did you mean: {', '.join(offered)}?" if offered else ""
    return ToolError(f"We have no published framework called {names}.{hint}", suggestions)


# --- Registry ---------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    definition: types.Tool
    run: Any
    validator: Any = field(repr=False)


TOOLS = {}
READ_ONLY = types.ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)
SLUG = {"type": "string", "minLength": 1, "maxLength": 60}


def tool(title, description, properties=None, required=()):
    """Register ``run`` as the tool of its name with an input schema that
    refuses any argument it does not name."""

    def register(run):
        schema = {
            "type": "object",
            "properties": properties or {},
            "required": list(required),
            "additionalProperties": False,
        }
        definition = types.Tool(
            name=run.__name__,
            title=title,
            description=description,
            inputSchema=schema,
            annotations=READ_ONLY,
        )
        TOOLS[run.__name__] = Tool(definition, run, jsonschema.Draft202012Validator(schema))
        return run

    return register


def call(request, name, arguments):
    """The answer of tool ``name``, with the time it was given. Raises
    ArgumentError and ToolError."""
    found = TOOLS.get(name)
    if found is None:
        raise ArgumentError(f"Unknown tool {name[:QUOTED]!r}; see tools/list.", "name")
    refuse_control_characters(arguments)
    error = jsonschema.exceptions.best_match(found.validator.iter_errors(arguments))
    if error is not None:
        place = ".".join(str(p) for p in error.absolute_path) or "arguments"
        expected = error.schema.get("description") if isinstance(error.schema, dict) else None
        message = f"Invalid {place}: {error.message[:QUOTED]}."
        raise ArgumentError(message + (f" Expected: {expected}" if expected else ""), place)
    answer = found.run(request, **arguments)
    return {**answer, "answered_at": timezone.now().isoformat(timespec="seconds")}


def refuse_control_characters(arguments):
    """The text policy (core/text.py) for arguments, as for an address: a
    NUL or another C0 control but tab, LF and CR, or a lone surrogate, in
    any name or value is refused."""
    stack = [(arguments, "")]
    while stack:
        node, where = stack.pop()
        entries = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in entries:
            place = f"{where}.{key}".lstrip(".") if isinstance(node, dict) else f"{where}[{key}]"
            for text in (key, value) if isinstance(node, dict) else (value,):
                if not isinstance(text, str):
                    continue
                try:
                    clean_text(text)
                except ControlCharacterError as error:
                    raise ArgumentError(f"Invalid {place}: it {error}.", place) from None
                if has_control_character(text):
                    raise ArgumentError(f"Invalid {place}: it holds a control character.", place)
            if isinstance(value, dict | list):
                stack.append((value, place))


# --- Shared by the tools ------------------------------------------------------


def summary(request, framework):
    """A framework as the API lists it, with dated statistics."""
    data = framework_summary(request, framework)
    del data["statistics_as_of"]
    data["statistics"] = dated(data["statistics"], statistic_dates(framework))
    return data


def site_cached(request, name, compute):
    """``compute()`` through the data cache, per site (answers hold absolute
    URLs); ``compute`` declares its tags, as the page it mirrors does."""
    site = f"{request.scheme}://{request.get_host()}"
    return cached(f"assistants:{name}:{site}", compute, lambda _: ())


# --- Tools --------------------------------------------------------------------


@tool(
    "Search frameworks",
    "Find web frameworks in the catalogue by name, tagline, description or language; best "
    "matches first (exact name, then name, then tagline). A misspelt name finds the close "
    "ones. Each result has its page URL and statistics with their dates.",
    {
        "query": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "description": "Words to find, e.g. 'async' or 'flask'.",
        },
        "language": {
            "type": "string",
            "maxLength": 50,
            "description": "Only frameworks in this programming language, e.g. 'Python'.",
        },
        "category": {
            "type": "string",
            "maxLength": 100,
            "description": "A category slug, subcategories included, e.g. 'microframeworks'.",
        },
        "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": SEARCH_LIMIT},
    },
    required=["query"],
)
def search_frameworks(request, query, language=None, category=None, limit=SEARCH_LIMIT):
    if not query.strip():
        raise ArgumentError("Invalid query: give a word to find.", "query")
    # Inactive frameworks too: an assistant asking about Bottle should hear
    # of it (each result says whether it is inactive).
    data = {"q": query, "status": "all", "language": language, "category": category}
    data = {k: v for k, v in data.items() if v}
    found, match = _filtered(data), None
    if not found:
        close = addresses.suggestions_for([query])[query]
        data.pop("q")
        found = _filtered(data, pk__in=[f.pk for f in close]) if close else []
        match = "close spelling"
    found.sort(key=lambda f: (_rank(f, query), -f.votes, f.name))
    return {
        "query": query,
        "count": len(found),
        "results": [
            {**summary(request, f), "match": match or _match(f, query), "inactive": f.is_inactive}
            for f in found[:limit]
        ],
        "catalogue_url": request.build_absolute_uri(
            reverse("frameworks:list") + "?" + urlencode(data | {"q": query})
        ),
    }


def _filtered(data, **only):
    """The catalogue's FrameworkFilter over published frameworks (with votes)."""
    queryset = catalogue.catalogue().filter(**only).order_by("name")
    filterset = FrameworkFilter(data, queryset=queryset)
    if not filterset.is_valid():
        name, messages = next(iter(filterset.errors.items()))
        raise ArgumentError(f"Invalid {name}: {' '.join(messages)}", name)
    return list(filterset.qs[:SEARCH_ROWS])


MATCHES = (
    "exact name",
    "name starts with it",
    "name",
    "tagline",
    "description or language",
    # The catalogue's search forgives typos (on PostgreSQL, a name close in
    # spelling matches: frameworks/search.py).
    "close spelling",
)


def _rank(framework, query):
    q, name = query.strip().casefold(), framework.name.casefold()
    if q in (name, framework.slug):
        return 0
    if name.startswith(q):
        return 1
    if q in name:
        return 2
    if q in framework.tagline.casefold():
        return 3
    return 4 if q in f"{framework.description} {framework.language}".casefold() else 5


def _match(framework, query):
    return MATCHES[_rank(framework, query)]


@tool(
    "Get a framework",
    "One framework: facts, statistics with their 'as of' dates, each criterion's assessment "
    "with its source and checked date, release series (support ends, advisories) and health "
    "signals each with its source and date, pros and cons with vote counts, alternatives, "
    "integrations and the curated comparisons that include it. Cite its 'url'.",
    {"slug": {**SLUG, "description": "The framework's slug, e.g. 'django'."}},
    required=["slug"],
)
def get_framework(request, slug):
    slug = slug.strip().lower()

    def compute():
        page = catalogue.framework_page(slug)
        if page is None:
            return None  # declares no tag: not kept
        return {"data": framework_document(request, page), "dates": statistic_dates(page.framework)}

    found = site_cached(request, f"framework:{slug}", compute)
    if found is None:
        raise not_found([slug])
    data = found["data"]
    return {
        "url": data["url"],
        **{k: v for k, v in data.items() if k not in REWRITTEN},
        "statistics": dated(data["statistics"], found["dates"]),
        "assessments": [cell(a) for a in data["assessments"]],
        "release_series": [provenance.series(s) for s in data["release_series"]],
        "health": [provenance.signal(s) for s in data["health"]],
        "pros_and_cons": {"votes_as_of": today(), "pros": data["pros"], "cons": data["cons"]},
        "changes_url": request.build_absolute_uri(reverse("frameworks:changes", args=[slug])),
    }


#: What get_framework gives otherwise than the API does.
REWRITTEN = {
    "statistics",
    "statistics_as_of",
    "assessments",
    "pros",
    "cons",
    "release_series",
    "health",
}


@tool(
    "Compare frameworks",
    f"Compare {FRAMEWORK_RANGE} frameworks as the comparison page does: statistics with their "
    "dates, each criterion's cell (verdict, summary, source URL, checked date, staleness), "
    "health signals and release series with their sources, "
    "pros and cons with votes, integrations, and scores under your criterion weights "
    "(0 ignore to 3 essential; list_criteria names the weighable criteria). Cite its 'url'.",
    {
        "slugs": {
            "type": "array",
            "items": {**SLUG, "pattern": "^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"},
            "minItems": MIN_FRAMEWORKS,
            "maxItems": MAX_FRAMEWORKS,
            "uniqueItems": True,
            "description": f"{FRAMEWORK_RANGE} framework slugs, e.g. ['django', 'flask'].",
        },
        "weights": {
            "type": "object",
            "maxProperties": 50,
            "propertyNames": {"maxLength": 100},
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 3},
            "description": "Criterion slug -> importance from 0 to 3 (1 when not given).",
        },
        "versions": {
            "type": "object",
            "maxProperties": MAX_FRAMEWORKS,
            "propertyNames": {"maxLength": 60},
            "additionalProperties": {"type": "string", "maxLength": 50},
            "description": (
                "Framework slug -> release series to compare, e.g. {'django': '5.2'} "
                "(get_framework lists each framework's series). A framework left out "
                "shows its latest supported series."
            ),
        },
    },
    required=["slugs"],
)
def compare(request, slugs, weights=None, versions=None):
    wanted = [slug.lower() for slug in slugs]
    if any(COMPARE_SEPARATOR in slug for slug in wanted):
        raise ArgumentError(f'Invalid slugs: no "{COMPARE_SEPARATOR}" in a slug.', "slugs")
    versions = {k.lower(): v.strip().lower() for k, v in (versions or {}).items()}
    stray = sorted(set(versions) - set(wanted))
    if stray:
        raise ArgumentError(
            f"Invalid versions: {', '.join(stray)[:QUOTED]} is not among the slugs.", "versions"
        )
    bad = sorted(v for v in versions.values() if not addresses.PINNABLE.match(v))
    if bad:
        raise ArgumentError(
            f'Invalid versions: "{bad[0][:QUOTED]}" is no release series such as "5.2".',
            "versions",
        )
    parts = [f"{slug}-{versions[slug]}" if versions.get(slug) else slug for slug in wanted]
    page = _comparison_page(COMPARE_SEPARATOR.join(parts))
    weighting = scoring.weigh(
        page, [(scoring.WEIGHT_PREFIX + k, [str(v)]) for k, v in (weights or {}).items()]
    )
    if weighting.rejected:
        names = ", ".join(n.removeprefix(scoring.WEIGHT_PREFIX) for n in weighting.rejected)
        weighable = ", ".join(c.slug for c in weighting.criteria) or "none"
        raise ArgumentError(
            f"Invalid weights: {names[:QUOTED]}. Weighable here: {weighable}.", "weights"
        )
    document = exports.comparison_document(request, page)
    dates = {f.slug: statistic_dates(f) for f in page.frameworks}
    absolute = request.build_absolute_uri
    return {
        **document,
        "frameworks": [
            {
                **{k: v for k, v in f.items() if k != "statistics_as_of"},
                "statistics": dated(f["statistics"], dates[f["slug"]]),
                "release_series": [provenance.series(s) for s in f["release_series"]],
            }
            for f in document["frameworks"]
        ],
        "criteria": [
            {**row, "cells": {slug: cell(c) for slug, c in row["cells"].items()}}
            for row in document["criteria"]
        ],
        "health": [
            {**row, "cells": {slug: provenance.signal(s) for slug, s in row["cells"].items()}}
            for row in document["health"]
        ],
        "pros_and_cons": {"votes_as_of": today(), **document["pros_and_cons"]},
        "scores": _scores(weighting),
        "weighted_url": absolute(page.canonical_url + _weights_query(weighting)),
        "exports": {
            fmt: absolute(reverse("comparison:export", args=[page.address, fmt]))
            for fmt in EXPORT_FORMATS
        },
        "changes_url": absolute(reverse("comparison:changes", args=[page.frameworks_address])),
    }


def _comparison_page(raw):
    """The ComparisonPage of these slugs in any order (from the data cache)."""
    try:
        page = comparison_page(raw, False)
        if isinstance(page, addresses.Redirect):  # another order, or a curated alias
            canonical = canonical_slugs(page)
            page = comparison_page(canonical, False) if canonical else None
    except addresses.CompareError as error:
        if error.suggestions:
            raise not_found(list(error.suggestions)) from None
        raise ToolError(error.message) from None
    if page is None or isinstance(page, addresses.Redirect):
        raise ToolError("These frameworks make no comparison page.")
    return page


def _scores(weighting):
    return {
        "weights": weighting.weights,
        "customised": weighting.customised,
        "how": "Per criterion with a yes/no question: weight x points (yes 1, partly 0.5, "
        "no 0); a cell without a typed verdict is left out of score and possible points. "
        "Ranked by score / possible.",
        "frameworks": [
            {
                "slug": s.framework.slug,
                "rank": s.rank,
                "tied": s.tied,
                "percent": s.percent if s.percent is not None else UNKNOWN,
                "score": scoring.number(s.score),
                "possible": s.possible,
                "arithmetic": s.arithmetic,
                "left_out_unknown": [c.slug for c in s.unknown],
            }
            for s in weighting.scores
        ],
    }


def _weights_query(weighting):
    if not weighting.customised:
        return ""
    return "?" + urlencode(
        sorted((scoring.WEIGHT_PREFIX + k, v) for k, v in weighting.weights.items())
    )


@tool(
    "List criteria",
    "The criteria every comparison is assessed on, in table order; those with a yes/no "
    "question carry typed verdicts and can be weighed in compare.",
)
def list_criteria(request):
    depends_on(CRITERIA)
    return {
        "criteria": [
            {**criterion_data(c), "weighable": bool(c.question)}
            for c in Criterion.objects.order_by("position", "name")
        ],
        "weights": {
            "min": 0,
            "max": scoring.MAX_WEIGHT,
            "default": scoring.DEFAULT_WEIGHT,
            "labels": {str(k): v for k, v in scoring.WEIGHT_LABELS.items()},
        },
        "url": request.build_absolute_uri(reverse("api:criteria")),
    }


@tool(
    "Recent changes",
    "What changed lately, newest first, from the public history: a framework's facts, "
    "statistics, pros and cons and assessments (every published framework's without a slug), "
    "each with who changed it and a link to its Changes page.",
    {
        "slug": {**SLUG, "description": "Only this framework's changes, e.g. 'flask'."},
        "since": {
            "type": "string",
            "maxLength": 40,
            "description": "Only changes after this ISO 8601 date or date-time (UTC unless "
            "an offset is given), e.g. '2026-11-01' or '2026-11-01T09:30:00Z'.",
        },
    },
)
def recent_changes(request, slug=None, since=None):
    after = _since(since) if since else None
    if slug is None:
        scope, where = changes.Scope.of_catalogue(), None
    else:
        slug = slug.strip().lower()
        framework = Framework.objects.published().filter(slug=slug).first()
        if framework is None:
            raise not_found([slug])
        scope, where = changes.Scope.of_framework(framework), framework
    found = changes.latest_changes(scope, CHANGES_LIMIT, since=after)
    slugs = dict(
        Framework.objects.filter(pk__in={c.framework_id for c in found}).values_list("pk", "slug")
    )
    absolute = request.build_absolute_uri
    page = reverse("frameworks:changes", args=[where.slug]) if where else None
    return {
        "framework": where.slug if where else None,
        "since": iso(after),
        "changes_url": absolute(page) if page else None,
        "changes": [_change(absolute, c, slugs.get(c.framework_id)) for c in found],
    }


def _since(raw):
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ArgumentError(
            "Invalid since: give an ISO 8601 date or date-time, e.g. 2026-11-01.", "since"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _change(absolute, change, slug):
    page = reverse("frameworks:changes", args=[slug]) + f"#{change.anchor}" if slug else None
    return {
        "when": change.when.isoformat(timespec="seconds"),
        "action": change.action,
        "what": change.what,
        "subject": change.subject,
        "who": change.who,
        "reason": change.reason or None,
        "fields": [{"field": f.label, "old": f.old, "new": f.new} for f in change.fields],
        "framework": slug,
        "url": absolute(page) if page else None,
    }

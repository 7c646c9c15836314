"""The read-only JSON API: frameworks, criteria, comparisons.

Plain Django views rather than Django REST framework or django-ninja
(docs/api.md): every answer must go through the page cache with declared
tags and named parameters, the frameworks list reuses the catalogue's FilterSet, and a
comparison is the page's own export; a framework would wrap all three in its
own serialisers, throttles and paginators for a handful of GET endpoints.

Each view declares what it shows with ``depends_on`` (tags of
``frameworks/cache.py`` and ``comparison/cache.py``) and runs a fixed number
of queries whatever the data size.
"""

from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse

from comparison import addresses, exports
from comparison.cache import COMPARISONS, CRITERIA, comparison_links_tags
from comparison.models import Comparison, Criterion, compare_address
from comparison.selectors import (
    SHOWN,
    comparison_counts,
    framework_assessments,
    related_comparisons,
)
from comparison.views import EXPORT_FORMATS, canonical_slugs, comparison_page
from core.cache import depends_on, tags
from frameworks import cache as catalogue_tags
from frameworks.filters import FrameworkFilter
from pages import selectors as catalogue
from stats.health import latest_series, series_data, signal_data, supported_series
from stats.models import ReleaseSeries

from .http import PAGE_PARAMS, ApiError, json_response, paginate

STATISTICS = ("github_stars", "github_forks", "stacks", "followers", "votes")


def _day(value):
    return value.isoformat() if value else None


def framework_summary(request, f):
    """A framework as the list shows it."""
    return {
        "slug": f.slug,
        "name": f.name,
        "url": request.build_absolute_uri(f.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("api:framework", args=[f.slug])),
        "tagline": f.tagline,
        "category": {"slug": f.category.slug, "name": f.category.name},
        "language": f.language,
        "license": f.license,
        "first_release_year": f.first_release_year,
        "website": f.website,
        "repository": f.repository,
        "docs_url": f.docs_url,
        # Followers and stacks as every page shows them: curated plus members.
        "statistics": {name: getattr(f, SHOWN.get(name, name), None) for name in STATISTICS},
        "statistics_as_of": _day(f.stats_as_of),
    }


def reference(request, f):
    return {
        "slug": f.slug,
        "name": f.name,
        "tagline": f.tagline,
        "api_url": request.build_absolute_uri(reverse("api:framework", args=[f.slug])),
    }


def comparison_summary(request, c):
    frameworks = c.ordered_frameworks()
    slugs = compare_address(frameworks)
    return {
        "slug": c.slug,
        "title": c.title,
        "url": request.build_absolute_uri(c.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("api:comparison", args=[slugs])),
        "exports": {
            fmt: request.build_absolute_uri(reverse("comparison:export", args=[slugs, fmt]))
            for fmt in EXPORT_FORMATS
        },
        "frameworks": [{"slug": f.slug, "name": f.name} for f in frameworks],
        "created": c.created.isoformat(),
        "updated": c.updated.isoformat(),
    }


# --- Endpoints ---------------------------------------------------------------

FRAMEWORK_LIST_PARAMS = (*FrameworkFilter.base_filters, *PAGE_PARAMS)


def framework_list(request):
    """Published frameworks with the catalogue's filters (q, category,
    language, license, sort), paginated."""
    depends_on(
        catalogue_tags.CATALOGUE,
        catalogue_tags.VOTES,
        catalogue_tags.FRAMEWORKS,
        catalogue_tags.CATEGORIES,
    )
    data = {k: v for k, v in request.GET.items() if k not in PAGE_PARAMS}
    filterset = FrameworkFilter(data, queryset=catalogue.catalogue().order_by("name"))
    if not filterset.is_valid():
        raise ApiError(
            400,
            "Invalid filter.",
            errors={
                name: [str(m) for m in messages] for name, messages in filterset.errors.items()
            },
        )
    listed = []  # the page's frameworks, in the order paginate serialises them

    def serialise(f):
        listed.append(f)
        return framework_summary(request, f)

    data = paginate(request, filterset.qs, serialise)
    for item, lifecycle in zip(data["results"], series_names(listed), strict=True):
        item.update(lifecycle)
    return json_response(data)


def series_names(frameworks):
    """Each framework's latest and supported release series by name (None:
    unknown), as its health panel reads them, in one query; the detail
    endpoint has the rest. Declares the frameworks' tags (a new series)."""
    today = tags.today()
    depends_on(*(catalogue_tags.framework(f.pk) for f in frameworks))
    series = {f.pk: [] for f in frameworks}
    rows = ReleaseSeries.objects.filter(framework_id__in=series).order_by("-released", "-name")
    for row in rows:
        series[row.framework_id].append(row)
    for f in frameworks:
        latest = latest_series(f, series[f.pk])
        supported = supported_series(series[f.pk], today)
        yield {
            "latest_series": latest.name if latest else None,
            "supported_series": None if supported is None else [s.name for s in supported],
        }


def framework_detail(request, slug):
    page = catalogue.framework_page(slug)
    if page is None:
        raise ApiError(
            404,
            f'We have no published framework called "{slug[:60]}".',
            suggestions=[f.slug for f in addresses.suggestions_for([slug])[slug]],
        )
    return json_response(framework_document(request, page))


def framework_document(request, page):
    """A ``FrameworkPage`` as the API answers it, declaring its tags: the
    framework's facts, statistics, assessments with their sources, pros and
    cons with their votes, alternatives, integrations and comparisons, the
    release series with their advisories and the health signals, each with
    its source (``page.health``: read with the page, no query here)."""
    # The framework with its counts (votes), and its pros and cons.
    f, pros, cons = comparison_counts([page.framework]).procon_columns[0]
    assessments = framework_assessments(f)
    comparisons = related_comparisons([f.pk], limit=50)
    today = tags.today()  # what is past its support changes with the date
    depends_on(
        catalogue_tags.framework(f.pk),
        catalogue_tags.decisions(f.pk),  # read with the page, though not shown
        catalogue_tags.CATEGORIES,
        CRITERIA,
        *catalogue_tags.references_tags(page.alternatives),
        *catalogue_tags.references_tags(page.integrations),
        *comparison_links_tags(comparisons),
    )
    data = framework_summary(request, f)
    data.update(
        description=f.description,
        category_path=[{"slug": c.slug, "name": c.name} for c in page.breadcrumb],
        assessments=[
            {
                "criterion": a.criterion.slug,
                "criterion_name": a.criterion.name,
                "question": a.criterion.question or None,
                "verdict": a.verdict or None,
                "summary": a.summary,
                "source_url": a.source_url or None,
                "checked_on": _day(a.checked_on),
                "since": a.since or None,
                "until": a.until or None,
            }
            for a in assessments
        ],
        pros=[{"text": p.text, "detail": p.detail, "votes": p.votes_count} for p in pros],
        cons=[{"text": p.text, "detail": p.detail, "votes": p.votes_count} for p in cons],
        alternatives=[reference(request, a) for a in page.alternatives],
        integrations=[reference(request, i) for i in page.integrations],
        comparisons=[comparison_summary(request, c) for c in comparisons],
        release_series=[series_data(s, today, listed=True) for s in page.health.series],
        health=[signal_data(s) for s in page.health.signals],
    )
    return data


def criterion_data(c):
    return {
        "slug": c.slug,
        "name": c.name,
        "description": c.description,
        "question": c.question or None,
        "position": c.position,
    }


def criterion_list(request):
    depends_on(CRITERIA)
    return json_response(
        paginate(request, Criterion.objects.order_by("position", "name", "pk"), criterion_data)
    )


def comparison_list(request):
    """The curated comparisons, by title."""
    depends_on(COMPARISONS, catalogue_tags.FRAMEWORKS)
    queryset = Comparison.objects.visible().with_frameworks().order_by("title", "pk")
    return json_response(paginate(request, queryset, lambda c: comparison_summary(request, c)))


def comparison_detail(request, slugs):
    """Any 2 to 4 frameworks: the comparison page's JSON export."""
    only = request.GET.get("only")
    if only not in (None, "differences"):
        raise ApiError(400, 'only must be "differences" (or left out).', parameter="only")
    only_differences = only == "differences"
    try:
        page = comparison_page(slugs, only_differences)
    except addresses.CompareError as error:
        raise ApiError(
            404,
            error.message,
            suggestions={
                slug: [f.slug for f in found] for slug, found in error.suggestions.items()
            },
        ) from None
    if isinstance(page, addresses.Redirect):
        canonical = canonical_slugs(page)
        if canonical is None:
            raise ApiError(404, "This comparison has no frameworks to show.")
        query = request.GET.urlencode()
        target = reverse("api:comparison", args=[canonical])
        return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
    return json_response(
        exports.comparison_document(request, page, only_differences=only_differences)
    )


def root(request):
    """The API's entry points, for clients that start at /api/v1/."""
    absolute = request.build_absolute_uri
    return json_response(
        {
            "documentation": absolute(reverse("api:schema")),
            "frameworks": absolute(reverse("api:frameworks")),
            "criteria": absolute(reverse("api:criteria")),
            "comparisons": absolute(reverse("api:comparisons")),
            "comparison": absolute(reverse("api:comparison", args=["django-vs-flask"])),
        }
    )


def schema(request):
    """The human-readable schema page (/api/)."""
    absolute = request.build_absolute_uri
    context = {
        "base": absolute(reverse("api:root")),
        "examples": {
            "frameworks": absolute(reverse("api:frameworks")) + "?language=Python&sort=-stars",
            "framework": absolute(reverse("api:framework", args=["django"])),
            "criteria": absolute(reverse("api:criteria")),
            "comparisons": absolute(reverse("api:comparisons")),
            "comparison": absolute(reverse("api:comparison", args=["django-vs-flask"])),
            "export_json": absolute(reverse("comparison:export", args=["django-vs-flask", "json"])),
            "export_csv": absolute(reverse("comparison:export", args=["django-vs-flask", "csv"])),
        },
        "filters": list(FrameworkFilter.base_filters),
        "sorts": ["name", "-stars", "-votes", "stars", "votes", "-name"],
    }
    return render(request, "api/index.html", context)

"""The comparison app's cache tags, and what each cached page depends on.

The mechanism lives in ``core.cache`` (tagged entries with per-tag versions,
a write epoch that keeps overlapping renders out, coalesced misses; read its
docstring). In short: a cached page records the versions of the tags it
shows; a committed change bumps only the tags it touches; a hit is served
only while every recorded version is current, so once a vote's response is
sent no reader on any worker sees the old count, and pages that do not show
the change stay cached.

Tags of this app (the catalogue's are in ``frameworks/cache.py``):

``criteria``
    the criteria (names, order, questions): every comparison page, and
    framework pages (their assessments, criterion by criterion).
``comparisons``
    the curated comparisons (titles, framework sets, intros, differences):
    every comparison page (curated content, or "related comparisons"),
    framework and category pages (their comparison links), home and
    ``/compare/``.

Assessments are part of a framework's column, so they bump that framework's
``framework:<pk>`` tag: editing Flask's routing cell reaches every comparison
with Flask and nothing else.

What each cached page shows, hence its tags:

==============================  ===============================================
page                            tags
==============================  ===============================================
``/compare/<a>-vs-<b>/``        ``framework:<pk>`` and ``decisions:<pk>`` of each
                                compared framework,
                                ``framework-refs`` (alternatives,
                                integrations and frameworks named on decision
                                cards), ``members`` (decision authors),
                                ``criteria``, ``comparisons``, ``categories``
``/frameworks/<slug>/``         ``framework:<pk>``, ``decisions:<pk>``, the
                                references and members as above,
                                ``comparisons``, ``categories``, ``criteria``
``/frameworks/``                ``catalogue``, ``frameworks``, ``categories``
``/categories/<slug>/``         ``framework:<pk>`` of the listed frameworks,
                                ``frameworks``, ``categories``, ``comparisons``
``/``                           ``comparisons``, ``frameworks``, ``categories``
                                and ``framework:<pk>`` of the frameworks in
                                curated comparisons (the popular ranking sums
                                their votes)
``/compare/``                   ``comparisons``, ``frameworks``
==============================  ===============================================
"""

from frameworks import cache as catalogue_tags

CRITERIA = "criteria"
COMPARISONS = "comparisons"


def comparison_page_tags(page):
    """The tags of a ComparisonPage (or of the Redirect to its canonical URL)."""
    tags = {catalogue_tags.FRAMEWORKS, COMPARISONS}
    frameworks = getattr(page, "frameworks", None)
    if frameworks is None:  # a Redirect: depends on slugs and curated order only
        return tags
    tags |= {CRITERIA, catalogue_tags.CATEGORIES}
    tags |= {catalogue_tags.framework(f.pk) for f in frameworks}
    tags |= {catalogue_tags.decisions(f.pk) for f in frameworks}
    tags |= catalogue_tags.references_tags(page.alternatives)
    for _, tools in page.integrations:
        tags |= catalogue_tags.references_tags(tools)
    tags |= catalogue_tags.decisions_tags(page.decisions)
    return tags


def comparison_links_tags(comparisons):
    """Links to curated comparisons show their title and frameworks' initials."""
    return {COMPARISONS, catalogue_tags.FRAMEWORKS}

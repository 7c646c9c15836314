"""The comparison app's cache tags, and what each cached page depends on.

The mechanism lives in ``core.cache`` (docs/architecture.md, "Caching").
In short: a cached page records the versions of the tags it
shows; a committed change bumps only the tags it touches; a hit is served
only while every recorded version is current, so once a change's response is
sent no reader on any worker sees the old page, and pages that do not show
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

``comparison-history:<pk>``
    the history rows of a curated comparison, its differences and its
    framework set: its Changes page and feed.

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
``/compare/``                   ``comparisons``, ``frameworks``
``/decisions/<pk>/``            ``decision:<pk>`` (its text, counts and
                                comments), ``members`` (author and
                                commenters), ``framework-refs``,
                                ``frameworks``, ``criteria`` when it cites
                                any; its views are counted by a beacon image
                                (``/decisions/<pk>/seen/``, never cached)
``.../changes/``, ``.../feed/``  ``history:<pk>`` of the framework(s),
                                ``comparison-history:<pk>`` of a curated
                                comparison, ``members`` (who), ``criteria``,
                                ``categories``; feeds add
                                ``decisions:<pk>``; comparison ones add
                                ``frameworks`` and ``comparisons`` (which set
                                the address names, curated or not)
==============================  ===============================================

Counts members change (votes, follows, stacks) are not in this table:
pages print them only in holes (``pages/holes.py``), which carry the
``votes:<pk>`` and ``follows:<pk>`` tags of their own, so a vote leaves
every page cached.
"""

from frameworks import cache as catalogue_tags

CRITERIA = "criteria"
COMPARISONS = "comparisons"


def comparison_history(pk):
    return f"comparison-history:{pk}"


def comparison_page_tags(page):
    """The tags of a ComparisonPage (or of the Redirect to its canonical URL)."""
    tags = {catalogue_tags.FRAMEWORKS, COMPARISONS, CRITERIA, catalogue_tags.CATEGORIES}
    frameworks = getattr(page, "frameworks", None)
    if frameworks is None:  # a Redirect: depends on slugs and curated order only
        return tags
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


def changes_tags(framework_ids, comparison=None):
    """What a Changes page or feed shows: the history rows of these
    frameworks (and of the curated comparison), who made them (members),
    and the names of criteria, categories and frameworks they mention."""
    tags = {catalogue_tags.history(pk) for pk in framework_ids}
    # The frameworks' own names and addresses, read with them.
    tags |= {catalogue_tags.framework(pk) for pk in framework_ids}
    tags |= {catalogue_tags.MEMBERS, CRITERIA, catalogue_tags.CATEGORIES}
    if comparison is not None:
        tags.add(comparison_history(comparison.pk))
    return tags


#: Tables of this app, as ``frameworks.cache.READS``.
READS = {
    "comparison.Criterion": (CRITERIA, "decision"),  # a decision lists what it cites
    "comparison.Assessment": ("framework",),
    "comparison.Comparison": (COMPARISONS,),
    "comparison.ComparisonEntry": (COMPARISONS,),
    "comparison.Difference": (COMPARISONS,),
    "comparison.HistoricalCriterion": ("history",),
    "comparison.HistoricalAssessment": ("history",),
    "comparison.HistoricalComparison": ("comparison-history",),
    "comparison.HistoricalComparisonEntry": ("comparison-history",),
    "comparison.HistoricalDifference": ("comparison-history",),
}

"""The catalogue's cache tags: which cached pages show what.

``core.cache`` explains the mechanism; this module names the catalogue's
tags, and ``signals.py`` bumps them when rows change.

==========================  ===================================================
tag                         shown by
==========================  ===================================================
``framework:<pk>``          the framework's own figures and their history,
                            pros and cons with their votes, assessments and
                            links: its page,
                            every comparison that includes it, the home page
                            when a curated comparison holds it (trending
                            ranking), the category pages that list it
``decisions:<pk>``          the decisions that name the framework (and the
                            criteria they cite): its page and every
                            comparison that includes it
``decision:<pk>``           one decision with its frameworks, criteria,
                            view and comment counts and its comments: the
                            decision's own page
``framework-refs``          what shows wherever a framework is only
                            referenced (name, slug, tagline): alternative
                            cards, integrations, the frameworks named on
                            decision cards
``frameworks``              the set of published frameworks with their names,
                            slugs, categories, languages and licences: the
                            picker, catalogue filters, category membership
``votes:<pk>``              the votes on the framework's pros and cons and
                            their sum; only holes show them
                            (``core.cache.holes``, ``pages/holes.py``), so
                            a vote re-renders small blocks, never a page
``follows:<pk>``            what members follow and keep in their stacks:
                            its followers, stacks and who uses it (holes)
``votes``                   any vote on any framework: lists ordered by
                            votes (the catalogue sorted by votes, the
                            popular ranking) and the trending lists
``follows``                 any follow or stack entry of any framework: the
                            trending lists (home)
``catalogue``               any listed figure of any framework but votes
                            (stars, downloads): the catalogue
``categories``              the category tree and breadcrumbs
``members``                 members' names and headlines on decision cards
``history:<pk>``            the history rows of the framework, its pros and
                            cons and its assessments: its Changes page and
                            feed, and those of every comparison including it
                            (bumped when a history row is written, so a vote
                            leaves them cached)
==========================  ===================================================

References and members are one tag each, not one per framework or member:
a hit re-reads every tag of its page, and Django vs Flask names some thirty
frameworks and members. What those tags cover changes only on rare edits (a
rename, a new tagline, a new headline), so one tag each keeps hits to a
dozen keys at the price of re-rendering the pages that reference anything
after such an edit.
"""

FRAMEWORKS = "frameworks"
CATALOGUE = "catalogue"
VOTES = "votes"
FOLLOWS = "follows"
CATEGORIES = "categories"

#: Framework fields shown wherever a framework is referenced by name.
REFERENCE_FIELDS = ("name", "slug", "tagline", "is_published")
#: Framework fields that decide the published set and how it is filtered.
DIRECTORY_FIELDS = ("name", "slug", "is_published", "category_id", "language", "license")


def framework(pk):
    return f"framework:{pk}"


FRAMEWORK_REFS = "framework-refs"
MEMBERS = "members"


def framework_ref(pk):
    """The tag of a framework's name where it is referenced (shared by all:
    see the module docstring)."""
    return FRAMEWORK_REFS


def votes(pk):
    return f"votes:{pk}"


def follows(pk):
    return f"follows:{pk}"


def decisions(pk):
    return f"decisions:{pk}"


def decision(pk):
    return f"decision:{pk}"


def history(pk):
    return f"history:{pk}"


def member(pk):
    """The tag of a member's name and headline (shared by all members)."""
    return MEMBERS


def decisions_tags(decisions):
    """What a list of decision cards shows: authors and named frameworks."""
    tags = set()
    for decision in decisions:
        tags.add(member(decision.author_id))
        tags.update(framework_ref(f.pk) for f in decision.frameworks.all())
    return tags


def references_tags(frameworks):
    return {framework_ref(f.pk) for f in frameworks}


def framework_page_tags(page):
    """What a FrameworkPage shows (the comparisons list aside: the view adds
    the comparison app's tag)."""
    pk = page.framework.pk
    return {
        framework(pk),
        decisions(pk),
        CATEGORIES,
        *references_tags(page.alternatives),
        *references_tags(page.integrations),
        *decisions_tags(page.decisions),
    }


#: The tags that stand for each table a page, hole or data entry kept for
#: everyone may read (model label -> tag families, a family being the part
#: of a tag before ":"). The test suite fails any such render that reads a
#: table without declaring one of its tags (tests/conftest.py, "undeclared
#: reads"); a table in no app's READS may not be read at all.
READS = {
    "frameworks.Category": (CATEGORIES,),
    "frameworks.Framework": (
        "framework",
        FRAMEWORKS,
        FRAMEWORK_REFS,
        CATALOGUE,
        "follows",
        "votes",
    ),
    "frameworks.Framework_alternatives": ("framework",),
    "frameworks.Framework_integrations": ("framework",),
    "frameworks.ProCon": ("framework", "votes"),
    "frameworks.Vote": ("votes",),
    "frameworks.Decision": ("decision", "decisions"),
    "frameworks.Decision_frameworks": ("decision", "decisions"),
    "frameworks.Decision_criteria": ("decision", "decisions"),
    "frameworks.HistoricalFramework": ("history",),
    "frameworks.HistoricalProCon": ("history",),
    # Decisions are read with their authors: a page whose list came out
    # empty names no member (it declares MEMBERS when it shows a card).
    "auth.User": (MEMBERS, "member", "decisions", "decision"),
}

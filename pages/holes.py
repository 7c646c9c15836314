"""The site's holes (``core.cache.holes``): every block that shows counts
members change, declared here, in one place.

Votes, follows and stack entries change far more often than the pages
showing them, so no page prints them itself: each is printed by one of the
holes below, rendered from its arguments alone (``load`` reads the data of
many holes of one kind in one go and names each one's tags; a template
under ``templates/holes/`` renders one). A new count is a new hole here,
and its writes send ``frameworks.services.counts_changed``, which bumps
``votes:<pk>`` or ``follows:<pk>``.

``here`` arguments are the address of the page a hole sits on, where its
log-in links and forms send the reader back.
"""

from django.contrib.auth.models import AnonymousUser
from django.template import engines

from comparison.models import SUGGESTIBLE_STATISTICS
from comparison.selectors import (
    comparison_counts,
    counted,
    counted_procons,
    trending_comparisons,
)
from core.cache import register
from frameworks import cache as catalogue_tags
from frameworks.models import ProCon
from frameworks.selectors import voted_procon_ids
from members.models import Follow
from members.selectors import TRENDING_DAYS, recent_activity, stack_users, trending_frameworks


def _template(name):
    def render(request, args, context):
        user = request.user if request is not None else AnonymousUser()
        return (
            engines["jinja2"]
            .get_template(f"holes/{name}.html")
            .render({"user": user, **context}, request)
        )

    return render


def _tags(*ids, votes=True, follows=True):
    """What a block about these frameworks shows: their own figures, and
    their votes and what members follow and use, as it prints them."""
    tags = {catalogue_tags.framework(pk) for pk in ids}
    tags |= {catalogue_tags.votes(pk) for pk in ids} if votes else set()
    return tags | ({catalogue_tags.follows(pk) for pk in ids} if follows else set())


def _ids(text):
    return [int(pk) for pk in str(text).split(",")]


def _frameworks(ids, memo):
    return {pk: f for pk, f in counted(ids, memo).items() if f is not None}


def load_counts(holes, user, memo):
    """``counts(pk, brief)``: a framework card's counts."""
    found = _frameworks({pk for pk, _ in holes}, memo)
    return {
        (pk, brief): (_tags(pk, follows=not brief), {"framework": found.get(pk), "brief": brief})
        for pk, brief in holes
    }


def load_follow(holes, user, memo):
    """``follow(pk, here)``: the follow button, with its count."""
    found = _frameworks({pk for pk, _ in holes}, memo)
    following = set()
    if user is not None:
        following = set(
            Follow.objects.filter(user=user, framework__in=found).values_list(
                "framework_id", flat=True
            )
        )
    return {
        (pk, here): (
            _tags(pk, votes=False),
            {"framework": found.get(pk), "following": pk in following, "here": here},
        )
        for pk, here in holes
    }


def load_framework_counts(holes, user, memo):
    """``framework_counts(pk)``: the counts in a framework page's statistics."""
    found = _frameworks({pk for (pk,) in holes}, memo)
    return {(pk,): (_tags(pk), {"framework": found.get(pk)}) for (pk,) in holes}


def load_procons(holes, user, memo):
    """``procons(pk, here)``: a framework page's pros and cons."""
    ids = {pk for pk, _ in holes}
    procons = counted_procons(ids, memo)
    shown = [p.pk for groups in procons.values() for items in groups.values() for p in items]
    voted = voted_procon_ids(user, shown) if user is not None else set()
    return {
        (pk, here): (
            _tags(pk, follows=False),
            {
                "pros": procons[pk][ProCon.Kind.PRO],
                "cons": procons[pk][ProCon.Kind.CON],
                "voted": voted,
                "here": here,
            },
        )
        for pk, here in holes
    }


def load_stacks(holes, user, memo):
    """``stacks(pk, here)``: who lists a framework in their stack, and the
    member's own entry."""
    found = _frameworks({pk for pk, _ in holes}, memo)
    data = {}
    for pk, here in holes:
        users, mine = stack_users(pk, user)
        data[(pk, here)] = (
            _tags(pk, votes=False) | {catalogue_tags.MEMBERS},
            {"framework": found.get(pk), "users": users, "entry": mine, "here": here},
        )
    return data


def _columns(ids, memo):
    found = _frameworks(ids, memo)
    return [found[pk] for pk in ids if pk in found]


def load_compare_statistics(holes, user, memo):
    """``compare_statistics("1,2", only_differences, details)``: the table's
    statistics; ``details`` adds each figure's date and "Suggest an edit"."""
    data = {}
    for text, only_differences, details in holes:
        frameworks = _columns(_ids(text), memo)
        counts = comparison_counts(frameworks, only_differences=only_differences, memo=memo)
        context = {
            "frameworks": frameworks,
            "rows": counts.stat_rows,
            "suggestible": SUGGESTIBLE_STATISTICS,
            "details": details,
        }
        data[(text, only_differences, details)] = (_tags(*_ids(text)), context)
    return data


def load_compare_procons(holes, user, memo):
    """``compare_procons("1,2", here, details)``: the table's pros and cons;
    ``details`` adds how each count is made."""
    data = {}
    for text, here, details in holes:
        counts = comparison_counts(_columns(_ids(text), memo), memo=memo)
        shown = [p.pk for _, pros, cons in counts.procon_columns for p in (*pros, *cons)]
        voted = voted_procon_ids(user, shown) if user is not None else set()
        context = {
            "columns": counts.procon_columns,
            "voted": voted,
            "here": here,
            "details": details,
        }
        data[(text, here, details)] = (_tags(*_ids(text), follows=False), context)
    return data


#: Pros each framework shows on the embeddable card.
TOP_PROS = 3


def load_embed(holes, user, memo):
    """``embed("1,2")``: the embeddable card's columns."""
    data = {}
    for (text,) in holes:
        counts = comparison_counts(_columns(_ids(text), memo), memo=memo)
        columns = [(f, pros[:TOP_PROS]) for f, pros, _ in counts.procon_columns]
        context = {"columns": columns, "rows": counts.stat_rows}
        data[(text,)] = (_tags(*_ids(text)), context)
    return data


def _activity(memo):
    if "activity" not in memo:
        memo["activity"] = recent_activity()
    return memo["activity"]


#: What the trending lists show: the published set and names, ranked by
#: any vote, follow or stack entry (recent ones, then all-time votes).
TRENDING_TAGS = {
    catalogue_tags.FRAMEWORKS,
    catalogue_tags.FRAMEWORK_REFS,
    catalogue_tags.VOTES,
    catalogue_tags.FOLLOWS,
}


def load_trending_comparisons(holes, user, memo):
    """``trending_comparisons()``: curated comparisons by recent activity on
    their frameworks, then by all-time votes."""
    comparisons = trending_comparisons(_activity(memo))
    context = {"comparisons": comparisons, "days": TRENDING_DAYS}
    return {(): (TRENDING_TAGS, context)}


def load_trending_frameworks(holes, user, memo):
    """``trending_frameworks()``: frameworks by recent activity, then by votes."""
    entries = trending_frameworks(_activity(memo))
    context = {"entries": entries, "days": TRENDING_DAYS}
    return {(): (TRENDING_TAGS, context)}


for name, load in (
    ("counts", load_counts),
    ("follow", load_follow),
    ("framework_counts", load_framework_counts),
    ("procons", load_procons),
    ("stacks", load_stacks),
    ("compare_statistics", load_compare_statistics),
    ("compare_procons", load_compare_procons),
    ("embed", load_embed),
    ("trending_comparisons", load_trending_comparisons),
    ("trending_frameworks", load_trending_frameworks),
):
    register(name, load=load, render=_template(name))

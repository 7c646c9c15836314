"""Reader-weighted scores of a comparison: pure functions, no queries.

A reader gives each criterion with a yes/no question an importance from 0
to 3 in the query string (``?w-routing=3&w-orm=0``; 1 when not given). Each
framework scores, per criterion, weight × points of its typed verdict (yes 1,
partly ½, no 0). A cell without a typed verdict (not assessed, or "unknown")
is left out of both the score and the points possible, and the page says
which; frameworks are ranked by the share of their possible points, so an
unknown cell neither helps nor hurts. Equal shares are ties. Fractions keep
the arithmetic exact, so ties are real ties.
"""

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from core.cache import derived

#: The query parameters of the weights: ``w-<criterion slug>``.
WEIGHT_PREFIX = "w-"
DEFAULT_WEIGHT = 1
MAX_WEIGHT = 3
WEIGHT_LABELS = {0: "ignore", 1: "normal", 2: "important", 3: "essential"}
#: The points of each typed verdict; any other verdict is unknown.
POINTS = {"yes": Fraction(1), "partial": Fraction(1, 2), "no": Fraction(0)}


@dataclass(frozen=True)
class Term:
    """One criterion's part of a framework's score."""

    criterion: object
    weight: int
    points: Fraction

    @property
    def value(self):
        return self.weight * self.points

    @property
    def points_text(self):
        return number(self.points)

    def __str__(self):
        return f"{self.weight}×{self.points_text}"


@dataclass
class FrameworkScore:
    """A framework's terms, complete once ``score()`` returns: the figures
    derived from them are computed once (the page reads them per cell)."""

    framework: object
    terms: list = field(default_factory=list)
    unknown: list = field(default_factory=list)  # criteria left out (weight > 0)
    rank: int | None = None
    tied: bool = False

    @cached_property
    def score(self):
        return sum((t.value for t in self.terms), Fraction(0))

    @cached_property
    def possible(self):
        return sum(t.weight for t in self.terms)

    @cached_property
    def share(self):
        """Score / possible, or None when nothing weighted is known."""
        return self.score / self.possible if self.possible else None

    @cached_property
    def percent(self):
        return None if self.share is None else round(self.share * 100)

    @cached_property
    def arithmetic(self):
        """ "3×1 + 1×0.5 = 3.5 of 4 possible" """
        if not self.terms:
            return ""
        terms = " + ".join(str(t) for t in self.terms)
        return f"{terms} = {number(self.score)} of {self.possible} possible"


@dataclass
class Weighting:
    criteria: list  # the criteria that can be weighed here, in page order
    weights: dict  # slug -> weight, every criterion in ``criteria``
    rejected: list  # weight parameters naming no criterion here, or no weight
    scores: list  # a FrameworkScore per framework, in column order
    customised: bool  # the reader set at least one weight

    @property
    def all_zero(self):
        return bool(self.criteria) and not any(self.weights.values())

    @property
    def leaders(self):
        """The frameworks ranked first (several when tied)."""
        return [s.framework for s in self.scores if s.rank == 1]

    @property
    def labels(self):
        return WEIGHT_LABELS

    @property
    def fields(self):
        """(criterion, current weight) for the form."""
        return [(c, self.weights[c.slug]) for c in self.criteria]


def number(value):
    """A score for people: 3, 3.5, 0.5 (points are always halves)."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def parse_weight(raw):
    """The weight a query value asks for, or None when it is not 0 to 3."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3:
        return None
    weight = int(raw)
    return weight if weight <= MAX_WEIGHT else None


def parse_weights(query, criteria):
    """``(weights, rejected, customised)`` from a query's ``(name, values)``
    pairs (``request.GET.lists()``) for ``criteria``: ``rejected`` names the
    weight parameters that name no criterion here or hold no single weight
    from 0 to ``MAX_WEIGHT`` (the page redirects to its address without
    them); other parameters are not ours."""
    slugs = {c.slug for c in criteria}
    weights = {c.slug: DEFAULT_WEIGHT for c in criteria}
    rejected = []
    customised = False
    for name, values in query:
        if not name.startswith(WEIGHT_PREFIX):
            continue
        slug = name[len(WEIGHT_PREFIX) :]
        weight = parse_weight(values[0]) if len(values) == 1 else None
        if slug not in slugs or weight is None:
            rejected.append(name)
            continue
        weights[slug] = weight
        customised = True
    return weights, rejected, customised


def score(frameworks, rows, weights):
    """A FrameworkScore per framework (column order), ranked.

    ``rows`` are (criterion, cells) with a cell (or None) per framework."""
    scores = [FrameworkScore(f) for f in frameworks]
    for criterion, cells in rows:
        weight = weights.get(criterion.slug, DEFAULT_WEIGHT)
        if not weight:
            continue
        for entry, cell in zip(scores, cells, strict=True):
            points = POINTS.get(getattr(cell, "verdict", None))
            if points is None:
                entry.unknown.append(criterion)
            else:
                entry.terms.append(Term(criterion, weight, points))
    rank(scores)
    return scores


def rank(scores):
    """Competition ranking by share (1, 1, 3); unscored entries get none."""
    shares = [s.share for s in scores if s.share is not None]
    for entry in scores:
        if entry.share is None:
            continue
        entry.rank = 1 + sum(1 for other in shares if other > entry.share)
        entry.tied = shares.count(entry.share) > 1


def weigh(page, query):
    """The Weighting of a ComparisonPage for a request's query string."""
    rows = [row for row in page.criterion_rows if row.criterion.question]
    criteria = [row.criterion for row in rows]
    weights, rejected, customised = parse_weights(query, criteria)

    def scores():
        return score(page.frameworks, [(row.criterion, row.cells) for row in rows], weights)

    # Every reader without weights of their own gets the same scores.
    scores = scores() if customised else derived(page, "default scores", scores)
    return Weighting(criteria, weights, rejected, scores, customised)

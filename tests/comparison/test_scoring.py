"""Reader-weighted scores: the pure arithmetic (comparison/scoring.py)."""

from fractions import Fraction
from types import SimpleNamespace

import pytest

from comparison import scoring


def criterion(slug):
    return SimpleNamespace(slug=slug, name=slug.title())


def cell(verdict):
    return SimpleNamespace(verdict=verdict)


A, B, C = (SimpleNamespace(name=n) for n in ("Alpha", "Beta", "Gamma"))
ROUTING, ORM, SECURITY = criterion("routing"), criterion("orm"), criterion("security")


def test_verdicts_score_one_half_and_nothing_times_their_weight():
    rows = [
        (ROUTING, [cell("yes"), cell("no")]),
        (ORM, [cell("partial"), cell("yes")]),
    ]
    alpha, beta = scoring.score([A, B], rows, {"routing": 3, "orm": 1})

    assert alpha.score == Fraction(7, 2) and alpha.possible == 4
    assert alpha.arithmetic == "3×1 + 1×0.5 = 3.5 of 4 possible"
    assert beta.arithmetic == "3×0 + 1×1 = 1 of 4 possible"
    assert (alpha.rank, alpha.tied, beta.rank) == (1, False, 2)
    assert alpha.percent == 88


@pytest.mark.parametrize("unknown", [None, cell("unknown"), cell("")])
def test_unknown_cells_are_left_out_of_score_and_possible(unknown):
    rows = [(ROUTING, [cell("yes"), cell("yes")]), (ORM, [unknown, cell("no")])]
    alpha, beta = scoring.score([A, B], rows, {})

    assert alpha.unknown == [ORM] and beta.unknown == []
    assert alpha.arithmetic == "1×1 = 1 of 1 possible"
    assert beta.arithmetic == "1×1 + 1×0 = 1 of 2 possible"
    assert alpha.rank == 1 and beta.rank == 2  # by share: 100% against 50%


def test_equal_shares_are_ties_and_the_next_rank_is_skipped():
    rows = [
        (ROUTING, [cell("yes"), cell("partial"), cell("no")]),
        (ORM, [cell("no"), cell("partial"), cell("no")]),
    ]
    alpha, beta, gamma = scoring.score([A, B, C], rows, {})

    assert alpha.share == beta.share == Fraction(1, 2)
    assert (alpha.rank, beta.rank, gamma.rank) == (1, 1, 3)
    assert alpha.tied and beta.tied and not gamma.tied


def test_all_weights_zero_scores_nobody():
    rows = [(ROUTING, [cell("yes"), cell("no")])]
    scores = scoring.score([A, B], rows, {"routing": 0})

    assert all(s.rank is None and s.arithmetic == "" and not s.unknown for s in scores)


def test_a_zero_weight_drops_its_criterion_and_its_unknowns():
    rows = [(ROUTING, [cell("yes"), cell("no")]), (ORM, [None, cell("yes")])]
    alpha, beta = scoring.score([A, B], rows, {"orm": 0})

    assert alpha.unknown == [] and beta.arithmetic == "1×0 = 0 of 1 possible"


def test_weights_default_to_one_and_accept_zero_to_three():
    weights, rejected, customised = scoring.parse_weights(
        [("w-routing", ["3"]), ("w-orm", ["0"]), ("only", ["differences"])],
        [ROUTING, ORM, SECURITY],
    )
    assert weights == {"routing": 3, "orm": 0, "security": 1}
    assert rejected == [] and customised


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("w-routing", ["-1"]),
        ("w-routing", ["1.5"]),
        ("w-routing", ["4"]),
        ("w-routing", ["99999999999999999999"]),
        ("w-routing", ["²"]),
        ("w-routing", [""]),
        ("w-routing", ["1", "2"]),
        ("w-nope", ["2"]),
        ("w-", ["2"]),
        ("w-" + "x" * 500, ["1"]),
    ],
)
def test_bad_weights_are_rejected_by_name(name, values):
    weights, rejected, customised = scoring.parse_weights([(name, values)], [ROUTING])

    assert weights == {"routing": 1}
    assert rejected == [name]
    assert not customised


def test_numbers_read_as_people_write_them():
    assert [scoring.number(Fraction(n, 2)) for n in (0, 1, 7, 8)] == ["0", "0.5", "3.5", "4"]

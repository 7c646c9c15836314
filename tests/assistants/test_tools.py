"""Pure helpers of the tools: the provenance of figures and cells
(``assistants/provenance.py``), the text policy for arguments, the search
ranking."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils.timezone import localdate

from assistants import provenance
from assistants.provenance import cell, dated
from assistants.tools import ArgumentError, _rank, refuse_control_characters


def test_a_figure_never_goes_without_its_date():
    old = (localdate() - timedelta(days=400)).isoformat()
    statistics = dated(
        {"github_stars": 10, "stacks": None, "followers": 5, "votes": 3},
        {"github_stars": old, "followers": None},
    )
    assert statistics["github_stars"] == {
        "label": "GitHub stars",
        "value": 10,
        "as_of": old,
        "stale": True,
    }
    assert statistics["stacks"] == {"label": "Stacks", "value": "unknown", "as_of": "unknown"}
    assert statistics["followers"]["as_of"] == "unknown"
    assert statistics["followers"]["stale"] == "unknown"
    assert statistics["votes"] == {
        "label": "Votes",
        "value": 3,
        "as_of": localdate().isoformat(),
        "live": True,
    }


def test_a_cell_says_what_we_do_not_know():
    assert cell(None) == {"assessed": False, "verdict": "unknown", "summary": "Not assessed yet."}
    today = localdate().isoformat()
    fresh = cell({"verdict": "yes", "summary": "s", "source_url": "https://x", "checked_on": today})
    assert (fresh["stale"], fresh["assessed"]) == (False, True)
    bare = cell({"verdict": None, "summary": "s", "source_url": None, "checked_on": None})
    assert bare["source_url"] == bare["checked_on"] == bare["stale"] == "unknown"


def test_a_health_signal_says_what_we_do_not_know_and_keeps_its_source():
    unknown = {"key": "scorecard", "label": "OpenSSF Scorecard", "value": None, "text": None,
               "source": None, "source_url": None, "as_of": None, "why": "w",
               "attention": False, "details": []}  # fmt: skip
    said = provenance.signal(unknown)
    assert said["value"] == said["text"] == said["source"] == said["as_of"] == "unknown"
    known = {**unknown, "value": {"score": 7.3}, "text": "7.3 / 10", "source": "OpenSSF",
             "source_url": "https://scorecard.dev/", "as_of": "2026-12-01"}  # fmt: skip
    assert provenance.signal(known) == known


def test_a_series_says_which_dates_and_counts_no_source_gave():
    series = {"name": "5.2", "released": "2025-04-02", "latest": None, "latest_released": None,
              "lts": True, "support_ends": None, "security_ends": "2028-04-01", "ended": False,
              "past_support": False, "language_versions": None, "source": "endoflife.date",
              "source_url": "https://endoflife.date/django", "checked_on": None,
              "advisories": {"checked_on": None, "counts": None, "latest_published": None,
                             "source_url": "https://osv.dev/"}}  # fmt: skip
    said = provenance.series(series)
    assert said["released"] == "2025-04-02" and said["security_ends"] == "2028-04-01"
    assert said["latest"] == said["support_ends"] == said["checked_on"] == "unknown"
    assert said["advisories"]["counts"] == said["advisories"]["checked_on"] == "unknown"
    assert said["source"] == "endoflife.date"
    asked = {**series["advisories"], "checked_on": "2026-12-01", "counts": {"high": 0}}
    assert provenance.series({**series, "advisories": asked})["advisories"]["counts"] == {
        "high": 0
    }, "none found is 0, not unknown"


@pytest.mark.parametrize(
    ("arguments", "place"),
    [
        ({"query": "a\x00b"}, "query"),
        ({"slugs": ["django", "fl\x07ask"]}, "slugs[1]"),
        ({"weights": {"url\x00routing": 1}}, "weights.url\x00routing"),
        ({"since": "\udc00"}, "since"),
    ],
)
def test_arguments_holding_control_characters_are_refused_with_their_place(arguments, place):
    with pytest.raises(ArgumentError) as refused:
        refuse_control_characters(arguments)
    assert refused.value.data == {"argument": place}


def test_tab_and_newlines_pass_the_text_policy():
    refuse_control_characters({"query": "a\tb\r\nc", "slugs": ["x"], "limit": 3})


@pytest.mark.parametrize(
    ("query", "rank"),
    [
        ("Flask", 0),
        ("flask", 0),
        ("fla", 1),
        ("las", 2),
        ("micro", 3),
        ("simple", 4),
        ("python", 4),
        ("flsk", 5),  # found by the search's typo forgiveness: "close spelling"
    ],
)
def test_search_ranks_names_before_taglines(query, rank):
    flask = SimpleNamespace(
        name="Flask",
        slug="flask",
        tagline="A microframework",
        description="Small and simple.",
        language="Python",
    )
    assert _rank(flask, query) == rank

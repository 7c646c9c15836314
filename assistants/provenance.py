"""Provenance of what the tools answer: each figure with its "as of" date
and staleness, each assessment cell with its source, checked date and
staleness, and "unknown" where we do not know. Pure functions of the
dicts the API and the exports give (and of today's date)."""

from datetime import date

from django.utils import timezone

from comparison.selectors import STATISTICS
from stats.templatetags.statistics import assessment_stale, stats_stale

UNKNOWN = "unknown"

#: statistic -> (label, the framework attribute holding its figure's date;
#: None for counts kept live on this site)
STATISTIC_DATES = {key: (label, date_key) for key, label, date_key in STATISTICS}


def today():
    return timezone.localdate().isoformat()


def iso(value):
    return value.isoformat() if value else None


def statistic_dates(framework):
    """The date of each statistic's figure, as the comparison table shows it."""
    return {
        key: iso(getattr(framework, date_key)) if date_key else None
        for key, (_, date_key) in STATISTIC_DATES.items()
    }


def dated(values, dates):
    """``{key: value}`` as ``{key: {label, value, as_of, stale}}``: a figure
    never goes without its date; votes are counted live, as of today."""
    result = {}
    for key, value in values.items():
        label, date_key = STATISTIC_DATES.get(key, (key, None))
        if value is None:
            result[key] = {"label": label, "value": UNKNOWN, "as_of": UNKNOWN}
        elif date_key is None:
            result[key] = {"label": label, "value": value, "as_of": today(), "live": True}
        else:
            day = dates.get(key)
            stale = stats_stale(date.fromisoformat(day)) if day else UNKNOWN
            result[key] = {"label": label, "value": value, "as_of": day or UNKNOWN, "stale": stale}
    return result


def cell(assessment):
    """An assessment (as the API and exports give it) with its staleness, and
    "unknown" for what we do not know."""
    if assessment is None:
        return {"assessed": False, "verdict": UNKNOWN, "summary": "Not assessed yet."}
    checked = assessment["checked_on"]
    return {
        **assessment,
        "assessed": True,
        "source_url": assessment["source_url"] or UNKNOWN,
        "checked_on": checked or UNKNOWN,
        "stale": assessment_stale(date.fromisoformat(checked)) if checked else UNKNOWN,
    }


def signal(data):
    """A health signal (as ``stats.health.signal_data`` gives it) with
    "unknown" for its value, source and date when we do not know them."""
    return {
        **data,
        "value": UNKNOWN if data["value"] is None else data["value"],
        "text": data["text"] or UNKNOWN,
        "source": data["source"] or UNKNOWN,
        "as_of": data["as_of"] or UNKNOWN,
    }


#: A series' fields where None means "the source did not say".
SERIES_UNKNOWNS = ("released", "latest", "latest_released", "support_ends", "security_ends")


def series(data):
    """A release series (``stats.health.series_data``) with its source and
    "unknown" for its dates and advisory counts that no source gave."""
    advisories = data["advisories"]
    return {
        **data,
        **{key: data[key] or UNKNOWN for key in SERIES_UNKNOWNS},
        "source_url": data["source_url"] or UNKNOWN,
        "checked_on": data["checked_on"] or UNKNOWN,
        "advisories": {
            **advisories,
            "counts": UNKNOWN if advisories["counts"] is None else advisories["counts"],
            "checked_on": advisories["checked_on"] or UNKNOWN,
        },
    }

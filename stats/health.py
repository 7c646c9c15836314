"""The health panel: the signals an adopter checks first, for the framework
page and the comparison table.

Each ``Signal`` has a value, its source, its date and one line on why it
matters. A signal without data is *unknown* (``value`` None): never 0, never
"healthy". ``health_for`` reads every framework's signals in three queries
(series with their advisory counts, the advisories, health signals),
whatever their number; the comparison table does without the advisories
themselves (two).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from core.cache import tags

from .models import Advisory, HealthSignal, ReleaseSeries

#: A watch feed announces an end of support this many days ahead.
END_NOTICE = timedelta(days=90)
#: Events of each kind a watch feed lists at most.
EVENTS = 10


@dataclass(frozen=True)
class Signal:
    key: str
    label: str
    why: str
    value: str | None = None  # display text; None: unknown
    data: object = None  # the value for machines (``signal_data``); None: unknown
    source: str = ""
    source_url: str = ""
    as_of: object = None  # a date or datetime
    details: tuple = ()  # (text, url) lines: Scorecard's checks, advisories
    warn: bool = False  # worth a reader's attention (an advisory, support ending)

    @property
    def known(self):
        return self.value is not None


@dataclass
class Health:
    framework_id: int
    series: list = field(default_factory=list)  # ReleaseSeries, newest first
    signals: list = field(default_factory=list)

    def signal(self, key):
        return next(s for s in self.signals if s.key == key)


#: (key, label, why it matters), in display order.
SIGNALS = [
    (
        "cadence",
        "Release cadence",
        "Regular releases bring fixes to you without long waits.",
    ),
    ("latest", "Latest release", "How recently the project shipped anything."),
    (
        "support",
        "Supported series",
        "A series past its end of support gets no security fixes: plan the upgrade before.",
    ),
    (
        "advisories",
        "Open advisories on the latest release",
        "Known vulnerabilities not yet fixed in the newest patch you can install.",
    ),
    (
        "scorecard",
        "OpenSSF Scorecard",
        "Automated checks of security practices; the reasons say more than the score.",
    ),
    ("commit", "Last commit", "A repository without commits for months may be unmaintained."),
]
WHY = {key: (label, why) for key, label, why in SIGNALS}


def health_for(frameworks, *, advisories=True, today=None):
    """{framework id: Health} of these frameworks, in three queries (two
    without ``advisories``, the list of each series' advisories)."""
    today = today or tags.today()
    ids = [f.pk for f in frameworks]
    series = {pk: [] for pk in ids}
    rows = ReleaseSeries.objects.filter(framework_id__in=ids).for_display(advisories=advisories)
    for row in rows:
        series[row.framework_id].append(row)
    signals = {pk: {} for pk in ids}
    for row in HealthSignal.objects.filter(framework_id__in=ids):
        signals[row.framework_id][row.kind] = row
    return {
        f.pk: Health(
            framework_id=f.pk,
            series=series[f.pk],
            signals=[
                _cadence(signals[f.pk].get(HealthSignal.Kind.CADENCE)),
                _latest(f),
                _support(series[f.pk], today),
                _advisories(f, series[f.pk], advisories),
                _scorecard(signals[f.pk].get(HealthSignal.Kind.SCORECARD)),
                _commit(f),
            ],
        )
        for f in frameworks
    }


def _signal(key, **values):
    label, why = WHY[key]
    return Signal(key, label, why, **values)


def _day(value):
    return date_format(value)


def _cadence(row):
    if row is None:
        return _signal("cadence")
    days = row.value.normalize()
    releases = row.details.get("releases")
    return _signal(
        "cadence",
        value=f"a release every {days:f} days (median of {releases} releases in two years)",
        data={"median_days": float(row.value), "releases": releases},
        source=row.source,
        source_url=row.source_url,
        as_of=row.checked_on,
    )


def _latest(framework):
    if not framework.latest_version:
        return _signal("latest")
    return _signal(
        "latest",
        value=framework.latest_version,
        data=framework.latest_version,
        source="GitHub releases, PyPI or npm, the newest",
        as_of=framework.latest_release_at,
    )


def _support(series, today):
    """The supported series and the next end of support; unknown unless a
    source gave a date (or said support ended) for some series."""
    known = _with_known_support(series)
    if not known:
        return _signal("support")
    supported = supported_series(known, today)
    ends = [
        (day, kind, s)
        for s in supported
        for day, kind in ((s.support_ends, "active support"), (s.security_ends, "security fixes"))
        if day is not None and day >= today
    ]
    names = ", ".join(f"{s.name}{' LTS' if s.lts else ''}" for s in supported) or "none"
    value = names
    data = {"supported": [s.name for s in supported], "next_end": None}
    warn = not supported
    if ends:
        day, kind, nearest = min(ends, key=lambda end: end[0])
        value += f"; next end: {nearest.name} {kind}, {_day(day)}"
        data["next_end"] = {"series": nearest.name, "ends": kind, "on": day.isoformat()}
        warn = warn or (day - today).days <= 90
    return _signal(
        "support",
        value=value,
        data=data,
        source=", ".join(sorted({s.source for s in known})),
        source_url=known[0].source_url,
        as_of=max((s.checked_on for s in known if s.checked_on), default=None),
        warn=warn,
    )


def _with_known_support(series):
    return [s for s in series if s.ended or s.security_ends is not None]


def supported_series(series, today):
    """The series still supported on ``today``, or None (unknown) when no
    source gave an end (or said support ended) for any of them."""
    known = _with_known_support(series)
    if not known:
        return None
    return [s for s in known if not s.is_past_support(today)]


def latest_series(framework, series):
    """The series of the latest release, else the newest series, or None."""
    for s in series:
        if s.latest and s.latest == framework.latest_version:
            return s
    return series[0] if series else None


def _advisories(framework, series, listed):
    current = latest_series(framework, series)
    counts = current.advisory_counts() if current is not None else None
    if counts is None:
        return _signal("advisories")
    value = (
        ", ".join(f"{n} {label}" for label, n in counts) + f" on {current.latest}"
        if counts
        else f"none known on {current.latest}"
    )
    return _signal(
        "advisories",
        value=value,
        data={"version": current.latest or None, "counts": current.severity_counts()},
        source="OSV",
        source_url="https://osv.dev/",
        as_of=current.latest_advisory_at or current.advisories_checked_on,
        details=tuple(
            (f"{a.osv_id} ({a.get_severity_display()}): {a.summary}", a.get_absolute_url())
            for a in (current.advisories.all() if listed else ())
        ),
        warn=bool(counts),
    )


def _scorecard(row):
    if row is None:
        return _signal("scorecard")
    checks = row.details.get("checks", [])
    return _signal(
        "scorecard",
        value=f"{row.value.normalize():f} / 10",
        data={"score": float(row.value), "out_of": 10, "checks": checks},
        source=row.source,
        source_url=row.source_url,
        as_of=row.as_of,
        details=tuple(
            (
                f"{c['name']}: {'?' if c['score'] is None else c['score']}/10, {c['reason']}",
                c["url"],
            )
            for c in checks
        ),
    )


def _commit(framework):
    if framework.pushed_at is None:
        return _signal("commit")
    return _signal(
        "commit",
        value=_day(timezone.localtime(framework.pushed_at)),
        data=framework.pushed_at.isoformat(),
        source="GitHub (last push)",
        source_url=f"https://github.com/{framework.github_repo}" if framework.github_repo else "",
        as_of=framework.github_as_of,
    )


# --- As data: the API, the exports and the assistants' tools --------------------


def _iso(value):
    return value.isoformat() if value else None


def signal_data(signal):
    """A Signal as JSON-ready data: ``value`` for machines and ``text`` for
    people, both None when unknown (never 0); dates ISO."""
    return {
        "key": signal.key,
        "label": signal.label,
        "value": signal.data if signal.known else None,
        "text": signal.value,
        "source": signal.source or None,
        "source_url": signal.source_url or None,
        "as_of": _iso(signal.as_of),
        "why": signal.why,
        "attention": signal.warn,
        "details": [{"text": text, "url": url or None} for text, url in signal.details],
    }


def series_data(series, today, *, listed=False):
    """A ReleaseSeries of ``for_display()`` as JSON-ready data; unknown
    dates and versions are None, versions text. With ``listed``, its
    advisories one by one (read with it: ``health_for``'s default)."""
    return {
        "name": series.name,
        "released": _iso(series.released),
        "latest": series.latest or None,
        "latest_released": _iso(series.latest_released),
        "lts": series.lts,
        "support_ends": _iso(series.support_ends),
        "security_ends": _iso(series.security_ends),
        "ended": series.ended,
        "past_support": series.is_past_support(today),
        "language_versions": series.language_versions or None,
        "source": series.source,
        "source_url": series.source_url or None,
        "checked_on": _iso(series.checked_on),
        "advisories": {
            "checked_on": _iso(series.advisories_checked_on),
            "counts": series.severity_counts(),
            "latest_published": _iso(series.latest_advisory_at),
            "source_url": "https://osv.dev/",
            **(
                {
                    "items": [
                        {
                            "id": a.osv_id,
                            "severity": a.severity,
                            "published": _iso(a.published),
                            "summary": a.summary,
                            "url": a.get_absolute_url(),
                        }
                        for a in series.advisories.all()
                    ]
                }
                if listed
                else {}
            ),
        },
    }


@dataclass(frozen=True)
class Event:
    """Something a framework's watchers want to hear of: a new series, an
    end of support 90 days ahead, a new advisory."""

    key: str  # stable: the feed entry's id
    title: str
    text: str
    when: datetime
    link: str  # the framework page's anchor, or the advisory's page


def _moment(day):
    return datetime.combine(day, time(), tzinfo=UTC)


def lifecycle_events(frameworks, today=None):
    """The Events of these frameworks, newest first (two queries)."""
    today = today or tags.today()
    names = {f.pk: f for f in frameworks}
    events = []
    series = ReleaseSeries.objects.filter(framework_id__in=names).order_by("-released", "-created")
    new = 0
    for s in series:
        framework = names[s.framework_id]
        link = f"{framework.get_absolute_url()}#series-{s.name}"
        if new < EVENTS:
            new += 1
            events.append(
                Event(
                    f"series:{s.pk}",
                    f"New release series: {framework.name} {s.name}",
                    f"{framework.name} {s.name}{' (LTS)' if s.lts else ''} "
                    + (
                        f"was first released on {_day(s.released)}." if s.released else "is listed."
                    ),
                    _moment(s.released) if s.released else s.created,
                    link,
                )
            )
        for end, kind, key in (
            (s.support_ends, "Active support", "support"),
            (s.security_ends, "Security fixes", "security"),
        ):
            if end is not None and end - END_NOTICE <= today <= end + timedelta(days=365):
                events.append(
                    Event(
                        f"end:{s.pk}:{key}",
                        f"{kind} for {framework.name} {s.name} end on {_day(end)}",
                        f"{kind} for {framework.name} {s.name} end{'ed' if end < today else ''} "
                        f"on {_day(end)}; plan the upgrade to a supported series.",
                        _moment(end - END_NOTICE),
                        link,
                    )
                )
    advisories = (
        Advisory.objects.filter(series__framework_id__in=names, published__isnull=False)
        .select_related("series")
        .order_by("-published")[:EVENTS]
    )
    for a in advisories:
        framework = names[a.series.framework_id]
        events.append(
            Event(
                f"advisory:{a.osv_id}",
                f"New advisory on {framework.name} {a.series.latest}: {a.osv_id}",
                f"{a.osv_id} ({a.get_severity_display()}) affects {framework.name} "
                f"{a.series.latest}: {a.summary}",
                a.published,
                a.get_absolute_url(),
            )
        )
    events.sort(key=lambda e: e.when, reverse=True)
    return events

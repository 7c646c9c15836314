"""Release series, security advisories and health signals, for sync_stats.

Three sources besides the release lists ``sources.read_pypi`` and
``sources.read_npm`` already fetch:

- **endoflife.date** (``GET {ENDOFLIFE_API_URL}/api/{product}.json``): one
  object per series (``cycle``) with ``releaseDate``, ``latest``,
  ``latestReleaseDate``, ``lts``, ``support`` and ``eol``; the last three
  are a date or true/false. Where a framework names no product, its series
  come from the PyPI or npm release list (first and latest final release of
  each major.minor; support dates unknown).
- **OSV** (``POST {OSV_API_URL}/v1/querybatch``, then ``GET
  /v1/vulns/{id}`` for each advisory found): the advisories that affect the
  latest patch of each series, with their severity and date.
- **OpenSSF Scorecard** (``GET {SCORECARD_API_URL}/projects/github.com/{repo}``):
  the score and every check's score and reason.

Every request goes through ``sources.ApiClient`` (deadline, size cap,
retries, conditional GETs). Each reader checks its answer and raises
``SourceError`` on anything implausible (a date that is no date, a version
that is no version, an unknown severity); ``sync_releases`` then records that
source's failure and writes nothing of it. A series a curator marked
*curated* is never changed by the sync. More: docs/statistics.md.
"""

import itertools
import re
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import OSV_ID_PATTERN, VERSION_PATTERN, Advisory, HealthSignal, ReleaseSeries
from .sources import SourceError, _clean, _object, _when

VERSION_RE = re.compile(VERSION_PATTERN)
OSV_ID_RE = re.compile(OSV_ID_PATTERN)
#: A final release (no a/b/rc/dev suffix): "5.2", "5.2.8", "v5.1.0".
FINAL_RE = re.compile(r"^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?$")
#: Support dates further ahead than this are not plausible.
MAX_YEARS_AHEAD = 30
#: The most series read from one answer, and advisories asked of OSV per framework.
MAX_SERIES = 200
MAX_ADVISORIES = 50
#: Series whose latest patch OSV is asked about: the supported ones and the newest.
OSV_SERIES = 10
#: The window of the release cadence, and the fewest gaps that make a median.
CADENCE_WINDOW = timedelta(days=730)
CADENCE_MIN_GAPS = 2
SEVERITIES = {
    "CRITICAL": Advisory.Severity.CRITICAL,
    "HIGH": Advisory.Severity.HIGH,
    "MODERATE": Advisory.Severity.MODERATE,
    "MEDIUM": Advisory.Severity.MODERATE,
    "LOW": Advisory.Severity.LOW,
}
ECOSYSTEMS = (("PyPI", "pypi_project"), ("npm", "npm_package"))
SYNCED_FIELDS = (
    "released",
    "latest",
    "latest_released",
    "lts",
    "support_ends",
    "security_ends",
    "ended",
    "language_versions",
    "source",
    "source_url",
)


@dataclass
class Series:
    """One series as a source gives it (``ReleaseSeries``' synced fields)."""

    name: str
    released: date | None = None
    latest: str = ""
    latest_released: date | None = None
    lts: bool = False
    support_ends: date | None = None
    security_ends: date | None = None
    ended: bool = False
    language_versions: str = ""
    source: str = ""
    source_url: str = ""


# -- checks ------------------------------------------------------------------
def _day(value, key, what, *, future=False):
    """A "YYYY-MM-DD" (or ISO date-time) as a date; None when absent. Only
    ``future`` dates (end of support) may lie ahead, within 30 years."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise SourceError(f"{what}: {key!r} is not a date")
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise SourceError(f"{what}: {key!r} = {value[:40]!r} is not a date") from None
    today = timezone.localdate()
    latest = today.replace(year=today.year + MAX_YEARS_AHEAD) if future else today + timedelta(1)
    if day.year < 1990 or day > latest:
        raise SourceError(f"{what}: {key!r} = {value} is not a plausible date")
    return day


def _version(value, key, what, *, required=True):
    if value in (None, "") and not required:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a cycle written as a whole number ("cycle": 18)
    if not isinstance(value, str) or not VERSION_RE.match(value):
        raise SourceError(f"{what}: {key!r} is missing or not a version")
    return value


def _flag_or_day(value, key, what):
    """endoflife.date's support/eol: (date or None, ended). ``true`` means
    the phase is over (no date given), ``false`` that it goes on."""
    if isinstance(value, bool):
        return None, value
    day = _day(value, key, what, future=True)
    return day, False


def _short_text(value, key, what, limit):
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise SourceError(f"{what}: {key!r} is not a text")
    return _clean(value, key, what).strip()[:limit]


def _final(version):
    """(major, minor, patch) of a final release, or None."""
    match = FINAL_RE.match(version)
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


# -- readers -----------------------------------------------------------------
def read_endoflife(client, product):
    """[Series] of an endoflife.date product."""
    what = f"endoflife.date {product}"
    url = f"{settings.ENDOFLIFE_API_URL}/api/{quote(product)}.json"
    data = client.get_json(url).data
    if not isinstance(data, list) or not data or len(data) > MAX_SERIES:
        raise SourceError(f"{what}: the answer is not a list of release cycles")
    page = f"https://endoflife.date/{quote(product)}"
    found = []
    for item in data:
        cycle = _object(item, what)
        name = _version(cycle.get("cycle"), "cycle", what)
        where = f"{what} {name}"
        # ``support: false`` (ended, no date) leaves the date unknown.
        support_ends, _ = _flag_or_day(cycle.get("support"), "support", where)
        security_ends, ended = _flag_or_day(cycle.get("eol"), "eol", where)
        lts = cycle.get("lts", False)
        if not isinstance(lts, bool):  # a date: LTS from that day on
            _day(lts, "lts", where, future=True)
            lts = True
        released = _day(cycle.get("releaseDate"), "releaseDate", where)
        latest_released = _day(cycle.get("latestReleaseDate"), "latestReleaseDate", where)
        if released and latest_released and latest_released < released:
            raise SourceError(f"{where}: its latest patch predates its first release")
        found.append(
            Series(
                name=name,
                released=released,
                latest=_version(cycle.get("latest"), "latest", where, required=False),
                latest_released=latest_released,
                lts=lts,
                support_ends=support_ends,
                security_ends=security_ends,
                ended=ended,
                language_versions=_short_text(
                    cycle.get("supportedPythonVersions"), "supportedPythonVersions", where, 100
                ),
                source="endoflife.date",
                source_url=page,
            )
        )
    return found


def pypi_releases(document, project):
    """{version: (first upload day, requires_python)} of the final releases
    in a PyPI JSON document (its ``releases``)."""
    what = f"PyPI {project}"
    releases = _object(_object(document, what).get("releases"), f"{what} releases")
    found = {}
    for version, files in releases.items():
        if _final(version) is None or not isinstance(files, list) or not files:
            continue  # pre-releases, and versions whose files were all removed
        uploads = [f for f in files if isinstance(f, dict)]
        days = [_when(f.get("upload_time_iso_8601"), "upload_time_iso_8601", what) for f in uploads]
        if not days:
            continue
        requires = next(
            (
                f.get("requires_python")
                for f in uploads
                if isinstance(f.get("requires_python"), str)
            ),
            "",
        )
        found[version] = (min(days).date(), _short_text(requires, "requires_python", what, 100))
    return found


def npm_releases(document, package):
    """{version: (publication day, "")} of the final releases in an npm
    registry document (its ``time``)."""
    what = f"npm {package}"
    times = _object(_object(document, what).get("time"), f"{what} time")
    return {
        version: (_when(when, f"time.{version}", what).date(), "")
        for version, when in times.items()
        if _final(version) is not None
    }


def series_from_releases(releases, label, url):
    """[Series] by major.minor of a release list (support dates unknown)."""
    groups = {}
    for version, (day, requires) in releases.items():
        major, minor, patch = _final(version)
        groups.setdefault(f"{major}.{minor}", []).append(((patch, day), version, day, requires))
    found = []
    for name, members in groups.items():
        members.sort()
        _, latest, latest_day, requires = members[-1]
        found.append(
            Series(
                name=name,
                released=min(day for _, _, day, _ in members),
                latest=latest,
                latest_released=latest_day,
                language_versions=f"Python {requires}" if requires and label == "PyPI" else "",
                source=f"{label} release list",
                source_url=url,
            )
        )
    found.sort(key=lambda s: s.released)
    return found[-MAX_SERIES:]


def cadence(days, today):
    """(median days between releases over two years, releases counted), or
    None with fewer than three releases in the window."""
    recent = sorted({d for d in days if today - CADENCE_WINDOW <= d <= today})
    gaps = [(b - a).days for a, b in itertools.pairwise(recent)]
    if len(gaps) < CADENCE_MIN_GAPS:
        return None
    return Decimal(str(statistics.median(gaps))).quantize(Decimal("0.1")), len(recent)


def read_osv(client, package, ecosystem, versions):
    """{version: [(osv_id, severity, published, summary)]} of the advisories
    that affect each version."""
    what = f"OSV {ecosystem} {package}"
    queries = [
        {"package": {"name": package, "ecosystem": ecosystem}, "version": v} for v in versions
    ]
    answer = client.get_json(f"{settings.OSV_API_URL}/v1/querybatch", post={"queries": queries})
    results = _object(answer.data, what).get("results")
    if not isinstance(results, list) or len(results) != len(versions):
        raise SourceError(f"{what}: 'results' does not answer each query")
    ids = {}
    for version, result in zip(versions, results, strict=True):
        vulns = _object(result, what).get("vulns", [])
        if not isinstance(vulns, list):
            raise SourceError(f"{what}: 'vulns' is not a list")
        ids[version] = []
        for vuln in vulns:
            osv_id = _object(vuln, what).get("id")
            if not isinstance(osv_id, str) or not OSV_ID_RE.match(osv_id):
                raise SourceError(f"{what}: an advisory id is not an OSV id")
            ids[version].append(osv_id)
    distinct = sorted({i for found in ids.values() for i in found})
    if len(distinct) > MAX_ADVISORIES:
        raise SourceError(f"{what}: more than {MAX_ADVISORIES} advisories; none recorded")
    details = {osv_id: read_advisory(client, osv_id) for osv_id in distinct}
    return {version: [details[i] for i in found] for version, found in ids.items()}


def read_advisory(client, osv_id):
    """(osv_id, severity, published, summary) of one OSV record."""
    what = f"OSV {osv_id}"
    data = _object(client.get_json(f"{settings.OSV_API_URL}/v1/vulns/{quote(osv_id)}").data, what)
    if data.get("id") != osv_id:
        raise SourceError(f"{what}: the record has another id")
    published = _when(data.get("published"), "published", what, required=False)
    summary = _short_text(data.get("summary"), "summary", what, 300)
    return osv_id, _severity(data, what), published, summary


def _severity(data, what):
    """GitHub's advisories give ``database_specific.severity`` (or per
    affected package ``ecosystem_specific.severity``); records without one
    have an unknown severity, never a guessed one."""
    places = [data.get("database_specific")]
    affected = data.get("affected")
    if isinstance(affected, list):
        places += [a.get("ecosystem_specific") for a in affected if isinstance(a, dict)]
    for place in places:
        if isinstance(place, dict) and "severity" in place:
            value = place["severity"]
            if not isinstance(value, str) or value.upper() not in SEVERITIES:
                raise SourceError(f"{what}: 'severity' is not a known severity")
            return SEVERITIES[value.upper()]
    return Advisory.Severity.UNKNOWN


def read_scorecard(client, repo):
    """(score, day, [check]) of a GitHub repository's OpenSSF Scorecard,
    or None when Scorecard has not scored it (404)."""
    what = f"Scorecard {repo}"
    answer = client.get_json(
        f"{settings.SCORECARD_API_URL}/projects/github.com/{repo}", missing_ok=True
    )
    if answer.data is None:
        return None
    data = _object(answer.data, what)
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 10:
        raise SourceError(f"{what}: 'score' is missing or not between 0 and 10")
    day = _day(data.get("date"), "date", what)
    if day is None:
        raise SourceError(f"{what}: 'date' is missing")
    raw = data.get("checks")
    if not isinstance(raw, list) or len(raw) > 50:
        raise SourceError(f"{what}: 'checks' is missing or too long")
    checks = []
    for item in raw:
        check = _object(item, what)
        name = _short_text(check.get("name"), "name", what, 100)
        value = check.get("score")
        if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= 10:
            raise SourceError(f"{what}: the score of check {name!r} is not -1 to 10")
        documentation = check.get("documentation")
        url = documentation.get("url") if isinstance(documentation, dict) else ""
        checks.append(
            {
                "name": name,
                "score": None if value == -1 else value,  # -1: inconclusive
                "reason": _short_text(check.get("reason"), "reason", what, 300),
                "url": url if isinstance(url, str) and url.startswith("https://") else "",
            }
        )
    return Decimal(str(score)).quantize(Decimal("0.1")), day, checks


# -- writing -------------------------------------------------------------------
def sync_releases(framework, client, outcome, documents, today):
    """Read and write the framework's series, advisories, cadence and
    Scorecard. ``documents``: [(label, name, JSON document)] of the PyPI and
    npm answers sync_framework already read. Failures go to ``outcome``."""
    lists = []
    for label, name, document in documents:
        try:
            reader = pypi_releases if label == "PyPI" else npm_releases
            lists.append((label, name, reader(document, name)))
        except SourceError as exc:
            outcome.failures.append((f"{label} releases", str(exc)))

    found = None
    if framework.endoflife_product:
        try:
            found = read_endoflife(client, framework.endoflife_product)
        except SourceError as exc:
            outcome.failures.append(("endoflife.date", str(exc)))
    elif lists:
        label, name, releases = lists[0]
        url = (
            f"https://pypi.org/project/{name}/#history"
            if label == "PyPI"
            else f"https://www.npmjs.com/package/{name}?activeTab=versions"
        )
        found = series_from_releases(releases, label, url)
    if found is not None:
        _write_series(framework, found, outcome, today)

    if lists:
        label, name, releases = lists[0]
        measured = cadence([day for day, _ in releases.values()], today)
        if measured is not None:
            value, count = measured
            _write_signal(
                framework,
                outcome,
                HealthSignal.Kind.CADENCE,
                value=value,
                details={"releases": count},
                source=f"{label} release list",
                source_url=(
                    f"https://pypi.org/project/{name}/#history"
                    if label == "PyPI"
                    else f"https://www.npmjs.com/package/{name}?activeTab=versions"
                ),
                as_of=today,
                checked_on=today,
            )

    _sync_advisories(framework, client, outcome, today)

    if framework.github_repo:
        try:
            scorecard = read_scorecard(client, framework.github_repo)
        except SourceError as exc:
            outcome.failures.append(("Scorecard", str(exc)))
        else:
            if scorecard is not None:
                score, day, checks = scorecard
                _write_signal(
                    framework,
                    outcome,
                    HealthSignal.Kind.SCORECARD,
                    value=score,
                    details={"checks": checks},
                    source="OpenSSF Scorecard",
                    source_url=f"https://scorecard.dev/viewer/?uri=github.com/{framework.github_repo}",
                    as_of=day,
                    checked_on=today,
                )


def _write_series(framework, found, outcome, today):
    existing = {s.name: s for s in ReleaseSeries.objects.filter(framework=framework)}
    for facts in found:
        series = existing.get(facts.name) or ReleaseSeries(framework=framework, name=facts.name)
        if series.curated:
            continue
        changed = [f for f in SYNCED_FIELDS if getattr(series, f) != getattr(facts, f)]
        for name in changed:
            setattr(series, name, getattr(facts, name))
        if series.pk is None or changed:
            series._change_reason = "Statistics sync"
            outcome.written.append(f"series {facts.name}")
        series.checked_on = today
        series.save()


def _sync_advisories(framework, client, outcome, today):
    """Ask OSV about the latest patch of the supported series and the newest."""
    ecosystem, package = next(
        (
            (eco, getattr(framework, field))
            for eco, field in ECOSYSTEMS
            if getattr(framework, field)
        ),
        (None, ""),
    )
    if not package:
        return
    asked = list(
        ReleaseSeries.objects.filter(framework=framework)
        .exclude(latest="")
        .exclude(Q(ended=True) | Q(security_ends__lt=today))
        .order_by("-released", "-name")[:OSV_SERIES]
    )
    if not asked:
        return
    try:
        found = read_osv(client, package, ecosystem, sorted({s.latest for s in asked}))
    except SourceError as exc:
        outcome.failures.append(("OSV", str(exc)))
        return
    for series in asked:
        current = {osv_id: rest for osv_id, *rest in found[series.latest]}
        gone = series.advisories.exclude(osv_id__in=current)
        if gone.exists():
            gone.delete()
            outcome.written.append(f"advisories of {series.name}")
        for osv_id, (severity, published, summary) in current.items():
            _, created = Advisory.objects.update_or_create(
                series=series,
                osv_id=osv_id,
                defaults={"severity": severity, "published": published, "summary": summary},
            )
            if created:
                outcome.written.append(f"advisory {osv_id}")
        series.advisories_checked_on = today
        series.save(update_fields=["advisories_checked_on", "updated"])


def _write_signal(framework, outcome, kind, **values):
    signal = HealthSignal.objects.filter(framework=framework, kind=kind).first()
    if signal is None:
        signal = HealthSignal(framework=framework, kind=kind)
    if any(getattr(signal, k) != v for k, v in values.items() if k != "checked_on"):
        outcome.written.append(str(HealthSignal.Kind(kind).label))
    for name, value in values.items():
        setattr(signal, name, value)
    signal.save()

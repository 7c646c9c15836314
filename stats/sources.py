"""Reading statistics from GitHub, PyPI, pypistats and npm.

``ApiClient`` is the one way out to those APIs: a deadline for every
request as a whole and a cap on its body (``SYNC_TIMEOUT``,
``SYNC_MAX_BYTES``), retries with exponential backoff on 5xx answers and
network errors, conditional GETs (If-None-Match with the ETag kept in
``CachedResponse``), each API's request budget for the run, and rate
limits (no call an API's ``X-RateLimit-Remaining`` says it would refuse
before ``X-RateLimit-Reset``; at 0 the pause is stored for later runs).
A budget spent or a rate limit reached is ``Skipped``: that source is not
read this run, which is no failure.

The ``read_*`` functions turn one API's answer into checked figures, or raise
``SourceError`` with a one-line reason: an answer that is not JSON, lacks a
field, or carries a negative or absurd number is a failure of that source,
never a value. Texts follow the site's text policy (``core.text``): a NUL
fails the source, the other control characters but tab, LF and CR are
stripped.
"""

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
from django.conf import settings
from django.utils import timezone

from core.text import ControlCharacterError, clean_text
from frameworks.models import GITHUB_REPO_PATTERN

from .models import ApiPause, CachedResponse

#: Larger than any real figure: Node.js-sized repositories have ~100K stars,
#: the most downloaded npm packages a few hundred million a week.
MAX_COUNT = 50_000_000
MAX_DOWNLOADS = 5_000_000_000
MAX_BACKOFF = 30.0
MAX_CACHED = 5_000_000  # characters of a body kept for 304s (npm documents are large)
USER_AGENT = "stackcompare-sync (+https://github.com/; statistics for a comparison portal)"
GITHUB_REPO_RE = re.compile(GITHUB_REPO_PATTERN)


class SourceError(Exception):
    """One source of one framework failed; the message is the reason."""


class Skipped(SourceError):
    """A source not read this run, by plan (its budget) or by the API's
    request (its rate limit): reported, but no failure."""


class RateLimited(Skipped):
    def __init__(self, api, reset_at):
        self.reset_at = reset_at
        when = reset_at.strftime("%Y-%m-%d %H:%M UTC") if reset_at else "an unknown time"
        name = API_NAMES.get(api, api)
        super().__init__(f"{name} rate limit reached; no {name} calls until {when}")


class BudgetSpent(Skipped):
    def __init__(self, api, budget):
        name = API_NAMES.get(api, api)
        super().__init__(f"{name} budget of {budget} requests for this run spent")


#: The APIs a request is counted against (``get_json(api=...)``), by name.
API_NAMES = {"github": "GitHub", "pypi": "PyPI", "npm": "npm"}


@dataclass
class Answer:
    data: object
    url: str  # the final URL, after redirects
    not_modified: bool = False


@dataclass
class Fetched:
    """One HTTP answer, its body read in full (within the size cap)."""

    status_code: int
    headers: httpx.Headers
    url: str  # the final URL, after redirects
    text: str


@dataclass
class ApiClient:
    timeout: float = field(default_factory=lambda: settings.SYNC_TIMEOUT)
    retries: int = field(default_factory=lambda: settings.SYNC_RETRIES)
    backoff: float = field(default_factory=lambda: settings.SYNC_BACKOFF)
    max_bytes: int = field(default_factory=lambda: settings.SYNC_MAX_BYTES)
    sleep: object = time.sleep
    #: {api: requests} at most this run, 304s aside (``--budget``).
    budgets: dict = field(default_factory=dict)
    requests: int = 0
    not_modified: int = 0
    #: {api: requests sent}, {api: of them answered 304}.
    sent: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    #: {api: (requests left, when that resets)}, as it last said.
    limits: dict = field(default_factory=dict)
    #: {url: data} read by a batch request (``batch_npm_downloads``): a GET
    #: of ``url`` takes it instead of asking, once.
    batched: dict = field(default_factory=dict)
    #: Hosts (with their port) no connection could be opened to, after the
    #: retries, in this run: later requests to them fail at once instead of
    #: waiting out every timeout (a machine without internet access).
    unreachable: set = field(default_factory=set)

    def __post_init__(self):
        # A pause an earlier run recorded still holds.
        for pause in ApiPause.objects.filter(until__gt=timezone.now()):
            self.limits[pause.api] = (0, pause.until)
        self.http = httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
            follow_redirects=True,  # renamed GitHub repositories answer 301
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- budgets and rate limits ---------------------------------------------
    def spent(self, api):
        """Requests counted against ``api``'s budget: a 304 is not."""
        return self.sent[api] - self.unchanged[api]

    def _limited(self, api, requests):
        """The time ``api``'s rate limit resets when it has fewer than
        ``requests`` left until then, else None."""
        left, reset = self.limits.get(api, (None, None))
        if left is None or left >= requests or timezone.now() >= reset:
            return None
        return reset

    def can_spend(self, api, requests):
        """True when ``api``'s rate limit and budget have ``requests`` left."""
        budget = self.budgets.get(api)
        within = budget is None or self.spent(api) + requests <= budget
        return within and self._limited(api, requests) is None

    def reserve(self, api, requests=1):
        """Raise ``Skipped`` unless ``api`` can take ``requests`` more."""
        if api is None or self.can_spend(api, requests):
            return
        reset = self._limited(api, requests)
        if reset is not None:
            raise RateLimited(api, reset)
        raise BudgetSpent(api, self.budgets[api])

    def _heed(self, api, response):
        """Keep what ``api`` says of its rate limit; past it, stop calling
        it (this run and the next ones) until it resets."""
        left = response.headers.get("X-RateLimit-Remaining", "")
        refused = response.status_code in (403, 429)
        if left.isdigit() or (refused and "Retry-After" in response.headers):
            left = int(left) if left.isdigit() else 0
            self.limits[api] = (left, _reset_time(response.headers))
            if left == 0:
                ApiPause.objects.update_or_create(api=api, defaults={"until": self.limits[api][1]})
                if refused:
                    raise RateLimited(api, self.limits[api][1])

    # -- transport -----------------------------------------------------------
    def get_json(self, url, *, api=None, headers=None, missing_ok=False, post=None):
        """GET ``url`` as JSON, conditionally when an ETag is known, counted
        against ``api`` (its budget and rate limit); with ``post`` (a
        JSON-able value), POST it instead, unconditionally (OSV's queries).

        Returns an Answer (``data`` None for a 404 when ``missing_ok``)."""
        if post is None and url in self.batched:
            return Answer(self.batched.pop(url), url)
        self.reserve(api)
        body = None if post is None else json.dumps(post).encode()
        cached = CachedResponse.objects.filter(url=url).first() if body is None else None
        request_headers = dict(headers or {})
        if cached is not None:
            request_headers["If-None-Match"] = cached.etag
        if body is not None:
            request_headers["Content-Type"] = "application/json"
        before = self.requests
        response = self._send(url, request_headers, body)
        self.sent[api] += self.requests - before
        if api is not None:
            self._heed(api, response)
        if response.status_code == 304 and cached is not None:
            self.not_modified += 1
            self.unchanged[api] += 1
            return Answer(_parse(cached.body, url), str(response.url), not_modified=True)
        if response.status_code == 404 and missing_ok:
            return Answer(None, str(response.url))
        if response.status_code != 200:
            raise SourceError(f"{_short(url)} answered HTTP {response.status_code}")
        data = _parse(response.text, url)
        etag = response.headers.get("ETag", "") if body is None else ""
        if etag and len(etag) <= 200 and len(url) <= 500 and len(response.text) <= MAX_CACHED:
            CachedResponse.objects.update_or_create(
                url=url, defaults={"etag": etag, "body": response.text}
            )
        elif cached is not None:
            cached.delete()
        return Answer(data, str(response.url))

    def _send(self, url, headers, body=None):
        host = httpx.URL(url).netloc.decode()
        if host in self.unreachable:
            raise SourceError(f"{host} could not be reached earlier in this run")
        attempt = 0
        while True:
            self.requests += 1
            unreachable = False
            try:
                response = self._fetch(url, headers, body)
            except httpx.TimeoutException as exc:
                error = f"{_short(url)} timed out after {self.timeout:g} s"
                unreachable = isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                error = f"{_short(url)}: network error ({type(exc).__name__})"
                unreachable = isinstance(exc, httpx.ConnectError)
            else:
                if response.status_code < 500:
                    return response
                error = f"{_short(url)} answered HTTP {response.status_code}"
            if attempt >= self.retries:
                if unreachable:  # no connection at all: not worth another wait
                    self.unreachable.add(host)
                tries = attempt + 1
                raise SourceError(f"{error} ({tries} attempt{'s' if tries > 1 else ''})")
            self.sleep(min(self.backoff * 2**attempt, MAX_BACKOFF))
            attempt += 1

    def _fetch(self, url, headers, body=None):
        """One GET, over within ``timeout`` seconds in all.

        httpx's timeouts bound each network operation, not their sum: a
        server sending a byte a second, in its headers or its body, never
        trips them. So the request runs in a worker thread that this one
        waits for until the deadline; past it, the request is abandoned as
        timed out (the worker stops at its next chunk, and its connection
        closes with the client at the latest)."""
        done, stop, connected = {}, threading.Event(), threading.Event()

        def trace(event, info):
            if ".send_request_headers." in event:  # a connection is open
                connected.set()

        def work():
            try:
                done["answer"] = self._read(url, headers, stop, trace, body)
            except Exception as exc:  # raised again below, in the caller
                done["error"] = exc

        worker = threading.Thread(target=work, name="sync-request", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            stop.set()
            # Never connected: the host is as unreachable as a connect timeout says.
            raise (httpx.ReadTimeout if connected.is_set() else httpx.ConnectTimeout)(
                f"no complete answer within {self.timeout:g} s"
            )
        if "error" in done:
            raise done["error"]
        return done["answer"]

    def _read(self, url, headers, stop, trace, content=None):
        """The answer to a GET, reading no more than ``max_bytes`` of body
        (decompressed): a larger one is a failure, not worth a retry."""
        too_large = f"{_short(url)} sent more than {self.max_bytes} bytes"
        method = "GET" if content is None else "POST"
        with self.http.stream(
            method, url, headers=headers, content=content, extensions={"trace": trace}
        ) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise SourceError(too_large)  # not a byte of it read
            body = bytearray()
            for chunk in response.iter_bytes():
                if stop.is_set():  # the caller has given up
                    return None
                body += chunk
                if len(body) > self.max_bytes:
                    raise SourceError(too_large)
            text = body.decode(response.encoding or "utf-8", errors="replace")
            return Fetched(response.status_code, response.headers, str(response.url), text)


def _reset_time(headers):
    try:
        return datetime.fromtimestamp(int(headers.get("X-RateLimit-Reset", "")), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        retry_after = headers.get("Retry-After", "")
        seconds = int(retry_after) if retry_after.isdigit() else 60
        return timezone.now() + timedelta(seconds=seconds)


def _short(url):
    return url if len(url) <= 120 else url[:117] + "..."


def _parse(text, url):
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise SourceError(f"{_short(url)} did not answer JSON") from None


# -- checks ------------------------------------------------------------------
def _object(data, what):
    if not isinstance(data, dict):
        raise SourceError(f"{what}: the answer is not a JSON object")
    return data


def _count(data, key, what, limit=MAX_COUNT):
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SourceError(f"{what}: {key!r} is missing or not a whole number")
    if not 0 <= value <= limit:
        raise SourceError(f"{what}: {key!r} = {value} is out of range")
    return value


def _when(value, key, what, *, required=True):
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str):
        raise SourceError(f"{what}: {key!r} is missing or not a date")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SourceError(f"{what}: {key!r} is not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment > timezone.now() + timedelta(days=1) or moment.year < 1990:
        raise SourceError(f"{what}: {key!r} = {value} is not a plausible date")
    return moment


def _clean(value, key, what):
    try:
        return clean_text(value)
    except ControlCharacterError as error:
        raise SourceError(f"{what}: {key!r} {error}") from None


def _text(data, key, what, limit=100):
    value = data.get(key)
    if isinstance(value, str):
        value = _clean(value, key, what).strip()
    if not isinstance(value, str) or not value or len(value) > limit:
        raise SourceError(f"{what}: {key!r} is missing or not a short text")
    return value


# -- readers -----------------------------------------------------------------
def read_github(client, repo):
    """Stars, forks, open issues, last push, archived, licence, the repository's
    current name (GitHub redirects renamed ones) and the latest release."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if settings.GITHUB_TOKEN:
        headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"
    base = settings.GITHUB_API_URL
    what = f"GitHub {repo}"
    answer = client.get_json(f"{base}/repos/{repo}", api="github", headers=headers)
    data = _object(answer.data, what)
    full_name = _text(data, "full_name", what, limit=140)
    if not GITHUB_REPO_RE.match(full_name):
        raise SourceError(f"{what}: 'full_name' is not owner/name")
    archived = data.get("archived")
    if not isinstance(archived, bool):
        raise SourceError(f"{what}: 'archived' is missing or not true/false")
    licence = data.get("license")
    spdx = ""
    if isinstance(licence, dict) and isinstance(licence.get("spdx_id"), str):
        spdx_id = _clean(licence["spdx_id"], "license.spdx_id", what)
        spdx = spdx_id[:50] if spdx_id != "NOASSERTION" else ""
    figures = {
        "repo": full_name,
        "github_stars": _count(data, "stargazers_count", what),
        "github_forks": _count(data, "forks_count", what),
        "github_open_issues": _count(data, "open_issues_count", what),
        "pushed_at": _when(data.get("pushed_at"), "pushed_at", what, required=False),
        "is_archived": archived,
        "license": spdx,
        "not_modified": answer.not_modified,
    }
    release = client.get_json(
        f"{base}/repos/{full_name}/releases/latest", api="github", headers=headers, missing_ok=True
    )
    figures["release"] = None
    if release.data is not None:
        rel = _object(release.data, f"{what} latest release")
        figures["release"] = (
            _text(rel, "tag_name", f"{what} latest release"),
            _when(rel.get("published_at"), "published_at", f"{what} latest release"),
        )
        figures["not_modified"] = figures["not_modified"] and release.not_modified
    return figures


def read_pypi(client, project):
    """Latest version and its upload date, and last week's downloads."""
    what = f"PyPI {project}"
    answer = client.get_json(f"{settings.PYPI_URL}/pypi/{quote(project)}/json", api="pypi")
    data = _object(answer.data, what)
    info = _object(data.get("info"), what)
    version = _text(info, "version", what)
    files = data.get("urls")
    if not isinstance(files, list):
        raise SourceError(f"{what}: 'urls' is missing")
    uploads = [
        _when(f.get("upload_time_iso_8601"), "upload_time_iso_8601", what)
        for f in files
        if isinstance(f, dict)
    ]
    stats = client.get_json(
        f"{settings.PYPISTATS_URL}/api/packages/{quote(project)}/recent", api="pypi"
    )
    what_stats = f"pypistats {project}"
    recent = _object(_object(stats.data, what_stats).get("data"), what_stats)
    return {
        "version": version,
        "released_at": max(uploads) if uploads else None,
        "weekly_downloads": _count(recent, "last_week", what_stats, MAX_DOWNLOADS),
        "not_modified": answer.not_modified and stats.not_modified,
        "document": data,  # its release list, read by releases.py
    }


def _npm_downloads_url(package):
    return f"{settings.NPM_DOWNLOADS_URL}/downloads/point/last-week/{quote(package, safe='@/,')}"


#: Packages per bulk request of npm's downloads API (its limit), which
#: takes unscoped names only.
NPM_BULK = 128


def batch_npm_downloads(client, packages):
    """Read the weekly downloads of ``packages`` in bulk requests, 128 at a
    time, for ``read_npm`` to take instead of one request each. What a bulk
    answer lacks (a scoped name, a failed request, the budget spent) is
    left to those single requests."""
    names = [name for name in dict.fromkeys(packages) if not name.startswith("@")]
    for start in range(0, len(names), NPM_BULK):
        chunk = names[start : start + NPM_BULK]
        # One name answers in the single shape: nothing to save. Within a
        # budget, only what leaves the chunk's frameworks their own reads.
        if len(chunk) < 2 or not client.can_spend("npm", 1 + 2 * len(chunk)):
            return
        try:
            answer = client.get_json(_npm_downloads_url(",".join(chunk)), api="npm")
        except SourceError:
            return
        if isinstance(answer.data, dict):
            for name in chunk:
                if isinstance(answer.data.get(name), dict):
                    client.batched[_npm_downloads_url(name)] = answer.data[name]


def read_npm(client, package):
    """Latest version (dist-tags.latest) and its date, and last week's downloads."""
    what = f"npm {package}"
    name = quote(package, safe="@")
    answer = client.get_json(f"{settings.NPM_REGISTRY_URL}/{name}", api="npm")
    data = _object(answer.data, what)
    tags = _object(data.get("dist-tags"), what)
    version = _text(tags, "latest", what)
    times = _object(data.get("time"), what)
    released = _when(times.get(version), f"time.{version}", what)
    downloads = client.get_json(_npm_downloads_url(package), api="npm")
    point = _object(downloads.data, f"npm downloads {package}")
    return {
        "version": version,
        "released_at": released,
        "weekly_downloads": _count(point, "downloads", f"npm downloads {package}", MAX_DOWNLOADS),
        "not_modified": answer.not_modified and downloads.not_modified,
        "document": data,  # its release list, read by releases.py
    }

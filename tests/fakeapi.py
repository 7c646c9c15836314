"""A local HTTP server on 127.0.0.1 that plays GitHub, PyPI, pypistats, npm,
endoflife.date, OSV (its querybatch POST and its records) and OpenSSF
Scorecard.

It answers with JSON shaped like the real APIs (only the fields we read, plus
a few others), sends ETags and honours If-None-Match with 304, follows
GitHub's rename redirects, and can be told to answer a path slowly, with an
error status, rate-limit headers or garbage (or keep GitHub's rate limit:
``github_remaining``), a byte at a time (a trickle
that no per-read timeout catches) or with a body of any size, made as it is
sent. Used by the tests and by ``bench/sync.py``; it never talks to anything
but its own socket.
"""

import contextlib
import hashlib
import io
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from django.core.management import call_command
from django.core.management.base import CommandError


@dataclass
class Reply:
    status: int = 200
    body: object = None  # dict/list -> JSON; str/bytes -> sent as is
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    #: Seconds between the bytes of the body, sent one at a time; with
    #: ``trickle_headers`` the status line and headers are trickled too.
    trickle: float = 0.0
    trickle_headers: bool = False
    #: A body of this many bytes (instead of ``body``), made as it is sent;
    #: ``chunked`` sends it without a Content-Length.
    size: int = 0
    chunked: bool = False


@dataclass
class Repo:
    stars: int = 1000
    forks: int = 100
    issues: int = 10
    pushed_at: str = "2026-11-01T10:00:00Z"
    archived: bool = False
    license: str = "BSD-3-Clause"
    release: tuple | None = ("1.0.0", "2026-10-01T12:00:00Z")
    repo_id: int = 0


@dataclass
class Package:
    version: str = "1.0.0"
    uploaded: str = "2026-10-02T08:00:00Z"
    downloads: int = 5000
    #: Earlier releases, {version: upload time}; the release list holds them
    #: and the latest.
    earlier: dict = field(default_factory=dict)
    requires_python: str = ">=3.10"

    def releases(self):
        return {**self.earlier, self.version: self.uploaded}


@dataclass
class Vuln:
    """An OSV record, as ``GET /v1/vulns/{id}`` answers it."""

    id: str
    summary: str = "A vulnerability"
    published: str = "2026-09-01T00:00:00Z"
    severity: str | None = "HIGH"  # database_specific.severity (GitHub's advisories)
    #: (ecosystem, package, [affected versions])
    affects: tuple = ("PyPI", "Django", ())

    def record(self):
        ecosystem, package, versions = self.affects
        record = {
            "schema_version": "1.6.0",
            "id": self.id,
            "modified": "2026-09-02T00:00:00Z",
            "published": self.published,
            "aliases": [],
            "summary": self.summary,
            "affected": [
                {
                    "package": {"ecosystem": ecosystem, "name": package},
                    "versions": list(versions),
                }
            ],
            "references": [{"type": "ADVISORY", "url": f"https://example.org/{self.id}"}],
        }
        if self.severity is not None:
            record["database_specific"] = {"severity": self.severity, "github_reviewed": True}
        return record


class FakeApis:
    def __init__(self):
        self.repos = {}  # "owner/name" -> Repo
        self.renamed = {}  # old "owner/name" -> new "owner/name"
        self.pypi = {}  # project -> Package
        self.npm = {}  # package -> Package
        self.endoflife = {}  # product -> [cycle objects, as endoflife.date's API]
        self.vulns = {}  # id -> Vuln
        self.scorecards = {}  # "owner/name" -> Scorecard answer (dict)
        self.overrides = {}  # path -> [Reply, ...]; the last one repeats
        #: GitHub requests left this hour, when set: every GitHub answer but a
        #: 304 takes one and says what is left; at 0 GitHub answers 403.
        self.github_remaining = None
        self.log = []  # (path, headers)
        self.sent = {}  # path -> body bytes written for its last answer
        self.stopped = threading.Event()  # ends the answers still trickling
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle -----------------------------------------------------------
    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def urls(self):
        return {
            "GITHUB_API_URL": f"{self.base}/github",
            "PYPI_URL": f"{self.base}/pypi",
            "PYPISTATS_URL": f"{self.base}/pypistats",
            "NPM_REGISTRY_URL": f"{self.base}/npm",
            "NPM_DOWNLOADS_URL": f"{self.base}/npmdl",
            "ENDOFLIFE_API_URL": f"{self.base}/eol",
            "OSV_API_URL": f"{self.base}/osv",
            "SCORECARD_API_URL": f"{self.base}/scorecard",
        }

    def add_scorecard(self, repo, score=7.5, date="2026-11-30", checks=None):
        checks = checks or [
            {
                "name": "Code-Review",
                "score": 10,
                "reason": "all changesets reviewed",
                "details": None,
                "documentation": {
                    "short": "Determines if the project requires human code review",
                    "url": "https://github.com/ossf/scorecard/blob/main/docs/checks.md#code-review",
                },
            },
            {
                "name": "Fuzzing",
                "score": 0,
                "reason": "project is not fuzzed",
                "details": ["Warn: no fuzzer integrations found"],
                "documentation": {
                    "short": "Determines if the project uses fuzzing",
                    "url": "https://github.com/ossf/scorecard/blob/main/docs/checks.md#fuzzing",
                },
            },
        ]
        self.scorecards[repo] = {
            "date": date,
            "repo": {"name": f"github.com/{repo}", "commit": "0" * 40},
            "scorecard": {"version": "v5.1.1", "commit": "1" * 40},
            "score": score,
            "checks": checks,
        }

    def add_repo(self, name, **values):
        self.repos[name] = Repo(repo_id=len(self.repos) + 1, **values)
        return self.repos[name]

    def override(self, path, *replies):
        self.overrides[path] = list(replies)

    def paths(self):
        return [path for path, _ in self.log]

    # -- answers -------------------------------------------------------------
    def answer(self, path):
        with self._lock:
            queue = self.overrides.get(path)
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["github", "repos"] and len(parts) >= 4:
            name = f"{parts[2]}/{parts[3]}"
            if name in self.renamed:
                new = self.renamed[name]
                rest = "/".join(parts[4:])
                target = f"/github/repositories/{self.repos[new].repo_id}" + (
                    f"/{rest}" if rest else ""
                )
                return Reply(301, {"message": "Moved Permanently"}, {"Location": target})
            if name not in self.repos:
                return Reply(404, {"message": "Not Found"})
            return self._github(name, parts[4:])
        if parts[:2] == ["github", "repositories"] and len(parts) >= 3:
            for name, repo in self.repos.items():
                if str(repo.repo_id) == parts[2]:
                    return self._github(name, parts[3:])
            return Reply(404, {"message": "Not Found"})
        if parts[:2] == ["pypi", "pypi"] and len(parts) == 4 and parts[3] == "json":
            pkg = self.pypi.get(parts[2])
            if pkg is None:
                return Reply(404, {"message": "Not Found"})

            def files(version, uploaded):
                return [
                    {
                        "filename": f"{parts[2]}-{version}.tar.gz",
                        "packagetype": "sdist",
                        "requires_python": pkg.requires_python,
                        "upload_time_iso_8601": uploaded,
                        "yanked": False,
                    },
                ]

            return Reply(
                200,
                {
                    "info": {
                        "name": parts[2],
                        "version": pkg.version,
                        "summary": "A framework",
                        "requires_python": pkg.requires_python,
                    },
                    "releases": {v: files(v, up) for v, up in pkg.releases().items()},
                    "urls": files(pkg.version, pkg.uploaded),
                },
            )
        if parts[:2] == ["eol", "api"] and len(parts) == 3 and parts[2].endswith(".json"):
            cycles = self.endoflife.get(parts[2].removesuffix(".json"))
            if cycles is None:
                return Reply(404, "<h1>Not found</h1>")
            return Reply(200, cycles)
        if parts[:3] == ["osv", "v1", "vulns"] and len(parts) == 4:
            vuln = self.vulns.get(parts[3])
            if vuln is None:
                return Reply(404, {"code": 5, "message": "Bug not found."})
            return Reply(200, vuln.record())
        if parts[:2] == ["scorecard", "projects"] and len(parts) == 5:
            answer = self.scorecards.get(f"{parts[3]}/{parts[4]}")
            if answer is None:
                return Reply(404, {"code": 404, "message": "Not Found"})
            return Reply(200, answer)
        if parts[:3] == ["pypistats", "api", "packages"] and parts[-1] == "recent":
            pkg = self.pypi.get(parts[3])
            if pkg is None:
                return Reply(404, "Not Found")
            return Reply(
                200,
                {
                    "data": {
                        "last_day": pkg.downloads // 7,
                        "last_week": pkg.downloads,
                        "last_month": pkg.downloads * 4,
                    },
                    "package": parts[3],
                    "type": "recent_downloads",
                },
            )
        if parts[:4] == ["npmdl", "downloads", "point", "last-week"]:
            name = "/".join(parts[4:])
            if "," in name:  # bulk: unscoped names only, each answer or null
                if "@" in name:
                    return Reply(400, {"error": "scoped packages not supported in bulk"})
                return Reply(200, {n: self._npm_point(n) for n in name.split(",")})
            point = self._npm_point(name)
            if point is None:
                return Reply(404, {"error": "package not found"})
            return Reply(200, point)
        if parts[0] == "npm":
            name = "/".join(parts[1:])
            pkg = self.npm.get(name)
            if pkg is None:
                return Reply(404, {"error": "Not found"})
            return Reply(
                200,
                {
                    "name": name,
                    "dist-tags": {"latest": pkg.version},
                    "time": {"created": "2010-12-29T19:38:25.450Z", **pkg.releases()},
                    "versions": {v: {"name": name, "version": v} for v in pkg.releases()},
                },
            )
        return Reply(404, {"message": "Not Found"})

    def querybatch(self, body):
        """OSV's POST /v1/querybatch: per query, the ids (and modified dates)
        of the records whose affected versions hold the queried version."""
        try:
            queries = json.loads(body)["queries"]
        except (ValueError, KeyError, TypeError):
            return Reply(400, {"code": 3, "message": "Invalid query."})
        results = []
        for query in queries:
            package = query.get("package", {})
            key = (package.get("ecosystem"), package.get("name"))
            vulns = [
                {"id": v.id, "modified": "2026-09-02T00:00:00Z"}
                for v in self.vulns.values()
                if v.affects[:2] == key and query.get("version") in v.affects[2]
            ]
            results.append({"vulns": vulns} if vulns else {})
        return Reply(200, {"results": results})

    def _npm_point(self, name):
        pkg = self.npm.get(name)
        if pkg is None:
            return None
        return {"downloads": pkg.downloads, "start": "2026-11-14", "end": "2026-11-20",
                "package": name}  # fmt: skip

    def _github(self, name, rest):
        repo = self.repos[name]
        if not rest:
            return Reply(
                200,
                {
                    "id": repo.repo_id,
                    "full_name": name,
                    "name": name.split("/")[1],
                    "stargazers_count": repo.stars,
                    "watchers_count": repo.stars,
                    "forks_count": repo.forks,
                    "open_issues_count": repo.issues,
                    "pushed_at": repo.pushed_at,
                    "archived": repo.archived,
                    "license": {"key": repo.license.lower(), "spdx_id": repo.license},
                },
                {"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "1800000000"},
            )
        if rest == ["releases", "latest"]:
            if repo.release is None:
                return Reply(404, {"message": "Not Found"})
            tag, published = repo.release
            return Reply(200, {"tag_name": tag, "name": tag, "published_at": published})
        return Reply(404, {"message": "Not Found"})

    def rate_limited(self, reply, etag):
        """``reply`` under GitHub's rate limit, as GitHub answers it: the
        headers on every answer, a 403 once none is left; a 304 is free."""
        reset = {"X-RateLimit-Reset": "4102444800", "X-RateLimit-Limit": "5000"}
        with self._lock:
            if self.github_remaining <= 0:
                body = {"message": "API rate limit exceeded"}
                return Reply(403, body, {**reset, "X-RateLimit-Remaining": "0"})
            free = reply.status == 200 and etag is not None and etag == _etag(reply.body)
            self.github_remaining -= 0 if free else 1
            left = str(self.github_remaining)
        return Reply(**{**vars(reply), "headers": {**reply.headers, **reset,
                                                   "X-RateLimit-Remaining": left}})  # fmt: skip

    def _handler(apis):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per answer

            def do_POST(self):
                self.do_GET(post=True)

            def do_GET(self, post=False):
                path = urlsplit(self.path).path
                body = b""
                if post:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with apis._lock:
                    apis.log.append((path, dict(self.headers)))
                    queued = apis.overrides.get(path)
                if post and path == "/osv/v1/querybatch" and not queued:
                    reply = apis.querybatch(body)
                else:
                    reply = apis.answer(path)
                if path.startswith("/github/") and apis.github_remaining is not None:
                    reply = apis.rate_limited(reply, self.headers.get("If-None-Match"))
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.trickle or reply.size:
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self._send_raw(path, reply)
                    self.close_connection = True
                    return
                if isinstance(reply.body, dict | list):
                    body = json.dumps(reply.body).encode()
                elif isinstance(reply.body, str):
                    body = reply.body.encode()
                else:
                    body = reply.body or b""
                headers = {"Content-Type": "application/json", **reply.headers}
                if reply.status == 200:
                    headers.setdefault("ETag", _etag(reply.body))
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        self.send_response(304)
                        self.send_header("ETag", headers["ETag"])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(reply.status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def _send_raw(self, path, reply):
                """A trickled or generated answer, written by hand."""
                if reply.size:
                    body = None
                    framing = "Transfer-Encoding: chunked" if reply.chunked else ""
                    framing = framing or f"Content-Length: {reply.size}"
                else:
                    body = json.dumps(reply.body).encode()
                    framing = f"Content-Length: {len(body)}"
                head = (
                    f"HTTP/1.1 {reply.status} OK\r\nContent-Type: application/json\r\n"
                    f"{framing}\r\nConnection: close\r\n\r\n"
                ).encode()
                apis.sent[path] = 0
                if reply.trickle_headers:
                    self._trickle(head, reply.trickle)
                else:
                    self.wfile.write(head)
                    self.wfile.flush()
                if body is not None:
                    apis.sent[path] = self._trickle(body, reply.trickle)
                    return
                block = b"[" + b"0," * 32767 + b"0]"  # 64 KiB of JSON-looking filler
                left = reply.size
                while left > 0 and not apis.stopped.is_set():
                    piece = block[: min(left, len(block))]
                    if reply.chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    else:
                        self.wfile.write(piece)
                    left -= len(piece)
                    apis.sent[path] += len(piece)
                if reply.chunked and left <= 0:
                    self.wfile.write(b"0\r\n\r\n")

            def _trickle(self, data, interval):
                sent = 0
                for byte in data:
                    if apis.stopped.is_set():
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    sent += 1
                    time.sleep(interval)
                return sent

            def log_message(self, *args):
                pass

        return Handler


def _etag(body):
    """The ETag of an answer of ``body`` (as the handler sends it)."""
    if isinstance(body, dict | list):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    return '"' + hashlib.sha1(body or b"").hexdigest()[:20] + '"'


def sync(*args):
    """``sync_stats`` with these arguments: (its output, its CommandError or None)."""
    out = io.StringIO()
    try:
        call_command("sync_stats", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None

"""make bench: the production server under load, one table of numbers.

Starts gunicorn (threaded workers, DEBUG off, whitenoise) on loopback with the
demo catalogue, on SQLite or on PostgreSQL when DATABASE_URL is set (Redis
when REDIS_URL is set), drives load from wrk in a second process, bounded in
time, and prints requests per second, p50, p99 and errors per scenario, the
ratios to the static file, the server's peak memory and whether every vote
count still equals baseline + vote rows after the vote run.

Environment: BENCH_SECONDS (default 8), BENCH_CONNECTIONS (16), BENCH_PORT
(8799), WEB_CONCURRENCY (gunicorn workers), BENCH_THREADS (threads each).
"""

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-output"
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
PORT = int(os.environ.get("BENCH_PORT", "8799"))
HOST = "127.0.0.1"  # loopback only
BASE = f"http://{HOST}:{PORT}"
MEMBERS = 40
NOCACHE_COOKIE = "sessionid=bench-uncached"  # unknown session: bypasses the page cache


def server_env():
    env = dict(os.environ)
    OUT.mkdir(exist_ok=True)
    env.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'bench.sqlite3'}")
    env.update(
        DJANGO_SETTINGS_MODULE="comparison.settings",
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        SECURE_COOKIES="0",
        STATIC_ROOT=str(OUT / "static"),
        VOTE_RATE="1000000/m",  # measure the endpoint, not the limiter
        LOG_LEVEL="ERROR",
    )
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(env):
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "--clear")
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")})
    for key in ("DEBUG", "ALLOWED_HOSTS", "STATIC_ROOT", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"):
        os.environ[key] = env[key]
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def member_sessions():
    """Signed-in bench members: (cookie header, csrf token) each."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.middleware.csrf import _get_new_csrf_string

    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = get_user_model()
    sessions = []
    for n in range(MEMBERS):
        user, _ = users.objects.get_or_create(username=f"bench-member-{n}")
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        token = _get_new_csrf_string()
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={token}"
        sessions.append((cookie, token))
    return sessions


def start_server(env):
    workers = os.environ.get("WEB_CONCURRENCY") or ("2" if env.get("REDIS_URL") else "1")
    threads = os.environ.get("BENCH_THREADS", "8")
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "comparison.wsgi",
        "--bind", f"{HOST}:{PORT}",
        "--worker-class", "gthread",
        "--workers", workers,
        "--threads", threads,
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(BASE + "/robots.txt", timeout=1).read()
            return server, f"gunicorn gthread, {workers} worker(s) x {threads} threads"
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("The server did not start within 30 s.")


def stop_server(server):
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


class MemoryWatch(threading.Thread):
    """Peak resident memory of the server's process group, sampled."""

    def __init__(self, pgid):
        super().__init__(daemon=True)
        self.pgid, self.peak, self.running = pgid, 0, True

    def sample(self):
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.pgid:  # pgrp
                    status = (stat.parent / "status").read_text()
                    total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            except (OSError, AttributeError, IndexError, ValueError):
                continue
        self.peak = max(self.peak, total)

    def run(self):
        while self.running:
            self.sample()
            time.sleep(0.25)


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(path, *, connections=CONNECTIONS, headers=(), script=None):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--latency", "--timeout", "5s"]
    for header in headers:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, BASE + path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "requests": total}


def vote_script(sessions, procon_ids):
    rows = ",\n".join(f'  {{cookie="{c}", token="{t}"}}' for c, t in sessions)
    ids = ", ".join(str(i) for i in procon_ids)
    script = f"""
local members = {{
{rows}
}}
local ids = {{ {ids} }}
local n = 0
request = function()
  n = n + 1
  local m = members[(n % #members) + 1]
  local id = ids[((n * 7) % #ids) + 1]
  return wrk.format("POST", "/procons/" .. id .. "/vote/", {{
    ["Cookie"] = m.cookie, ["X-CSRFToken"] = m.token,
    ["Accept"] = "application/json", ["Content-Length"] = "0"}}, "")
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, dir=OUT) as handle:
        handle.write(script)
    return handle.name


def check_counts():
    from django.db.models import Count, F

    from frameworks.models import ProCon

    bad = (
        ProCon.objects.annotate(rows=Count("votes"))
        .exclude(votes_count=F("baseline_votes") + F("rows"))
        .count()
    )
    return bad == 0, ProCon.objects.count()


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)
    python = sys.version.split()[0]
    return f"{os.cpu_count()} cores, {cpu}, {int(mem) // 1024 // 1024} GiB RAM, Python {python}"


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    env = server_env()
    prepare(env)
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    from frameworks.models import ProCon

    static = staticfiles_storage.url("css/site.css")
    sessions = member_sessions()
    procon_ids = list(ProCon.objects.approved().values_list("pk", flat=True)[:30])
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = "redis" if env.get("REDIS_URL") else "local memory"

    server, server_desc = start_server(env)
    watch = MemoryWatch(server.pid)
    watch.start()
    nocache = [f"Cookie: {NOCACHE_COOKIE}"]
    four_way = "/compare/bottle-vs-fastapi-vs-pyramid-vs-tornado/"
    scenarios = [
        ("static file (whitenoise)", static, {}),
        ("home page (anonymous, cached)", "/", {}),
        ("Django vs Flask (anonymous, cached)", "/compare/django-vs-flask/", {}),
        ("Django vs Flask (uncached)", "/compare/django-vs-flask/", {"headers": nocache}),
        (
            "Django vs Flask (uncached, 1 client)",
            "/compare/django-vs-flask/",
            {"headers": nocache, "connections": 1},
        ),
        ("generated 4-way (anonymous, cached)", four_way, {}),
        ("generated 4-way (uncached)", four_way, {"headers": nocache}),
        ("framework page (anonymous, cached)", "/frameworks/django/", {}),
    ]
    results = []
    try:
        for label, path, options in scenarios:
            urllib.request.urlopen(BASE + path).read()  # warm up (fills the cache)
            results.append((label, wrk(path, **options)))
        script = vote_script(sessions, procon_ids)
        results.append(("vote toggle (signed-in members)", wrk("/", script=script)))
        os.unlink(script)
    finally:
        watch.running = False
        watch.sample()
        stop_server(server)
    exact, items = check_counts()

    print()
    print(f"Machine: {machine()}")
    print(f"Server: {server_desc}; database {database}; cache {cache}; {SECONDS}s per row, ")
    print(f"        wrk 1 thread x {CONNECTIONS} connections on loopback")
    print()
    print(f"| {'scenario':<40} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    for label, r in results:
        print(
            f"| {label:<40} | {r['rps']:>8.0f} | {r['p50']:>7.2f} | {r['p99']:>7.2f} "
            f"| {r['errors']:>6} |"
        )
    by_label = dict(results)
    static_rps = by_label["static file (whitenoise)"]["rps"]
    cached = by_label["Django vs Flask (anonymous, cached)"]["rps"] / static_rps
    uncached = by_label["Django vs Flask (uncached)"]["rps"] / static_rps
    single = by_label["Django vs Flask (uncached, 1 client)"]["p50"]
    print()
    print(f"Cached comparison / static file:   {cached:6.1%}  (target >= 75%)")
    print(f"Uncached comparison / static file: {uncached:6.1%}  (target >= 12%)")
    print(f"Uncached render p50, one client:   {single:6.2f} ms (target <= 15 ms)")
    print(f"Server peak memory (RSS, all processes): {watch.peak / 1024:.0f} MiB")
    print(
        f"Vote counts after the vote run: {'exact' if exact else 'NOT EXACT'} "
        f"(votes_count == baseline + vote rows for all {items} pros/cons)"
    )
    total_errors = sum(r["errors"] for _, r in results)
    return 0 if exact and total_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

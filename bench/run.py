"""make bench: the production server under load, two tables of numbers.

Starts gunicorn (threaded workers, DEBUG off, whitenoise) on loopback with the
demo catalogue, on SQLite or on PostgreSQL when DATABASE_URL is set (Redis
when REDIS_URL is set), drives load from wrk in a second process, bounded in
time, and prints:

1. one row per scenario (static file, cached and uncached pages, the vote
   toggle under contention): requests per second, p50, p99 and errors; and
   the uncached comparison page's render time in this process
   (bench/render.py);
2. the mixed scenario: readers request READ_PAGES round-robin while members
   vote through the real endpoint at a fixed rate (0, then 5 and 20 votes/s,
   then 0 again);
   for each rate, anonymous req/s as a ratio to the quiescent run, the page
   cache's hit rate, p50 and p99, and the votes' throughput, p50, p99 and
   errors.

It also prints the share of CPU time the hypervisor took (steal) and a
fixed pure-Python workload's time before and after the runs, which tell a
slower machine from slower code.

Afterwards it checks that the database holds votes_count == baseline + vote
rows for every pro/con, and that every page shows exactly the database's
count for every pro/con on it (read anonymously, so from the page cache).

Environment: BENCH_SECONDS (default 8), BENCH_CONNECTIONS (16), BENCH_PORT
(8799), WEB_CONCURRENCY (gunicorn workers), BENCH_THREADS (threads each),
BENCH_VOTE_RATES (default "5,20").
"""

import http.client
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import prodserver
from prodserver import HOST, ROOT

OUT = ROOT / "bench-output"
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
PORT = int(os.environ.get("BENCH_PORT", "8799"))
BASE = f"http://{HOST}:{PORT}"
MEMBERS = 40
NOCACHE_COOKIE = "sessionid=bench-uncached"  # unknown session: bypasses the page cache
VOTE_RATES = [int(r) for r in os.environ.get("BENCH_VOTE_RATES", "5,20").split(",") if r]
#: The anonymous pages readers request round-robin in the mixed scenario.
READ_PAGES = [
    "/",
    "/frameworks/",
    "/compare/",
    "/frameworks/django/",
    "/frameworks/flask/",
    "/frameworks/bottle/",
    "/compare/django-vs-flask/",
    "/compare/django-vs-laravel-vs-nodejs/",
    "/compare/fastapi-vs-flask/",
    "/categories/microframeworks/",
]


def prepare(env):
    """The server's database and files, and Django set up in this process
    (to create bench members and check the counts afterwards)."""
    prodserver.prepare(env)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")})
    for key in ("DEBUG", "ALLOWED_HOSTS", "STATIC_ROOT", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"):
        os.environ[key] = env[key]
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def member_sessions():
    """Signed-in bench members: (cookie header, csrf token) each."""
    from django.conf import settings

    from bench.sessions import signed_in

    return [
        (f"{settings.SESSION_COOKIE_NAME}={key}; csrftoken={token}", token)
        for _, key, token in signed_in("bench-member", MEMBERS)
    ]


def start_server(env):
    workers = os.environ.get("WEB_CONCURRENCY") or "2"  # they share the file cache or Redis
    threads = os.environ.get("BENCH_THREADS", "8")
    server = prodserver.start_server(env, PORT, workers=workers, threads=threads)
    return server, f"gunicorn gthread, {workers} worker(s) x {threads} threads"


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


#: What every browser sends: static files and cached pages are served compressed.
ACCEPT = "Accept-Encoding: gzip"


def wrk(path, *, connections=CONNECTIONS, headers=(), script=None):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--latency", "--timeout", "5s"]
    for header in (ACCEPT, *headers):
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
    result = {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "requests": total}
    cache = re.search(r"CACHE hits=(\d+) misses=(\d+)", out)
    if cache:
        result.update(hits=int(cache.group(1)), misses=int(cache.group(2)))
    return result


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


def reader_script():
    """wrk script: the READ_PAGES round-robin, counting X-Cache hits."""
    paths = ", ".join(f'"{path}"' for path in READ_PAGES)
    script = f"""
local paths = {{ {paths} }}
local threads = {{}}
local n = 0
function setup(thread) table.insert(threads, thread) end
function init(args) hits = 0; misses = 0 end
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
response = function(status, headers, body)
  if headers["X-Cache"] == "hit" then hits = hits + 1 else misses = misses + 1 end
end
function done(summary, latency, requests)
  local h, m = 0, 0
  for _, t in ipairs(threads) do h = h + t:get("hits"); m = m + t:get("misses") end
  io.write(string.format("CACHE hits=%d misses=%d\\n", h, m))
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, dir=OUT) as handle:
        handle.write(script)
    return handle.name


class Voters(threading.Thread):
    """Members voting through the real endpoint at a fixed rate (votes/s),
    each vote on its own keep-alive connection from a small pool of members."""

    def __init__(self, rate, sessions, procon_ids, seconds):
        super().__init__(daemon=True)
        self.rate, self.sessions, self.ids, self.seconds = rate, sessions, procon_ids, seconds
        self.latencies, self.errors = [], 0
        self.rng = random.Random(rate)
        self.lock = threading.Lock()

    def vote(self, member):
        cookie, token = self.sessions[member]
        procon = self.rng.choice(self.ids)
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
            conn.request(
                "POST",
                f"/procons/{procon}/vote/",
                headers={
                    "Cookie": cookie,
                    "X-CSRFToken": token,
                    "Accept": "application/json",
                    "Content-Length": "0",
                },
            )
            ok = conn.getresponse().status == 200
            conn.close()
        except OSError:
            ok = False
        with self.lock:
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.errors += not ok

    def run(self):
        if not self.rate:
            return
        interval, started, workers = 1 / self.rate, time.perf_counter(), []
        n = 0
        while time.perf_counter() - started < self.seconds:
            worker = threading.Thread(target=self.vote, args=(n % len(self.sessions),))
            worker.start()
            workers.append(worker)
            n += 1
            time.sleep(max(0.0, started + n * interval - time.perf_counter()))
        for worker in workers:
            worker.join()

    def summary(self):
        lat = sorted(self.latencies) or [0.0]
        return {
            "votes": len(self.latencies) / self.seconds,
            "p50": statistics.median(lat),
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            "errors": self.errors,
        }


def mixed(rate, sessions, procon_ids):
    """Readers with wrk while voters vote at ``rate`` votes/s."""
    script = reader_script()
    voters = Voters(rate, sessions, procon_ids, SECONDS)
    voters.start()
    try:
        reads = wrk("/", script=script)
    finally:
        voters.join()
        os.unlink(script)
    return reads, voters.summary()


def check_counts():
    """Every pro/con's count is baseline + vote rows, and every framework's
    the sum of its approved pros' and cons' counts."""
    from django.db.models import Count, F, Q, Sum
    from django.db.models.functions import Coalesce

    from frameworks.models import Framework, ProCon

    bad = (
        ProCon.objects.annotate(rows=Count("votes"))
        .exclude(votes_count=F("baseline_votes") + F("rows"))
        .count()
    )
    approved = Q(procons__status=ProCon.Status.APPROVED)
    bad += (
        Framework.objects.annotate(summed=Coalesce(Sum("procons__votes_count", filter=approved), 0))
        .exclude(votes_count=F("summed"))
        .count()
    )
    return bad == 0, ProCon.objects.count()


PROCON_COUNT = re.compile(r'id="procon-(\d+)".*?class="vote-count">(\d+)<', re.S)


def check_pages():
    """Every count every page shows equals the database's (anonymous reads,
    so cached pages are what is checked). Returns (counts checked, wrong)."""
    from frameworks.models import ProCon

    truth = dict(ProCon.objects.values_list("pk", "votes_count"))
    checked, wrong = 0, []
    for path in READ_PAGES:
        html = urllib.request.urlopen(BASE + path).read().decode()
        for pk, shown in PROCON_COUNT.findall(html):
            checked += 1
            if truth.get(int(pk)) != int(shown):
                wrong.append((path, pk, shown, truth.get(int(pk))))
    return checked, wrong


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)
    python = sys.version.split()[0]
    return f"{os.cpu_count()} cores, {cpu}, {int(mem) // 1024 // 1024} GiB RAM, Python {python}"


def cpu_times():
    """The machine's CPU time so far, from /proc/stat: ``(total, steal)``
    in ticks; None where there is no /proc."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is in user)
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def stolen(since):
    """The share of the CPU time since ``since`` (``cpu_times()``) that the
    hypervisor gave to other machines (steal): on a shared virtual machine
    the one thing that makes the same code run slower from one run to the
    next, so it is printed next to the numbers."""
    now = cpu_times()
    if since is None or now is None or now[0] == since[0]:
        return "unknown"
    return f"{(now[1] - since[1]) / (now[0] - since[0]):.1%}"


def python_speed():
    """CPU ms for a fixed pure-Python workload (dicts, strings, a loop: what
    rendering a page is made of), the best of five, in this process. Steal
    does not show a slower host (another CPU model, a busy neighbour on the
    same core): this does, so runs on different machines can be compared."""

    def work():
        words = {}
        for n in range(60_000):
            text = f"item-{n % 977}"
            words[text] = words.get(text, 0) + len(text.upper())
        return sorted(words.items())

    times = []
    for _ in range(5):
        start = time.process_time()
        work()
        times.append((time.process_time() - start) * 1000)
    return min(times)


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    # measure the vote endpoint, not its rate limit
    env = prodserver.server_env(OUT, VOTE_RATE="1000000/m")
    prepare(env)
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    from frameworks.models import ProCon

    static = staticfiles_storage.url("css/site.css")
    sessions = member_sessions()
    procon_ids = list(ProCon.objects.approved().values_list("pk", flat=True))
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]

    import render

    speed_before = python_speed()
    start = cpu_times()
    in_process = render.render_times("/compare/django-vs-flask/")
    in_process_stolen = stolen(start)
    start = cpu_times()
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
    results, mixed_rows = [], []
    try:
        for label, path, options in scenarios:
            urllib.request.urlopen(BASE + path).read()  # warm up (fills the cache)
            results.append((label, wrk(path, **options)))
        script = vote_script(sessions, procon_ids)
        results.append(("vote toggle (signed-in members)", wrk("/", script=script)))
        os.unlink(script)
        for path in READ_PAGES:
            urllib.request.urlopen(BASE + path).read()
        # Quiet again at the end: this shared machine's speed drifts over a
        # run, and each rate is compared with the mean of both quiet runs.
        for rate in [0, *VOTE_RATES, 0]:
            mixed_rows.append((rate, *mixed(rate, sessions, procon_ids)))
        checked, wrong = check_pages()
        runs_stolen = stolen(start)
    finally:
        watch.running = False
        watch.sample()
        prodserver.stop_server(server)
    exact, items = check_counts()

    print()
    print(f"Machine: {machine()}")
    print(f"Server: {server_desc}; database {database}; cache {cache}; {SECONDS}s per row, ")
    print(f"        wrk 1 thread x {CONNECTIONS} connections on loopback")
    print(f"CPU time stolen by the hypervisor: {runs_stolen} during the server's runs, ")
    print(f"        {in_process_stolen} during the in-process render")
    print(
        f"Python speed: {speed_before:.1f} ms before, {python_speed():.1f} ms after the runs"
        " (bench/run.py python_speed; lower is faster)"
    )
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
    vote_p99 = by_label["vote toggle (signed-in members)"]["p99"]
    vote_target = 250 if database == "sqlite3" else 100
    print()
    print(f"Cached comparison / static file:   {cached:6.1%}  (target >= 75%)")
    print(f"Uncached comparison / static file: {uncached:6.1%}  (target >= 25%)")
    print(f"Uncached render p50, one client:   {single:6.2f} ms (target <= 10 ms)")
    print(
        f"In-process render p50 (min):        {in_process[0]:6.2f} ms ({in_process[1]:.2f} ms)"
        " (bench/render.py)"
    )
    print(
        f"Vote toggle p99, {CONNECTIONS} connections:  {vote_p99:6.0f} ms "
        f"(target <= {vote_target} ms)"
    )
    print()
    print(f"Mixed: {len(READ_PAGES)} anonymous pages round-robin while members vote")
    print(
        f"| {'votes/s':>7} | {'reads/s':>8} | {'vs quiet':>8} | {'hit rate':>8} | {'p50 ms':>7} "
        f"| {'p99 ms':>7} | {'votes/s done':>12} | {'vote p50':>8} | {'vote p99':>8} "
        f"| {'errors':>6} |"
    )
    print(f"|{'-' * 9}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 14}|{'-' * 10}"
          f"|{'-' * 10}|{'-' * 8}|")  # fmt: skip
    quiet = statistics.mean(reads["rps"] for rate, reads, _ in mixed_rows if rate == 0)
    errors = sum(r["errors"] for _, r in results)
    for rate, reads, votes in mixed_rows:
        total = reads["hits"] + reads["misses"]
        errors += reads["errors"] + votes["errors"]
        print(
            f"| {rate:>7} | {reads['rps']:>8.0f} | {reads['rps'] / quiet:>8.0%} "
            f"| {reads['hits'] / max(total, 1):>8.1%} | {reads['p50']:>7.2f} "
            f"| {reads['p99']:>7.2f} "
            f"| {votes['votes']:>12.1f} | {votes['p50']:>8.1f} | {votes['p99']:>8.1f} "
            f"| {reads['errors'] + votes['errors']:>6} |"
        )
    print("'vs quiet' compares with the mean of the two quiet runs (first and last row).")
    print("Targets: at 5 votes/s >= 90% of quiet reads and >= 95% hits; at 20 votes/s >= 75%.")
    print()
    print(f"Server peak memory (RSS, all processes): {watch.peak / 1024:.0f} MiB")
    print(
        f"Vote counts after the runs: {'exact' if exact else 'NOT EXACT'} "
        f"(votes_count == baseline + vote rows for all {items} pros/cons, "
        "each framework's the sum of its approved ones)"
    )
    print(
        f"Counts shown on the {len(READ_PAGES)} pages: {checked} checked, "
        f"{'all equal to the database' if not wrong else f'{len(wrong)} WRONG: {wrong[:5]}'}"
    )
    return 0 if exact and not wrong and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

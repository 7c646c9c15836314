"""Load and faults on a cluster of its own (``make bench-cluster``).

Starts ``ops/cluster.py``'s cluster (nginx, two app hosts, a PostgreSQL
primary and replica, Redis, moto), then, with Python threads on loopback:

1. members vote through host A while anonymous readers read through host
   B: afterwards every count on every page (through either host and the
   balancer) equals the database's; the replica's lag is sampled meanwhile;
2. readers through the balancer with two hosts, then through one;
3. host A killed (SIGKILL, master and workers) under votes and reads
   through the balancer: every acknowledged (2xx) vote is in the database,
   and no reader gets a 5xx once the balancer routed around it;
4. Redis stopped and started again under reads: pages degrade to uncached
   (still 200) and come back as hits;
5. the replica stopped under anonymous reads of uncached pages: reads
   fall back to the primary, and return to the replica once it is back.

Prints the numbers (docs/benchmarks/2026-12-07.md, "Cluster (issue 32)"),
stops the cluster, and exits 1 when a check failed.
"""

import itertools
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ops import cluster  # noqa: E402

SECONDS = float(os.environ.get("BENCH_CLUSTER_SECONDS", "15"))
READERS, VOTERS, MEMBERS = 8, 4, 20
LB = f"http://{cluster.HOST}:{cluster.LB_PORT}"
HOST_A = f"http://{cluster.HOST}:{cluster.APP_PORTS['app-a']}"
HOST_B = f"http://{cluster.HOST}:{cluster.APP_PORTS['app-b']}"
READ_PAGES = [
    "/",
    "/frameworks/",
    "/frameworks/django/",
    "/frameworks/flask/",
    "/frameworks/bottle/",
    "/compare/django-vs-flask/",
    "/compare/fastapi-vs-flask/",
    "/categories/microframeworks/",
]
PROCON_COUNT = re.compile(r'id="procon-(\d+)".*?class="vote-count">(\d+)<', re.S)
failures = []


def check(ok, what):
    print(f"  [{'ok' if ok else 'FAILED'}] {what}")
    if not ok:
        failures.append(what)


def psql(port, sql):
    return subprocess.run(
        ["psql", "-h", cluster.HOST, "-p", str(port), "-U", "postgres", "-d", "site", "-Atc", sql],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip


class Load:
    """Threads repeating ``action(client)`` until stopped; each result is
    kept with its time: ``(t, status, extra)``."""

    def __init__(self, threads, action, base):
        self.results, self.running, self.lock = [], True, threading.Lock()
        self.workers = [
            threading.Thread(target=self.loop, args=(action, base, n), daemon=True)
            for n in range(threads)
        ]

    def loop(self, action, base, n):
        with httpx.Client(base_url=base, timeout=10) as client:
            while self.running:
                try:
                    status, extra = action(client, n)
                except httpx.HTTPError as error:
                    status, extra = 0, type(error).__name__
                if status is None:  # nothing was sent
                    continue
                with self.lock:
                    self.results.append((time.monotonic(), status, extra))

    def __enter__(self):
        self.started = time.monotonic()
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        for worker in self.workers:
            worker.join()
        self.seconds = time.monotonic() - self.started

    def rate(self, since=0.0, until=float("inf")):
        done = [r for r in self.results if since <= r[0] < until and 200 <= r[1] < 400]
        span = min(until, self.started + self.seconds) - max(since, self.started)
        return len(done) / span if span > 0 else 0.0

    def statuses(self, since=0.0, until=float("inf")):
        return Counter(r[1] for r in self.results if since <= r[0] < until)


def setup_django(env):
    os.environ.update(env)
    import django

    django.setup()


def member_sessions():
    """Signed-in members: (cookies, csrf token, user id) each."""
    from django.conf import settings

    from bench.sessions import signed_in

    return [
        ({settings.SESSION_COOKIE_NAME: key, "csrftoken": token}, token, user.pk)
        for user, key, token in signed_in("cluster-member", MEMBERS)
    ]


class Voting:
    """Members toggling votes; the last acknowledged state of each
    (member, pro/con) is what the database must hold afterwards."""

    def __init__(self, sessions, procons):
        self.sessions, self.procons = sessions, procons
        self.acknowledged = {}  # (user pk, procon) -> voted, in the order answered
        self.lock = threading.Lock()
        self.turn = itertools.count()

    def __call__(self, client, n):
        cookies, token, user = self.sessions[next(self.turn) % len(self.sessions)]
        procon = random.choice(self.procons)
        key = (user, procon)
        with self.lock:  # one vote in flight per (member, pro/con): answers stay in order
            if key in self.acknowledged and self.acknowledged[key] is None:
                return None, None
            previous = self.acknowledged.get(key, "unknown")
            self.acknowledged[key] = None
        response = client.post(
            f"/procons/{procon}/vote/", cookies=cookies,
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        )  # fmt: skip
        with self.lock:
            if response.status_code == 200:
                self.acknowledged[key] = response.json()["voted"]
            else:  # unknown: the database decides (not acknowledged)
                self.acknowledged[key] = "unknown" if previous == "unknown" else "unacked"
        return response.status_code, "vote"

    def lost(self):
        """Acknowledged votes (or removals) the database does not hold."""
        from frameworks.models import Vote

        held = set(Vote.objects.filter(user__username__startswith="cluster-member-")
                   .values_list("user_id", "procon_id"))  # fmt: skip
        wrong = []
        for key, voted in self.acknowledged.items():
            if voted in (True, False) and (key in held) != voted:
                wrong.append(key)
        return wrong, sum(v in (True, False) for v in self.acknowledged.values())


def reader(pages):
    def read(client, n):
        response = client.get(random.choice(pages))
        return response.status_code, response.headers.get("X-Cache", "-")

    return read


def pages_exact(bases):
    """Every count on every read page, through each base, equals the database's."""
    from frameworks.models import ProCon

    truth = dict(ProCon.objects.values_list("pk", "votes_count"))
    checked, wrong = 0, []
    with httpx.Client(timeout=10) as client:
        for base, path in itertools.product(bases, READ_PAGES):
            html = client.get(base + path).text
            for pk, shown in PROCON_COUNT.findall(html):
                checked += 1
                if truth.get(int(pk)) != int(shown):
                    wrong.append((base + path, pk, shown, truth.get(int(pk))))
    return checked, wrong


class LagWatch(threading.Thread):
    """The replica's replay lag (pg_stat_replication on the primary), sampled."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.running = [], True

    def run(self):
        sql = (
            "SELECT coalesce(extract(epoch FROM replay_lag) * 1000, 0), "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication"
        )
        while self.running:
            row = psql(cluster.PRIMARY_PORT, sql)
            if row:
                ms, lag_bytes = row.split("|")
                self.samples.append((float(ms), int(float(lag_bytes))))
            time.sleep(0.2)

    def summary(self):
        if not self.samples:
            return "no samples"
        ms = sorted(s[0] for s in self.samples)
        return (f"replay lag p50 {ms[len(ms) // 2]:.1f} ms, max {ms[-1]:.1f} ms; "
                f"max {max(s[1] for s in self.samples):,} bytes behind "
                f"({len(ms)} samples)")  # fmt: skip


def votes_and_reads(voting):
    print(f"\n1. Votes through host A, anonymous reads through host B ({SECONDS:.0f} s)")
    lag = LagWatch()
    lag.start()
    with Load(VOTERS, voting, HOST_A) as votes, Load(READERS, reader(READ_PAGES), HOST_B) as reads:
        time.sleep(SECONDS)
    lag.running = False
    lag.join()
    print(f"  votes: {votes.rate():.0f}/s {dict(votes.statuses())}; "
          f"reads: {reads.rate():.0f}/s {dict(reads.statuses())}, "
          f"X-Cache {dict(Counter(r[2] for r in reads.results))}")  # fmt: skip
    print(f"  replica: {lag.summary()}")
    checked, wrong = pages_exact([HOST_A, HOST_B, LB])
    check(not wrong and checked > 0, f"{checked} counts on {len(READ_PAGES)} pages x 3 "
          f"addresses equal the database's (wrong: {wrong[:3]})")  # fmt: skip
    lost, acked = voting.lost()
    check(not lost, f"{acked} acknowledged vote states all in the database (lost: {len(lost)})")
    reader_5xx = sum(n for s, n in reads.statuses().items() if s >= 500 or s == 0)
    check(reader_5xx == 0, f"no reader error ({reader_5xx})")


def throughput():
    print(f"\n2. Reads through the balancer, two hosts against one ({SECONDS:.0f} s each)")
    with Load(READERS * 2, reader(READ_PAGES), LB) as two:
        time.sleep(SECONDS)
    with Load(READERS * 2, reader(READ_PAGES), HOST_A) as one:
        time.sleep(SECONDS)
    print(f"  two hosts: {two.rate():.0f} reads/s; one host: {one.rate():.0f} reads/s "
          f"(ratio {two.rate() / max(one.rate(), 1):.2f}; one machine of {os.cpu_count()} "
          "cores runs both hosts and the load generator)")  # fmt: skip


def host_pids(name):
    """The gunicorn master of an app host and its workers."""
    master = cluster.pid_of(cluster.STATE / name / "gunicorn.pid")
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return pids


def kill_a_host(voting, env):
    print(f"\n3. Host A killed under votes and reads through the balancer ({SECONDS:.0f} s)")
    with Load(VOTERS, voting, LB) as votes, Load(READERS, reader(READ_PAGES), LB) as reads:
        time.sleep(SECONDS / 3)
        killed_at = time.monotonic()
        for pid in host_pids("app-a"):
            os.kill(pid, signal.SIGKILL)
        time.sleep(SECONDS * 2 / 3)
    # nginx notices at the first refused connection and retries it on host B.
    after = killed_at + 1.0
    print(f"  before the kill: reads {reads.rate(until=killed_at):.0f}/s, "
          f"votes {votes.rate(until=killed_at):.0f}/s; "
          f"after: reads {reads.rate(since=after):.0f}/s, "
          f"votes {votes.rate(since=after):.0f}/s")  # fmt: skip
    print(f"  in the second of the kill: reads {dict(reads.statuses(killed_at, after))}, "
          f"votes {dict(votes.statuses(killed_at, after))} (a vote in flight on the killed "
          "host fails and is not acknowledged)")  # fmt: skip
    lost, acked = voting.lost()
    check(not lost, f"{acked} acknowledged vote states all in the database (lost: {len(lost)})")
    bad = {s: n for s, n in reads.statuses(since=after).items() if s >= 500 or s == 0}
    check(not bad, f"no reader 5xx after the switch ({bad})")
    cluster.start_app("app-a", env)  # back for the next scenarios


def restart_redis():
    print("\n4. Redis stopped and started again under reads through the balancer")
    with Load(READERS, reader(READ_PAGES), LB) as reads:
        time.sleep(SECONDS / 3)
        down = time.monotonic()
        cluster.kill(cluster.STATE / "redis" / "redis.pid")
        time.sleep(SECONDS / 3)
        up = time.monotonic()
        cluster.start_redis()
        time.sleep(SECONDS / 3)
    for label, since, until in [("before", 0, down), ("Redis down", down, up),
                                ("after restart", up, float("inf"))]:  # fmt: skip
        rows = [r for r in reads.results if since <= r[0] < until]
        cache = Counter(r[2] for r in rows)
        print(f"  {label}: {reads.rate(since, until):.0f} reads/s, "
              f"{dict(reads.statuses(since, until))}, X-Cache {dict(cache)}")  # fmt: skip
    during = reads.statuses(down, up)
    check(set(during) == {200}, f"pages still served while Redis is down ({dict(during)})")
    last = [r[2] for r in reads.results if r[0] >= up + SECONDS / 6]
    check(last.count("hit") > len(last) / 2, "pages are cached hits again after the restart")


def comparison_pages():
    from frameworks.models import Framework

    slugs = sorted(Framework.objects.filter(is_published=True).values_list("slug", flat=True))
    # Some name no framework (a language): 404s, which read the database too.
    return [f"/compare/{a}-vs-{b}-vs-{c}/" for a, b, c in itertools.combinations(slugs, 3)]


def replica_transactions():
    value = psql(cluster.REPLICA_PORT,
                 "SELECT xact_commit FROM pg_stat_database WHERE datname = 'site'")  # fmt: skip
    return int(value) if value else None


def stop_the_replica(env):
    from core.replica import RETRY_SECONDS

    print("\n5. The replica stopped under anonymous reads of uncached pages")
    pages = comparison_pages()
    random.shuffle(pages)
    time.sleep(6)  # no write for REPLICA_LAG: anonymous reads may use the replica
    replica = cluster.STATE / "pg" / "replica"
    first = replica_transactions()
    with Load(READERS, reader(pages), LB) as reads:
        time.sleep(SECONDS / 3)
        served = replica_transactions()
        stopped = time.monotonic()
        cluster.pg("pg_ctl", "-D", str(replica), "-m", "immediate", "-w", "stop")
        time.sleep(SECONDS / 3)
        started = time.monotonic()
        cluster.pg("pg_ctl", "-D", str(replica), "-l", str(replica.parent / "replica.log"),
                   "-w", "start")  # fmt: skip
        time.sleep(SECONDS / 3 + RETRY_SECONDS)  # each process tries it again after that
    again = replica_transactions()
    print(f"  replica transactions while up: {served - first}; after its restart: {again}")
    for label, since, until in [("replica up", 0, stopped), ("replica down", stopped, started),
                                ("replica back", started, float("inf"))]:  # fmt: skip
        print(f"  {label}: {reads.rate(since, until):.0f} reads/s, "
              f"{dict(reads.statuses(since, until))}")  # fmt: skip
    # (Each psql reading above is a transaction on the replica too: a few.)
    check(served - first > 10, "anonymous reads of uncached pages were served by the replica")
    bad = {s: n for s, n in reads.statuses(stopped + 1, started).items() if s >= 500 or s == 0}
    check(not bad, f"reads fall back to the primary while it is down ({bad})")
    check(again and again > 10, "the replica serves reads again after its restart")


def main():
    if cluster.STATE.exists():  # not ours to stop
        raise SystemExit(f"{cluster.STATE} exists: a cluster runs (make cluster-stop first).")
    try:
        # The bench comes from one address and a few members: no rate limits.
        env = cluster.start(
            VOTE_RATE="1000000/m", PAGE_CACHE_FILL_RATE="1000000/m", LOG_LEVEL="ERROR"
        )
        setup_django(env)
        from frameworks.models import Framework, ProCon

        shown = Framework.objects.filter(slug__in=["django", "flask", "fastapi", "bottle"])
        procons = list(ProCon.objects.filter(framework__in=shown, status=ProCon.Status.APPROVED)
                       .values_list("pk", flat=True))  # fmt: skip
        voting = Voting(member_sessions(), procons)
        print(
            f"Cluster: {LB} -> {HOST_A}, {HOST_B}; {os.cpu_count()} cores; "
            f"{READERS} reader and {VOTERS} voter threads; {len(procons)} pros/cons voted on"
        )
        votes_and_reads(voting)
        throughput()
        kill_a_host(voting, env)
        restart_redis()
        stop_the_replica(env)
    finally:
        cluster.stop()  # what started, also after a failed start
    print(f"\n{len(failures)} check(s) failed." if failures else "\nAll checks passed.")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

"""make bench-scale: the site with 18, 2,000 and 20,000 frameworks.

For each size (``SCALE_SIZES``, default "18,2000,20000") and each database
(SQLite in a temporary file; PostgreSQL in a scratch database ``<name>_<size>``
created and dropped on the server of ``DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/bench_scale``; ``SCALE_DATABASES``
picks "sqlite", "postgresql" or both) it runs, in a process of its own:

1. ``generate_catalogue``'s two steps (``comparison/synthetic.py``): the
   catalogue file, timed through ``import_catalogue`` (and a second import
   of the same file, which changes nothing), then the members with their
   votes, follows and stacks (5 members and about 50 votes per framework:
   100,000 members and 1,000,000 votes at 20,000);
2. every page type, uncached, two ways, in this process with Django's
   test client: cold, the cache cleared before each request (the page,
   its holes and the data it reads), and a page-cache miss, only the
   page evicted before each request (its holes and the data it reads
   stay warm, as on a server whose page for this address is gone); the
   median of ``SCALE_RUNS`` requests (default 5) each, the query count of
   each and the HTML's size;
3. the vote toggle: ``SCALE_VOTES`` toggles (default 300) through
   ``frameworks.services.toggle_vote`` by random members on random pros and
   cons, its p50 and p99;
4. the admin as a superuser: the changelists of frameworks, pros and cons,
   votes and members, a framework search, the framework autocomplete and
   the vote-abuse report (same timing as the pages).

Then it prints one table per database, a column per size. The sizes are
the synthetic catalogue's at every size, 18 too (the demo's size, with the
same shapes as the large ones), so the columns compare like with like.

Nothing leaves the machine: the databases are local, the cache is a
temporary folder. ``docs/benchmarks/README.md`` describes the output.
"""

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("SCALE_SIZES", "18,2000,20000").split(",") if s]
DATABASES = os.environ.get("SCALE_DATABASES", "sqlite,postgresql").split(",")
RUNS = int(os.environ.get("SCALE_RUNS", "5"))
VOTES = int(os.environ.get("SCALE_VOTES", "300"))
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/bench_scale"

PAGES = [
    ("home", "/"),
    ("catalogue", "/frameworks/"),
    ("category", "/categories/web-frameworks/"),
    ("compare index", "/compare/"),
    ("framework", "/frameworks/django/"),
    ("comparison", "/compare/django-vs-flask/"),
    ("sitemap", "/sitemap.xml"),
    ("API list", "/api/v1/frameworks/"),
    ("search", "/frameworks/?q=django"),
]
ADMIN = [
    ("admin frameworks", "/admin/frameworks/framework/"),
    ("admin framework search", "/admin/frameworks/framework/?q=django"),
    ("admin pros/cons", "/admin/frameworks/procon/"),
    ("admin votes", "/admin/frameworks/vote/"),
    ("admin members", "/admin/auth/user/"),
    (
        "admin autocomplete",
        "/admin/autocomplete/?app_label=frameworks&model_name=procon&field_name=framework&term=dj",
    ),
    ("admin vote report", "/admin/frameworks/vote/report/"),
]


# --- One size on one database (a process of its own) -------------------------


def measure(size):
    """Build the catalogue of ``size`` frameworks and measure it; a dict."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from comparison import catalogue_io, synthetic

    call_command("migrate", verbosity=0)
    result = {"size": size, "vendor": connection.vendor}
    document = synthetic.catalogue(size)
    raw = catalogue_io.dumps(document)
    started, cpu = time.perf_counter(), time.process_time()
    summary = catalogue_io.import_catalogue(raw)
    seconds = time.perf_counter() - started
    rows = sum(summary.values())
    result["import"] = {
        "seconds": seconds,
        "cpu": time.process_time() - cpu,  # this process's: a busy machine stretches the wall
        "rows": rows,
        "bytes": len(raw),
    }
    started = time.perf_counter()
    again = catalogue_io.import_catalogue(raw)
    result["reimport"] = {
        "seconds": time.perf_counter() - started,
        "changed": again["created"] + again["updated"],
    }
    started = time.perf_counter()
    added = synthetic.add_members(document, size * synthetic.MEMBERS_PER_FRAMEWORK)
    result["members"] = {"seconds": time.perf_counter() - started, **added}
    del document, raw
    if connection.vendor == "postgresql":
        # As autovacuum would after such a load (this machine's server runs
        # without it): every vote rewrote its framework's row, and the pages
        # read through 800,000 dead ones (the category page 3x slower).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {**result, **measure_site(size)}


def measure_site(size):
    """The pages, the vote and the admin of the catalogue in the database."""
    import random

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from comparison import synthetic
    from frameworks.models import ProCon
    from frameworks.services import toggle_vote

    result = {"size": size, "vendor": connection.vendor}

    def timed(client, path, before=cache.clear):
        times = []
        for _ in range(RUNS):
            before()
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        before()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        return {
            "ms": statistics.median(times),
            "queries": len(queries),
            "kb": len(response.content) / 1024,
            "status": response.status_code,
        }

    def missed(client, path):
        """The page-cache miss: ``timed`` with the page alone evicted."""
        with evicting(path) as evict:
            client.get(path)  # fills the data and holes it reads
            return timed(client, path, before=evict)

    anonymous = Client(HTTP_HOST="127.0.0.1")
    result["pages"] = {label: timed(anonymous, path) for label, path in PAGES}
    result["missed"] = {label: missed(anonymous, path) for label, path in PAGES}

    users = list(
        get_user_model().objects.filter(username__startswith=synthetic.MEMBER_PREFIX)[:200]
    )
    rng = random.Random(size)
    ids = list(ProCon.objects.approved().values_list("pk", flat=True))
    procons = rng.sample(ids, min(500, len(ids)))
    latencies = []
    for _ in range(VOTES):
        start = time.perf_counter()
        toggle_vote(user=rng.choice(users), procon_id=rng.choice(procons))
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    result["vote"] = {
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }

    admin = get_user_model().objects.filter(username="bench-admin").first()
    admin = admin or get_user_model().objects.create_superuser("bench-admin", "", None)
    curator = Client(HTTP_HOST="127.0.0.1")
    curator.force_login(admin)
    result["admin"] = {label: timed(curator, path) for label, path in ADMIN}
    return result


@contextlib.contextmanager
def evicting(path, host="127.0.0.1"):
    """Within it, each request for ``path`` misses the page cache: the
    process holds no page, and ``evict()`` drops the one of ``path`` from the
    shared cache; the data cache and the holes stay as they are. The fill
    rate is lifted (a bench fills one address's entries at a crawler's pace)."""
    from django.test import RequestFactory, override_settings

    from core.cache import pages, store

    key = pages.page_key(RequestFactory(HTTP_HOST=host).get(path))
    held, pages._pages = pages._pages, store.Held(0)
    try:
        with override_settings(PAGE_CACHE=True, PAGE_CACHE_FILL_RATE="1000000/m"):
            yield lambda: store.delete_many([key])
    finally:
        pages._pages = held


def measure_admin():
    """Each ``ADMIN`` page as a superuser: the median of ``RUNS`` requests
    after one, the cache cleared before each, wall and this process's CPU
    (on PostgreSQL the server's is not in it), and the queries of one."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from frameworks.models import Vote

    admin = get_user_model().objects.filter(username="bench-admin").first()
    admin = admin or get_user_model().objects.create_superuser("bench-admin", "", None)
    curator = Client(HTTP_HOST="127.0.0.1")
    curator.force_login(admin)
    print(f"{connection.vendor}, {Vote.objects.count():,} votes; {machine()}")
    for label, path in ADMIN:
        curator.get(path)
        walls, cpus = [], []
        for _ in range(RUNS):
            cache.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            curator.get(path)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            curator.get(path)
        print(
            f"{label}: {statistics.median(walls):.0f} ms, CPU {statistics.median(cpus):.0f} ms, "
            f"{len(queries)} q, load {os.getloadavg()[0]:.1f}"
        )


# --- The driver: databases, processes, tables -------------------------------

#: What --measure prints where a run's own build would be.
BUILT_BEFORE = {
    "import": {"seconds": 0, "cpu": 0, "rows": 0, "bytes": 0},
    "reimport": {"seconds": 0, "changed": 0},
    "members": {"seconds": 0, "members": 0, "votes": 0},
}


def pg_url(size):
    base = urlsplit(os.environ.get("DATABASE_URL") or PG_DEFAULT)
    name = base.path.lstrip("/") or "bench_scale"
    return base, f"{name}_{size}"


def pg_admin(base, statement):
    import psycopg

    url = urlunsplit(base._replace(path="/postgres"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def environment(workdir):
    """Production settings (DEBUG off, hashed static files), no Redis."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="bench-scale-not-a-secret-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="ERROR",
        STATIC_ROOT=str(workdir / "static"),
    )
    env.pop("REDIS_URL", None)  # the file cache, in a folder of each run's own
    return env


def run_one(vendor, size, workdir):
    env = environment(workdir)
    env["CACHE_DIR"] = str(workdir / f"cache-{vendor}-{size}")
    drop = None
    if vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / f'scale-{size}.sqlite3'}"
    else:
        base, name = pg_url(size)
        pg_admin(base, f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(base, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{name}"))
        drop = (base, name)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except subprocess.CalledProcessError as error:
        sys.stderr.write(error.stderr)
        raise SystemExit(f"{vendor} at {size} frameworks failed.") from None
    finally:
        if drop:
            pg_admin(drop[0], f'DROP DATABASE IF EXISTS "{drop[1]}"')
    return json.loads(out.strip().splitlines()[-1])


def machine():
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    kb = int(Path("/proc/meminfo").read_text().split()[1])
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({model}), {kb / 1024 / 1024:.0f} GiB RAM, load {load:.1f}"


def cell(r, missed=None):
    """Time, queries and size; with ``missed``, time and queries as "cold / miss"."""
    flag = "" if r["status"] == 200 else f" ({r['status']})"
    if missed is None:
        return f"{r['ms']:.0f} ms, {r['queries']} q, {r['kb']:.0f} KB{flag}"
    return (
        f"{r['ms']:.0f} / {missed['ms']:.0f} ms, {r['queries']} / {missed['queries']} q, "
        f"{r['kb']:.0f} KB{flag}"
    )


def table(vendor, results):
    sizes = [r["size"] for r in results]
    head = "| | " + " | ".join(f"{s:,} frameworks" for s in sizes) + " |"
    print(f"\n{vendor}\n")
    print(head)
    print("|---" * (len(sizes) + 1) + "|")

    def row(label, values):
        print(f"| {label} | " + " | ".join(values) + " |")

    for label, path in PAGES:
        row(f"`{path}`", [cell(r["pages"][label], r["missed"][label]) for r in results])
    if "import" not in results[0]:  # --measure: a database built before
        results = [{**r, **BUILT_BEFORE} for r in results]
    row(
        "import",
        [
            f"{r['import']['seconds']:.1f} s (CPU {r['import'].get('cpu', 0):.1f} s), "
            f"{r['import']['rows']:,} rows, "
            f"{r['import']['rows'] / r['import']['seconds']:,.0f} rows/s"
            for r in results
        ],
    )
    row(
        "same file again",
        [f"{r['reimport']['seconds']:.1f} s, {r['reimport']['changed']} changed" for r in results],
    )
    row(
        "members",
        [
            f"{r['members']['seconds']:.1f} s: {r['members']['members']:,} members, "
            f"{r['members']['votes']:,} votes"
            for r in results
        ],
    )
    row(
        "vote toggle p50 / p99",
        [f"{r['vote']['p50']:.1f} / {r['vote']['p99']:.1f} ms" for r in results],
    )
    for label, path in ADMIN:
        row(f"{label} `{path}`", [cell(r["admin"][label]) for r in results])


def main():
    if sys.argv[1:2] == ["--one"]:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    if sys.argv[1:2] == ["--measure"]:
        # A database generate_catalogue built (DATABASE_URL, production
        # settings and STATIC_ROOT given): its pages, votes and admin only.
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from frameworks.models import Framework

        result = measure_site(Framework.objects.count())
        table(result["vendor"], [result])
        return
    if sys.argv[1:2] == ["--admin"]:
        # The admin pages only, of a database already built (as --measure),
        # with the process's CPU beside the wall: nothing is written.
        sys.path.insert(0, str(ROOT))
        measure_admin()
        return
    print(f"Machine: {machine()}")
    print(
        f"Uncached pages: median of {RUNS} requests, cold (the cache cleared before each) "
        f"/ a page-cache miss (the page evicted, its data warm); {VOTES} vote toggles"
    )
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**environment(Path(folder)), "DATABASE_URL": "sqlite:///:memory:"},
            check=True,
        )
        for vendor in DATABASES:
            results = []
            for size in SIZES:
                started = time.perf_counter()
                results.append(run_one(vendor, size, Path(folder)))
                print(
                    f"{vendor} at {size:,} frameworks: {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                )
            table(vendor, results)


if __name__ == "__main__":
    main()

"""Pages at scale (issue 30): each page type's uncached time, queries and
size with N frameworks, on the database of ``DATABASE_URL``. Print-only.

Two figures per page, "cold / miss":

- cold: nothing cached (``PAGE_CACHE`` off, which turns the data cache
  and the shared holes off too, and a session cookie), every request
  computes everything;
- miss: what a page-cache miss costs a server with its cache on: an
  anonymous request whose page was just evicted (from the shared cache
  and the process), the data cache (the catalogue's choice lists...)
  and the shared holes warm from the warm-up requests. The cache is
  Django's file cache in a temporary folder (``REDIS_URL`` is ignored).

    DATABASE_URL=sqlite:////tmp/scale.sqlite3 .venv/bin/python bench/pages_at_scale.py 2000 20000

It builds its own quick catalogue (frameworks in a few categories, one
holding half of them, three pros and cons each, named as
``generate_catalogue`` names them), not that command's realistic one: it
measures the pages' shape, flat or not. The database is flushed first:
never point it at a real catalogue.
Figures go to docs/benchmarks/, under "Pages at scale (issue 30)".
"""

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")  # templates and static files as in development
os.environ.pop("REDIS_URL", None)  # the file cache, in a folder of this run's own
os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="pages-at-scale-")
atexit.register(shutil.rmtree, os.environ["CACHE_DIR"], ignore_errors=True)

PATHS = [
    "/",
    "/compare/",
    "/frameworks/",
    "/frameworks/?sort=-stars",
    "/frameworks/?sort=-votes",
    "/frameworks/?q=fast+async",
    "/frameworks/?q=djnago",
    "/categories/big/",
    "/api/v1/frameworks/",
    "/frameworks/names.json?q=fas",
    "/frameworks/django/",
    "/compare/django-vs-flask/",
    "/sitemap.xml",
]
REQUESTS = int(os.environ.get("SCALE_REQUESTS", "15"))


def build(total):
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    from comparison.synthetic import names
    from frameworks.models import Category, Framework, ProCon
    from frameworks.services import recount_framework_votes

    call_command("flush", interactive=False, verbosity=0)
    big = Category.objects.create(name="Big", slug="big")
    others = [Category.objects.create(name=f"Kind {n}", slug=f"kind-{n}") for n in range(10)]
    words = ["fast", "async", "typed", "friendly", "minimal", "batteries", "reactive", "secure"]
    rows = []
    # Django and Flask (the pages ask for them), then generate_catalogue's
    # made-up names. Not "Framework 00002" and on: names sharing their first
    # nine letters made every three-letter key share a trigram with all of
    # them, which no catalogue does ("did you mean" then rechecked them all).
    for n, name in enumerate(names(total, known=["Django", "Flask"])):
        rows.append(
            Framework(
                name=name,
                slug=name.lower().replace(" ", "-"),
                category=big if n % 2 == 0 else others[n % 10],
                tagline=f"A {words[n % 8]} framework for the web",
                description=f"{words[n % 5]} and {words[(n * 3) % 8]} tools. " * 8,
                language=["Python", "Go", "Rust", "JavaScript"][n % 4],
                license="MIT",
                github_stars=(n * 7919) % 90000 or None,
                weekly_downloads=(n * 104729) % 5_000_000 or None,
            )
        )
    Framework.objects.bulk_create(rows, batch_size=2000)
    ids = list(Framework.objects.values_list("pk", flat=True))
    ProCon.objects.bulk_create(
        [
            ProCon(
                framework_id=pk,
                kind=kind,
                text=f"{kind} {k}",
                baseline_votes=(pk * 31 + k) % 500,
                votes_count=(pk * 31 + k) % 500,
            )
            for pk in ids
            for k, kind in enumerate(["pro", "pro", "con"])
        ],
        batch_size=5000,
    )
    recount_framework_votes(ids)  # bulk_create moved no counter
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would after such a load (this machine's server
            # runs without it): ANALYZE alone left the recount's 20,000 dead
            # rows in the table and 10,000 entries in each GIN index's
            # pending list, which every search then read through.
            cursor.execute("VACUUM ANALYZE")
    cache.clear()  # flush and bulk_create bumped no cache tag: nothing kept is exact


def timed(client, path, before=lambda: None):
    """(median ms, queries, bytes): ``REQUESTS`` requests after 3 warm-ups,
    ``before()`` run ahead of each, and the queries of one (DEBUG's log)."""
    from django.db import connection, reset_queries

    for _ in range(3):
        before()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    before()
    response = client.get(path)
    queries = connection.queries
    times = []
    for _ in range(REQUESTS):
        before()
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.get("X-Cache") != "hit", path
    reset_queries()
    return statistics.median(times), len(queries), len(response.content)


def measure(path):
    """``(cold, miss)``, each ``timed()``'s triple."""
    from django.test import Client, override_settings
    from scale import evicting  # bench/scale.py

    with override_settings(PAGE_CACHE=False):
        cold = timed(Client(HTTP_COOKIE="sessionid=bench-uncached", HTTP_HOST="127.0.0.1"), path)
    with evicting(path) as evict:
        miss = timed(Client(HTTP_HOST="127.0.0.1"), path, before=evict)
    return cold, miss


def main(sizes):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(
        f"database: {connection.vendor}, requests per page: {REQUESTS} (median), "
        f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}"
    )
    print("cells: cold / page-cache miss (data cache warm): ms, queries, size")
    results = {}
    for total in sizes:
        build(total)
        results[total] = {path: measure(path) for path in PATHS}
    print("| page | " + " | ".join(f"{n:,} frameworks" for n in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    for path in PATHS:
        cells = []
        for n in sizes:
            (cold_ms, cold_q, size), (miss_ms, miss_q, _) = results[n][path]
            cells.append(
                f"{cold_ms:.1f} / {miss_ms:.1f} ms, {cold_q} / {miss_q} q, {size / 1000:.0f} KB"
            )
        print(f"| `{path}` | " + " | ".join(cells) + " |")
    print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [2000, 20000])

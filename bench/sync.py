"""make bench-sync: sync_stats for a large catalogue against a local fake API.

Starts the test suite's fake GitHub/PyPI/pypistats/npm server on 127.0.0.1
(nothing leaves the machine), creates SYNC_FRAMEWORKS frameworks (default
20,000; all on GitHub, half on PyPI and half on npm, one npm package in
ten scoped) with bulk_create in a throw-away SQLite database, then runs
the real command four times, as a schedule would:

1. first run: no ETag known yet, every answer has a body;
2. second run, nothing changed: every request is conditional and answered
   304 (no body, and GitHub does not count it against its rate limit);
3. a day later, one repository in ten changed, within one hour's GitHub
   allowance (``--budget github=5000``, the fake keeping GitHub's limit);
4. a first run as on a new server, as an hourly job would make it
   (``--budget 5000`` for every API): what one scheduled run refreshes,
   and so how many runs a full refresh takes.

``SYNC_RUNS`` picks runs (default ``1234``; ``4`` alone is the quick
look at a large catalogue's plan).

For each it prints the wall time and this process's CPU time (the fake
APIs' threads included; on a shared machine the steadier figure), the
requests per source, the 304s, the GitHub requests that count against
the 5,000 an hour, and what batching (npm's bulk downloads) and
conditional requests saved. Results:
docs/benchmarks/ ("Sync at scale").
"""

import io
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COUNT = int(os.environ.get("SYNC_FRAMEWORKS", "20000"))
RUNS = os.environ.get("SYNC_RUNS", "1234")
HOURLY = 5000  # GitHub's requests an hour with a token
LINE = re.compile(
    r"^(?P<source>\w+): (?P<refreshed>\d+) refreshed, (?P<unchanged>\d+) unchanged \(304\), "
    r"(?P<skipped>\d+) skipped .*; (?P<sent>\d+) requests \((?P<not_modified>\d+) not modified\)",
    re.M,
)


def main():
    from tests.fakeapi import FakeApis, Package

    apis = FakeApis().start()
    workdir = tempfile.mkdtemp(prefix="bench-sync-")
    os.environ.update(apis.urls)
    os.environ.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        CACHE_DIR=f"{workdir}/cache",
        DJANGO_SETTINGS_MODULE="config.settings",
        GITHUB_TOKEN="",
        SYNC_BACKOFF="0.05",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from frameworks.models import Category, Framework
    from stats.models import ApiPause, CachedResponse

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    category = Category.objects.create(name="Web Frameworks", slug="web-frameworks")
    frameworks = []
    for index in range(COUNT):
        repo = f"org{index}/framework{index}"
        apis.add_repo(repo, stars=1000 + index, forks=index, issues=index % 50)
        values = {"github_repo": repo}
        if index % 2:
            name = f"@scope/pkg{index}" if index % 20 == 1 else f"pkg{index}"
            apis.npm[name] = Package(f"1.{index}.0", "2026-10-01T00:00:00Z", 10 * index)
            values["npm_package"] = name
        else:
            apis.pypi[f"pkg{index}"] = Package(f"2.{index}.0", "2026-10-01T00:00:00Z", 7 * index)
            values["pypi_project"] = f"pkg{index}"
        frameworks.append(
            Framework(name=f"Framework {index}", slug=f"fw{index}", category=category, **values)
        )
    Framework.objects.bulk_create(frameworks, batch_size=2000)
    print(f"sync_stats, {COUNT} frameworks (GitHub + PyPI or npm each), local fake APIs")
    print(f"setup (bulk_create): {time.perf_counter() - started:.1f} s")

    def run(label, *args):
        apis.log.clear()
        out = io.StringIO()
        started, cpu = time.perf_counter(), time.process_time()
        try:
            call_command("sync_stats", *args, stdout=out)
            status = "ok"
        except CommandError as exc:
            status = f"failed: {exc}"
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        text = out.getvalue()
        lines = {m["source"]: m for m in LINE.finditer(text)}
        github = lines["GitHub"]
        charged = int(github["sent"]) - int(github["not_modified"])
        bulk = sum(1 for p, _ in apis.log if p.startswith("/npmdl/") and "," in p)
        single = sum(1 for p, _ in apis.log if p.startswith("/npmdl/") and "," not in p)
        conditional = sum(int(m["not_modified"]) for m in lines.values())
        npm = lines.get("npm")
        alone = int(npm["refreshed"]) + int(npm["unchanged"]) if npm else 0  # one request each
        print(
            f"\n{label} ({' '.join(args) or 'no options'}): {elapsed:.1f} s "
            f"(CPU {cpu:.1f} s, the fake APIs' threads included), {status}"
        )
        for source, m in lines.items():
            print(
                f"  {source:<7} {int(m['sent']):6d} requests, {int(m['not_modified']):6d} of them "
                f"304; {m['refreshed']} refreshed, {m['unchanged']} unchanged, "
                f"{m['skipped']} skipped"
            )
        print(
            f"  saved: {conditional} bodies by conditional requests (304); "
            f"{alone - bulk - single} npm requests by {bulk} bulk download reads"
        )
        print(
            f"  GitHub requests counting against its limit: {charged} -> "
            f"{max(1, math.ceil(charged / HOURLY))} hourly run(s) at {HOURLY}/hour"
        )
        print(f"  {text.strip().splitlines()[-1]}")
        return lines

    if "1" in RUNS:
        run("1. first run")
    if "2" in RUNS:
        run("2. second run, nothing changed")
    if "3" in RUNS:
        for index in range(0, COUNT, 10):
            apis.repos[f"org{index}/framework{index}"].stars += 1
        ApiPause.objects.all().delete()
        apis.github_remaining = HOURLY
        run("3. a day later, 1 repository in 10 changed", "--budget", "github=5000")
    if "4" in RUNS:
        CachedResponse.objects.all().delete()  # as on a new server: no ETag known
        Framework.objects.update(github_as_of=None, downloads_as_of=None)
        ApiPause.objects.all().delete()
        apis.github_remaining = HOURLY
        lines = run("4. first run, one hour's allowance for every API", "--budget", "5000")
        print("\nA full refresh from scratch at 5,000 requests an hour per API:")
        for source, m in lines.items():
            done = int(m["refreshed"]) + int(m["unchanged"])
            total = done + int(m["skipped"])
            runs = math.ceil(total / done) if done else "no"
            print(f"  {source:<7} {total} frameworks, {done} a run -> {runs} hourly runs")
    apis.stop()


if __name__ == "__main__":
    main()

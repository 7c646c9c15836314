"""make bench-sync: sync_stats for 200 frameworks against a local fake API.

Starts the test suite's fake GitHub/PyPI/pypistats/npm server on 127.0.0.1
(nothing leaves the machine), creates BENCH_FRAMEWORKS frameworks (default
200; half on PyPI, half on npm, all on GitHub) in a throw-away SQLite
database, then runs the real command twice and prints the wall time, the
HTTP requests the server saw and how many were answered 304 Not Modified.
The second run sends If-None-Match with every request, so the server sends
no bodies: it is cheaper for the APIs and costs no rate limit on GitHub
(a 304 does not count against it).
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COUNT = int(os.environ.get("BENCH_FRAMEWORKS", "200"))


def main():
    from tests.fakeapi import FakeApis, Package

    apis = FakeApis().start()
    workdir = tempfile.mkdtemp(prefix="bench-sync-")
    os.environ.update(apis.urls)
    os.environ.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        DJANGO_SETTINGS_MODULE="config.settings",
        GITHUB_TOKEN="",
        SYNC_BACKOFF="0.05",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from frameworks.models import Category, Framework

    call_command("migrate", verbosity=0)
    category = Category.objects.create(name="Web Frameworks", slug="web-frameworks")
    frameworks = []
    for index in range(COUNT):
        repo = f"org{index}/framework{index}"
        apis.add_repo(repo, stars=1000 + index, forks=index, issues=index % 50)
        values = {"github_repo": repo}
        if index % 2:
            apis.npm[f"pkg{index}"] = Package(f"1.{index}.0", "2026-10-01T00:00:00Z", 10 * index)
            values["npm_package"] = f"pkg{index}"
        else:
            apis.pypi[f"pkg{index}"] = Package(f"2.{index}.0", "2026-10-01T00:00:00Z", 7 * index)
            values["pypi_project"] = f"pkg{index}"
        frameworks.append(
            Framework(name=f"Framework {index}", slug=f"fw{index}", category=category, **values)
        )
    Framework.objects.bulk_create(frameworks)

    def run(label):
        apis.log.clear()
        out = io.StringIO()
        started = time.perf_counter()
        try:
            call_command("sync_stats", stdout=out)
            status = "ok"
        except CommandError as exc:
            status = f"failed: {exc}"
        elapsed = time.perf_counter() - started
        conditional = sum(1 for _, headers in apis.log if headers.get("If-None-Match"))
        summary = out.getvalue().strip().splitlines()[-1]
        print(
            f"{label:<13} {elapsed:7.2f} s  {len(apis.log):5d} requests  "
            f"{conditional:5d} conditional  {status}"
        )
        print(f"{'':13} {summary}")

    print(f"sync_stats, {COUNT} frameworks (GitHub + PyPI or npm each), local fake APIs")
    run("first run")
    run("second run")
    apis.stop()


if __name__ == "__main__":
    main()

"""In-process render time of the uncached comparison page, with warm data.

``make bench`` prints it next to the server's figures; run alone it also
profiles: ``.venv/bin/python bench/render.py --profile [path]``.

The request is what a signed-in member's would be for the page cache: it
carries a session cookie (an unknown one, so the reader is anonymous), so the
page cache lets it through and the whole page is rendered, with the data
cache warm. Measured with Django's test client (no network, no server), p50
and minimum over ``RENDER_REQUESTS`` requests after a warm-up.
"""

import os
import statistics
import sys
import time

PATHS = ["/compare/django-vs-flask/", "/compare/bottle-vs-fastapi-vs-pyramid-vs-tornado/"]
REQUESTS = int(os.environ.get("RENDER_REQUESTS", "200"))
COOKIE = "sessionid=bench-uncached"


def render_times(path, requests=REQUESTS):
    """(p50 ms, min ms) of rendering ``path`` in this process."""
    from django.test import Client

    client = Client(HTTP_COOKIE=COOKIE, HTTP_HOST="127.0.0.1")
    for _ in range(20):  # warm: data cache, templates, URL resolver
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def profile(path, requests=REQUESTS):
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_COOKIE=COOKIE, HTTP_HOST="127.0.0.1")
    for _ in range(20):
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("tottime")
    stats.print_stats(35)
    stats.sort_stats("cumulative").print_stats(60)


def main():
    import prodserver
    import run

    env = prodserver.server_env(run.OUT)
    if "--no-prepare" in sys.argv:  # bench-output holds a prepared site already
        prodserver.prepare = lambda env: None
    run.prepare(env)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--profile" in sys.argv:
        profile(args[0] if args else PATHS[0])
        return
    for path in args or PATHS:
        p50, low = render_times(path)
        print(f"{path}: p50 {p50:.2f} ms, min {low:.2f} ms")


if __name__ == "__main__":
    main()

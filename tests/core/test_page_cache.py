"""The page cache's mechanism (core/cache.py): bounded keys, the write epoch
that keeps overlapping renders out, coalesced misses, and serving through a
cache outage. Which change reaches which page is tested per app in
``test_cache_invalidation.py``."""

import threading
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from comparison import selectors
from core import cache as page_cache_module
from frameworks import cache as tags
from frameworks import services
from frameworks.models import Framework, ProCon
from tests.conftest import use_cache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/compare/django-vs-flask/"


def page_entries():
    return [key for key in cache._cache if ":page:" in key]


def test_unknown_query_parameters_redirect_to_the_canonical_url(client, demo, page_cache):
    response = client.get(URL + "?utm_source=newsletter&only=differences")
    assert response.status_code == 301
    assert response["Location"] == URL + "?only=differences"
    response = client.get("/frameworks/?q=py&fbclid=abc&sort=-stars")
    assert response.status_code == 301
    assert response["Location"] == "/frameworks/?q=py&sort=-stars"


def test_three_hundred_tracking_tags_add_no_cache_entry(client, demo, page_cache):
    client.get(URL)
    before = len(page_entries())
    for n in range(300):
        assert client.get(f"{URL}?utm={n}").status_code == 301
    assert len(page_entries()) == before == 1


def test_one_client_fills_a_bounded_number_of_entries(client, demo, page_cache, settings):
    settings.PAGE_CACHE_FILL_RATE = "3/m"
    urls = ["/", "/frameworks/", "/compare/", "/frameworks/django/", "/frameworks/flask/"]
    for url in urls:
        assert client.get(url)["X-Cache"] == "miss"
    assert len(page_entries()) == 3
    # Past its share the client's pages are still served, just not kept.
    assert client.get("/frameworks/flask/").status_code == 200
    assert client.get("/")["X-Cache"] == "hit"


def test_a_render_that_overlaps_a_write_is_served_but_not_kept(
    client, demo, page_cache, monkeypatch
):
    real = selectors.comparison_page
    flask = Framework.objects.get(slug="flask")

    def render_while_a_vote_commits(*args, **kwargs):
        page = real(*args, **kwargs)
        page_cache_module.bump(tags.framework(flask.pk))  # a write lands mid-render
        return page

    monkeypatch.setattr(selectors, "comparison_page", render_while_a_vote_commits)
    assert client.get(URL)["X-Cache"] == "miss"
    monkeypatch.setattr(selectors, "comparison_page", real)
    assert client.get(URL)["X-Cache"] == "miss", "the overlapped render must not be kept"
    assert client.get(URL)["X-Cache"] == "hit"


def test_a_write_elsewhere_during_a_render_does_not_stop_it_being_kept(
    client, demo, page_cache, monkeypatch
):
    real = selectors.comparison_page
    bottle = Framework.objects.get(slug="bottle")
    client.get(URL)
    page_cache_module.bump(tags.framework(Framework.objects.get(slug="flask").pk))

    def render_while_bottle_changes(*args, **kwargs):
        page = real(*args, **kwargs)
        page_cache_module.bump(tags.framework(bottle.pk))  # not shown on Django vs Flask
        return page

    monkeypatch.setattr(selectors, "comparison_page", render_while_bottle_changes)
    assert client.get(URL)["X-Cache"] == "miss"
    monkeypatch.setattr(selectors, "comparison_page", real)
    assert client.get(URL)["X-Cache"] == "hit"


def test_a_write_between_render_and_store_cannot_leave_a_stale_page(
    client, demo, page_cache, monkeypatch, committed
):
    """An edit commits after the page read its data but before the page is
    stored: the stored entry must not outlive the edit."""
    from core.cache import tags as cache_tags

    flask = Framework.objects.get(slug="flask")
    real = cache_tags.versions

    def versions_after_an_edit(*renders):
        flask.tagline = "Edited while the page was stored"
        outside = cache_tags._render.set(None)  # another request's write
        committed(flask.save)
        cache_tags._render.reset(outside)
        return real(*renders)

    monkeypatch.setattr(cache_tags, "versions", versions_after_an_edit)
    assert "Edited while" not in client.get(URL).content.decode()
    monkeypatch.setattr(cache_tags, "versions", real)
    response = client.get(URL)
    assert response["X-Cache"] == "miss"
    assert "Edited while the page was stored" in response.content.decode()


def test_pages_that_declare_no_tags_are_not_cached(client, demo, page_cache, monkeypatch):
    monkeypatch.setattr(page_cache_module, "depends_on", lambda *tags: None)
    monkeypatch.setattr("comparison.views.depends_on", lambda *tags: None)
    # Nor through the data cache, which the index's comparisons come from.
    monkeypatch.setattr("comparison.selectors.curated_comparisons", list)
    client.get("/compare/")
    assert client.get("/compare/")["X-Cache"] == "miss"


def test_signed_in_pages_never_reach_anonymous_readers(client, demo, page_cache):
    member = UserFactory(username="carol")
    member_client = Client()
    member_client.force_login(member)
    assert "carol" in member_client.get(URL).content.decode()
    html = client.get(URL).content.decode()
    assert "carol" not in html
    assert "csrfmiddlewaretoken" not in html
    assert "csrfmiddlewaretoken" not in client.get(URL).content.decode()  # the hit too


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write_during_render", [False, True])
def test_concurrent_misses_of_one_page_render_it_once(page_cache, monkeypatch, write_during_render):
    """Six readers miss at once: one renders, five wait for it. When a write
    to the page lands during that render, the page is not kept, but it is
    still exact for the five, who all arrived before the render began."""
    call_command("load_demo", verbosity=0)
    cache.clear()
    renders = []
    real = selectors.comparison_page
    flask = Framework.objects.get(slug="flask")

    def slow_render(*args, **kwargs):
        renders.append(threading.get_ident())
        time.sleep(1.0)  # long enough for every reader to arrive meanwhile, even on a busy machine
        if write_during_render:
            page_cache_module.bump(tags.framework(flask.pk))
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "comparison_page", slow_render)
    results = []
    barrier = threading.Barrier(6)

    def read():
        try:
            barrier.wait()
            response = Client().get(URL)
            results.append((response.status_code, response["X-Cache"], response.content))
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(renders) == 1
    assert sorted(cache_state for _, cache_state, _ in results) == ["hit"] * 5 + ["miss"]
    assert len({content for _, _, content in results}) == 1
    assert {status for status, _, _ in results} == {200}
    monkeypatch.setattr(selectors, "comparison_page", real)
    expected = "miss" if write_during_render else "hit"
    assert Client().get(URL)["X-Cache"] == expected


def test_with_redis_down_every_page_is_served_uncached(client, demo, redis_down, caplog):
    for url in ("/", "/frameworks/django/", URL, "/accounts/login/", "/robots.txt"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Cache" not in response
    assert "Cache unavailable" in caplog.text


def test_with_redis_down_members_sign_in_and_vote(client, demo, redis_down, committed):
    UserFactory(username="dana")
    response = client.post(
        "/accounts/login/", {"username": "dana", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    item = ProCon.objects.get(framework__slug="flask", text="Not fast")
    response = committed(client.post, f"/procons/{item.pk}/vote/", HTTP_ACCEPT="application/json")
    answer = response.json()
    assert (answer["votes"], answer["voted"]) == (6, True)
    assert "dana" in client.get(URL).content.decode()


def test_with_redis_down_load_demo_and_its_invalidation_complete(redis_down, committed, caplog):
    committed(call_command, "load_demo", verbosity=0)
    assert Framework.objects.filter(slug="django").exists()
    assert "Could not invalidate cached pages" in caplog.text


def test_processes_without_redis_share_the_cache_through_files(
    client, demo, page_cache, settings, tmp_path, committed
):
    """Without Redis: Django's file-based cache, whose write clock is the
    machine's clock (it has no atomic incr)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache_backends.SharedFileCache",
            "LOCATION": str(tmp_path),
        }
    }
    assert client.get(URL)["X-Cache"] == "miss"
    assert client.get(URL)["X-Cache"] == "hit"
    assert client.get("/frameworks/django/")["X-Cache"] == "miss"
    item = ProCon.objects.get(framework__slug="flask", text="Not fast")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    response = Client().get(URL)
    assert response["X-Cache"] == "hit"  # the hole is rendered again, the page kept
    assert ">6<" in response.content.decode()
    assert Client().get("/frameworks/django/")["X-Cache"] == "hit"
    assert any(tmp_path.iterdir()), "entries live in files every worker reads"


def test_without_redis_every_process_of_the_site_shares_one_cache_folder(monkeypatch):
    """``make run``, the server's workers and management commands (cron's
    sync_stats, imports) read and bump the same entries."""
    import importlib

    from config import settings as project_settings

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("CACHE_DIR", raising=False)
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.CACHES["default"]["BACKEND"] == "core.cache_backends.SharedFileCache"
        assert reloaded.CACHES["default"]["LOCATION"] == str(reloaded.BASE_DIR / ".cache")
        assert reloaded.PAGE_CACHE
        monkeypatch.setenv("CACHE_DIR", "/tmp/stackcompare-cache")
        reloaded = importlib.reload(project_settings)
        assert reloaded.CACHES["default"]["LOCATION"] == "/tmp/stackcompare-cache"
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)


def test_refilling_invalidated_pages_does_not_use_up_the_fill_budget(
    client, demo, page_cache, settings
):
    """Readers behind one address (a proxy, a benchmark) keep getting cached
    pages however often votes invalidate them: only new keys are budgeted."""
    settings.PAGE_CACHE_FILL_RATE = "2/m"
    flask = Framework.objects.get(slug="flask")
    client.get(URL)
    for _ in range(5):
        page_cache_module.bump(tags.framework(flask.pk))
        assert client.get(URL)["X-Cache"] == "miss"
        assert client.get(URL)["X-Cache"] == "hit"


def test_the_redis_cache_reuses_its_client(settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache_backends.ReusedClientRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/3",
        }
    }
    redis_cache = caches["default"]
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=True) is client
    redis_cache.set("reused-client-check", 1, 5)
    assert redis_cache.get("reused-client-check") == 1


def test_the_redis_cache_does_not_apply_memcacheds_key_limits(settings, recwarn):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache_backends.ReusedClientRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/3",
        }
    }
    key = "a key with spaces, longer than memcached allows " * 6
    caches["default"].set(key, "kept", 5)

    assert caches["default"].get_many([key]) == {key: "kept"}
    assert not recwarn.list


def test_data_entries_kept_in_the_process_are_checked_like_any_hit(page_cache, committed):
    """cached() keeps unpickled entries in the process (no fetch, no
    unpickling on a hit), but only serves them while their tags stand."""
    name = "memo-test"
    assert page_cache_module.cached(name, lambda: "first", lambda v: {"memo-tag"}) == "first"
    assert page_cache_module.cached(name, lambda: "second", lambda v: {"memo-tag"}) == "first"
    committed(page_cache_module.bump, "memo-tag")
    assert page_cache_module.cached(name, lambda: "third", lambda v: {"memo-tag"}) == "third"
    cache.clear()  # an evicted or flushed cache: the kept entry is stale too
    assert page_cache_module.cached(name, lambda: "fourth", lambda v: {"memo-tag"}) == "fourth"


def test_a_hit_on_a_page_the_process_holds_reads_only_its_versions(
    client, demo, page_cache, committed, monkeypatch
):
    """The process keeps the pages it stored or served: a hit then fetches
    the tags' versions of the page and its holes in one round trip, never
    the page, and a bump reaches it like any hit."""
    client.get(URL)
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(keys) or get_many(keys))

    response = client.get(URL)

    assert response["X-Cache"] == "hit"
    assert len(reads) == 1
    assert not [key for key in reads[0] if key.startswith("page:")]
    flask = Framework.objects.get(slug="flask")
    committed(page_cache_module.bump, tags.framework(flask.pk))
    assert client.get(URL)["X-Cache"] == "miss"
    cache.clear()  # flushed: the held copy's versions are gone with it
    assert client.get(URL)["X-Cache"] == "miss"


def test_held_pages_are_bounded_by_their_bytes():
    import zlib

    from core.cache.pages import Held, Page, _pages
    from core.cache.store import Held as Bounded

    def page(*parts):
        body = zlib.compress(b"".join(parts))
        return Held(Page({}, 200, (), body, tuple(map(len, parts)), ('["x"]',) * (len(parts) - 1)))

    held = Bounded(limit=250, weigh=_pages.weigh)
    for n in range(5):
        held.put(f"page:{n}", page(b"x" * 50, b"y" * 50))
    held.put("page:big", page(b"z" * 251))

    assert held.get("page:0")[0] is None and held.get("page:big")[0] is None
    assert held.get("page:3")[0] is not None and held.get("page:4")[0] is not None
    assert held.size == 200


@pytest.fixture(params=["locmem", "files", "redis"])
def any_cache(request, settings, tmp_path):
    """Each cache the settings can pick: one worker, several without Redis,
    Redis."""
    yield from use_cache(settings, request.param, tmp_path)


def test_a_bump_that_overlaps_another_never_moves_a_tag_back(any_cache, monkeypatch):
    """A advances the clock; B bumps the same tag; then A sets the tag. If
    A's older version won, a page rendered between B's commit and B's bump
    (missing B's write) would record it and be served after B's response."""
    from django.core.cache import caches

    backend = caches["default"]
    if any_cache == "redis":
        # One script, which Redis runs with no other command in between.
        client = backend._cache.get_client(write=True)
        execute, sent = client.execute_command, []
        monkeypatch.setattr(
            client,
            "execute_command",
            lambda *args, **kw: sent.append(args[0]) or execute(*args, **kw),
        )
        page_cache_module.bump("t")
        assert "EVALSHA" in sent and not {"INCRBY", "SET", "EXISTS"} & set(sent)
        assert cache.get("cache:tag:t") == cache.get("cache:clock")
        return
    set_many = backend.set_many
    other = []

    def set_many_while_another_bump_runs(mapping, timeout=None):
        if not other:
            other.append(threading.Thread(target=page_cache_module.bump, args=("t",)))
            other[0].start()
            other[0].join(0.3)  # done by now, unless bumps take turns
        return set_many(mapping, timeout)

    monkeypatch.setattr(backend, "set_many", set_many_while_another_bump_runs)
    page_cache_module.bump("t")
    other[0].join()

    assert cache.get("cache:tag:t") == cache.get("cache:clock")


def test_bumps_from_many_threads_leave_every_tag_at_the_clocks_value(any_cache):
    def bump_often():
        for _ in range(100):
            page_cache_module.bump("t", "u")

    threads = [threading.Thread(target=bump_often) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    clock = cache.get("cache:clock")
    assert cache.get_many(["cache:tag:t", "cache:tag:u"]) == {
        "cache:tag:t": clock,
        "cache:tag:u": clock,
    }


def test_parameter_prefixes_admit_a_family_and_redirect_the_rest(rf):
    from core.cache import cache_anonymous

    seen = []

    def view(request):
        seen.append(dict(request.GET))
        from django.http import HttpResponse

        return HttpResponse("ok")

    wrapped = cache_anonymous(view, params=["only"], param_prefixes=["w-"])
    request = rf.get("/x/", {"w-orm": "2", "w-routing": "0", "only": "differences"})
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    assert wrapped(request).status_code == 200
    assert wrapped.cache_param_prefixes == ("w-",)

    request = rf.get("/x/", {"w-orm": "2", "utm": "1", "weight": "3"})
    response = wrapped(request)
    assert response.status_code == 301
    assert response["Location"] == "/x/?w-orm=2"
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("host", "canonical"),
    [("LOCALHOST", "localhost"), ("localhost.", "localhost"), ("localhost:80", "localhost")],
)
def test_a_host_spelled_otherwise_redirects_and_fills_no_cache_entry(
    client, demo, page_cache, host, canonical
):
    """Host variants must not each get their own entries (issue 28)."""
    client.get(URL, HTTP_HOST="localhost")
    before = len(page_entries())
    response = client.get(URL + "?only=differences", HTTP_HOST=host)
    assert response.status_code == 301
    assert response["Location"] == f"http://{canonical}{URL}?only=differences"
    assert len(page_entries()) == before


def test_a_host_with_its_own_port_is_its_own_address(client, demo, page_cache, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    assert client.get(URL, HTTP_HOST="localhost:8000").status_code == 200
    assert client.get(URL, HTTP_HOST="localhost:443", secure=True).status_code == 301

import contextlib
import json
import os
import re

import pytest
from django.core.cache import cache

from tests import demo_rows
from tests.factories import CategoryFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def _jinja2_renders_are_recorded():
    """The test client fills ``response.templates`` and ``response.context``
    from Django's ``template_rendered`` signal, which only Django's own engine
    sends (Django instruments it for tests). Send it for the Jinja2 pages too."""
    from django.template.backends import jinja2 as backend
    from django.test.signals import template_rendered

    original = backend.Template.render

    def render(self, context=None, request=None):
        context = {} if context is None else context
        html = original(self, context, request)  # adds request, csrf, processors
        template_rendered.send(sender=self, template=self.template, context=context)
        return html

    backend.Template.render = render
    yield
    backend.Template.render = original


#: What renders kept for everyone read without declaring a tag that stands
#: for it, as (table, the render's tags): filled by ``_undeclared_reads_audit``.
UNDECLARED_READS = []


@pytest.fixture(autouse=True, scope="session")
def _undeclared_reads_audit():
    """While a page, hole or data entry is rendered to be kept for everyone
    (its render has a write clock), record the tables its queries read; when
    the render ends, each table must map (an app's ``cache.READS``) to a
    tag family the render declared. Forgetting a tag (a new count printed
    outside its hole, say) fails the test that renders it, instead of
    leaving a page stale after every test passed."""
    from importlib import import_module

    from django.apps import apps
    from django.db.backends import utils

    from core.cache import tags

    families = {}
    for app in apps.get_app_configs():
        try:
            module = import_module(f"{app.name}.cache")
        except ModuleNotFoundError:
            continue
        for label, names in getattr(module, "READS", {}).items():
            families[apps.get_model(label)._meta.db_table] = set(names)

    reads = {}  # id(render) -> tables read while it was the current render
    table = re.compile(r'\b(?:FROM|JOIN)\s+"([^"]+)"')
    real_execute, real_rendering = utils.CursorWrapper.execute, tags.rendering

    def execute(self, sql, params=None):
        render = tags.current()
        if (
            render is not None
            and id(render) in reads
            and sql.lstrip().startswith(("SELECT", "WITH"))
        ):
            reads[id(render)].update(table.findall(sql))
        return real_execute(self, sql, params)

    @contextlib.contextmanager
    def rendering(clock, *, inherit=True):
        with real_rendering(clock, inherit=inherit) as render:
            if clock is None:
                yield render
                return
            reads[id(render)] = set()
            try:
                yield render
            finally:
                read = reads.pop(id(render))
        declared = {tag.split(":")[0] for tag in render.tags}
        for name in sorted(read) if declared else ():  # nothing declared: never kept
            if not families.get(name, set()) & declared:
                UNDECLARED_READS.append((name, sorted(render.tags)))

    utils.CursorWrapper.execute = execute
    tags.rendering = rendering
    yield
    utils.CursorWrapper.execute = real_execute
    tags.rendering = real_rendering


@pytest.fixture(autouse=True)
def _no_undeclared_reads():
    UNDECLARED_READS.clear()
    yield
    found, UNDECLARED_READS[:] = list(UNDECLARED_READS), []
    if found:
        pytest.fail(
            "Rendered for the cache, read without declaring a tag that stands for it "
            f"(an app's cache.READS): {found[:5]}"
        )


@pytest.fixture
def demo(db, _demo_rows):
    """The demo catalogue, as the real command loads it (tests/demo_rows.py)."""
    demo_rows.write(_demo_rows)


@pytest.fixture(scope="session")
def _demo_rows(django_db_setup, django_db_blocker):
    """The rows the demo adds to this process's empty test database, read once."""
    with django_db_blocker.unblock():
        return demo_rows.written_by_load_demo()


@pytest.fixture
def member(db):
    return UserFactory(username="member")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from core.cache import tags
    from frameworks import moderation

    cache.clear()
    moderation._checked_origins.clear()  # what this process remembers of the cache
    tags._today[0] = None
    yield
    cache.clear()


@pytest.fixture
def frozen_ratelimit_clock(monkeypatch):
    """Pins the rate limiter's clock 5 s into a day (so into every window):
    a limit never straddles two windows, and Retry-After is the window - 5 s."""
    from types import SimpleNamespace

    from core import ratelimit

    now = 1_799_971_200 + 5  # a multiple of 86400, plus 5 seconds
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: float(now)))
    return now


@pytest.fixture
def framework_add_data(admin_client):
    """The framework admin's add form, filled in as a curator would."""
    from frameworks.models import Framework
    from tests.admin_helpers import admin_url, form_data

    category = CategoryFactory()
    data = form_data(admin_client.get(admin_url(Framework, "add")))
    data.update(name="Django", slug="django", category=str(category.pk), is_published="on")
    return data


@pytest.fixture
def media(settings):
    """An empty media storage (in memory) for this test: default_storage."""
    from django.core.files.storage import default_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return default_storage


@pytest.fixture
def page_cache(settings):
    """The anonymous page cache and the data cache, switched on."""
    settings.PAGE_CACHE = True


@pytest.fixture
def routed(settings, monkeypatch):
    """The router and its middleware on, as DATABASE_REPLICA_URL turns them on."""
    settings.DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
    at = settings.MIDDLEWARE.index("core.cache.pages.AnonymousPageCacheMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], "core.replica.ReplicaMiddleware",
                           *settings.MIDDLEWARE[at:]]  # fmt: skip
    settings.REPLICA_LAG = 5
    from core import replica

    monkeypatch.setattr(replica, "health", replica.Health())


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write and its on-commit callbacks, as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


#: The demo's cached pages, by what they show (see comparison/cache.py).
DEMO_PAGES = {
    "home": "/",
    "catalogue": "/frameworks/",
    "compare index": "/compare/",
    "django": "/frameworks/django/",
    "flask": "/frameworks/flask/",
    "bottle": "/frameworks/bottle/",
    "django vs flask": "/compare/django-vs-flask/",
    "django vs flask, sources": "/compare/django-vs-flask/?details=1",
    "fastapi vs flask": "/compare/fastapi-vs-flask/",
    "django vs laravel vs nodejs": "/compare/django-vs-laravel-vs-nodejs/",
    "microframeworks": "/categories/microframeworks/",
    "full-stack frameworks": "/categories/full-stack-frameworks/",
}


@pytest.fixture
def cached_pages(client, demo, page_cache):
    """Warms every demo page; ``stale()`` then names the pages whose next
    anonymous request misses (and warms them again)."""
    from django.test import Client, override_settings

    from frameworks.models import Decision, Framework

    pages = dict(DEMO_PAGES)
    # A decision's own page: the demo's first post about Django and Flask.
    about = Framework.objects.filter(slug__in=["django", "flask"])
    decision = Decision.objects.published().about(about).order_by("pk").first()
    pages["decision"] = decision.get_absolute_url()

    def warm():
        for url in pages.values():
            assert client.get(url).status_code == 200, url

    def stale():
        reader = Client()  # a fresh anonymous reader
        missed = set()
        for name, url in pages.items():
            response = reader.get(url)
            assert response.status_code == 200, url
            if response["X-Cache"] == "miss":
                missed.add(name)
            # Hit or miss, the page is exactly what a render now shows (live
            # figures filled in, lists in their current order).
            with override_settings(PAGE_CACHE=False):
                rendered = Client().get(url).content.decode()
            assert response.content.decode() == rendered, f"{url} is not exact"
        return missed

    warm()
    assert stale() == set(), "every page is cached once warmed"
    stale.all = set(pages)
    stale.decision = decision
    return stale


@pytest.fixture
def hole_renders(monkeypatch):
    """The names of the holes rendered for everyone (not for a member)
    since the fixture started, in order: ``hole_renders()``."""
    from core.cache import holes

    rendered = []
    real = holes._render

    def render(keys, request, *, clock):
        if request is None:
            rendered.extend(json.loads(key)[0] for key in keys)
        return real(keys, request, clock=clock)

    monkeypatch.setattr(holes, "_render", render)
    return lambda: list(rendered)


@pytest.fixture
def redis_down(settings):
    """Redis configured but unreachable: a closed port on loopback."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    settings.SESSION_ENGINE = "core.sessions"
    settings.PAGE_CACHE = True
    from core.cache import store

    store._last_warning = 0.0  # the outage is logged again, whatever tests came before


def redis_test_url():
    """A Redis database of this test process's own: clearing the cache empties
    the whole database, so parallel workers (pytest-xdist's gw0, gw1, ...)
    must never share one. Databases 3 and 6-15; the benchmarks use 5."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    number = 6 + int(worker.removeprefix("gw")) % 10 if worker else 3
    return f"redis://127.0.0.1:6379/{number}"


def use_cache(settings, name, tmp_path):
    """Point the default cache at one of the backends the settings can pick
    (``locmem``: one worker; ``files``: several workers without Redis;
    ``redis``), empty under a key prefix of its own; a generator for
    fixtures (``yield from``), which empties it again afterwards."""
    backends = {
        "locmem": ("django.core.cache.backends.locmem.LocMemCache", f"test-{tmp_path.name}"),
        "files": ("core.cache_backends.SharedFileCache", str(tmp_path)),
        "redis": ("core.cache_backends.ReusedClientRedisCache", redis_test_url()),
    }
    backend, location = backends[name]
    settings.CACHES = {
        "default": {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": tmp_path.name}
    }
    cache.clear()
    yield name
    cache.clear()

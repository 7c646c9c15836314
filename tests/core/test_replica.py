"""The read replica (core.replica): which reads it serves, and the fallback.

The replica here is a second test database of the same engine (a second
SQLite file, or a second PostgreSQL database) holding a copy of the rows
that differs from the primary's in one field, so a page shows which
database served it.
"""

import copy
import json
import time

import pytest
from django.db import connections, transaction
from django.test import Client

from core import replica
from core.cache import tags
from frameworks.models import Framework
from tests.conftest import use_cache
from tests.factories import FrameworkFactory, UserFactory
from tests.test_settings import run

PRIMARY_TAGLINE = "Read from the primary."
REPLICA_TAGLINE = "Read from the replica."


def _use_replica(settings_dict):
    connections.settings[replica.REPLICA] = settings_dict
    if hasattr(connections._connections, replica.REPLICA):
        del connections[replica.REPLICA]


def _forget_replica():
    if hasattr(connections._connections, replica.REPLICA):
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
    connections.settings.pop(replica.REPLICA, None)


@pytest.fixture(scope="module")
def replica_database(django_db_setup, django_db_blocker):
    """A second test database, migrated, as the ``replica`` alias."""
    default = copy.deepcopy(connections.settings["default"])
    name = default["NAME"]
    if default["ENGINE"].endswith("sqlite3"):
        name = str(name).replace(".sqlite3", "") + "-replica.sqlite3"
    else:
        name += "_replica"
    default["TEST"] = {**default["TEST"], "NAME": name, "MIRROR": None}
    _use_replica(default)
    with django_db_blocker.unblock():
        created = connections[replica.REPLICA].creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
    yield created
    with django_db_blocker.unblock():
        connections[replica.REPLICA].creation.destroy_test_db(created, verbosity=0)
    _forget_replica()


def written(seconds_ago):
    """The last bump as the write clock records it, ``seconds_ago``."""
    from django.core.cache import cache

    cache.set(tags.WRITTEN_KEY, time.time_ns() // 1_000_000 - seconds_ago * 1000, None)


@pytest.fixture
def two_copies(replica_database, routed):
    """A published framework, its tagline differing between the two copies."""
    framework = FrameworkFactory(tagline=PRIMARY_TAGLINE)
    for row in (framework.category, framework):
        row = copy.copy(row)
        if isinstance(row, Framework):
            row.tagline = REPLICA_TAGLINE
        type(row).objects.using(replica.REPLICA).bulk_create([row])
    return framework


def served_by(client, framework):
    response = client.get(framework.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert (PRIMARY_TAGLINE in page) != (REPLICA_TAGLINE in page)
    return "replica" if REPLICA_TAGLINE in page else "primary"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_anonymous_reads_use_the_replica_when_no_write_is_recent(two_copies):
    written(seconds_ago=60)

    assert served_by(Client(), two_copies) == "replica"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_recent_write_anywhere_sends_anonymous_reads_to_the_primary(two_copies):
    written(seconds_ago=1)  # within REPLICA_LAG: the replica may lack it

    assert served_by(Client(), two_copies) == "primary"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_an_unknown_last_write_reads_the_primary(two_copies):
    # The key is missing (Redis restarted, evicted): it is started now.
    assert served_by(Client(), two_copies) == "primary"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_bump_records_the_write(two_copies):
    written(seconds_ago=60)
    assert served_by(Client(), two_copies) == "replica"

    tags.bump(f"framework:{two_copies.pk}")  # a vote, an edit...

    assert served_by(Client(), two_copies) == "primary"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_members_read_the_primary(two_copies):
    written(seconds_ago=60)
    client = Client()
    client.force_login(UserFactory())

    assert served_by(client, two_copies) == "primary"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_client_that_wrote_reads_the_primary_for_the_window(two_copies, settings):
    written(seconds_ago=60)
    client = Client()
    assert served_by(client, two_copies) == "replica"

    response = client.post("/accounts/logout/")  # any write, even an anonymous one

    cookie = response.cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == settings.REPLICA_LAG
    assert cookie["httponly"]
    assert served_by(client, two_copies) == "primary"
    del client.cookies[replica.PIN_COOKIE]  # as the browser does when it expires
    assert served_by(client, two_copies) == "replica"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_cache_fills_after_a_vote_read_the_primary(two_copies, page_cache):
    """A replica that lags behind a vote must not fill the shared page cache:
    right after a bump the page is rendered from the primary, and the entry
    it leaves is what later readers get."""
    written(seconds_ago=60)
    tags.bump(f"framework:{two_copies.pk}")  # the vote; the replica lacks it

    first = Client().get(two_copies.get_absolute_url())
    again = Client().get(two_copies.get_absolute_url())

    assert first["X-Cache"] == "miss"
    assert again["X-Cache"] == "hit"
    assert PRIMARY_TAGLINE in again.content.decode()


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_router_sends_writes_transactions_and_requestless_reads_to_the_primary(two_copies):
    router = replica.ReplicaRouter()
    written(seconds_ago=60)

    assert router.db_for_write(Framework) == "default"
    assert router.db_for_read(Framework) == "default"  # a command, no request
    assert router.allow_migrate("replica", "frameworks") is False
    token = replica._choice.set("maybe")
    try:
        with transaction.atomic():
            assert router.db_for_read(Framework) == "default"
        assert router.db_for_read(Framework) == "replica"
    finally:
        replica._choice.reset(token)


@pytest.fixture(params=["locmem", "files", "redis"])
def any_cache(request, settings, tmp_path):
    yield from use_cache(settings, request.param, tmp_path)


def test_every_cache_records_when_a_tag_was_bumped(any_cache):
    from django.core.cache import cache

    before = time.time_ns() // 1_000_000
    tags.bump("framework:1")
    after = time.time_ns() // 1_000_000

    # The file cache's clock may run a little ahead of the wall clock.
    assert before <= cache.get(tags.WRITTEN_KEY) <= after + 1000


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_render_read_from_the_replica_is_not_kept_after_a_recent_write(two_copies):
    """A request chose the replica while all was quiet; a vote then bumped
    a tag, and a hole read the clock after it: its render read a replica
    that may lack the vote, so it is not kept (a render of the primary is)."""
    token = replica._choice.set("maybe")
    try:
        written(seconds_ago=60)
        assert replica.ReplicaRouter().db_for_read(Framework) == "replica"
        clock = tags.read_clock()
        with tags.rendering(clock, inherit=False) as render:
            tags.depends_on(f"framework:{two_copies.pk}")
        assert tags.versions(render) != [None]  # quiet: kept

        written(seconds_ago=1)  # the vote

        assert tags.versions(render) == [None]
        replica._choice.set("primary")
        assert tags.versions(render) != [None]
    finally:
        replica._choice.reset(token)


PRINT_ROUTING = [
    "-c",
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps({'replica': settings.DATABASES.get('replica'), "
    "'routers': settings.DATABASE_ROUTERS, 'middleware': settings.MIDDLEWARE}, default=str))",
]


def routing_settings(**env):
    result = run(PRINT_ROUTING, SECRET_KEY="x" * 50, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_database_replica_url_adds_the_alias_router_and_middleware():
    found = routing_settings(
        DATABASE_URL="postgres://site@primary/site",
        DATABASE_REPLICA_URL="postgres://site@replica:5433/site",
    )

    assert (found["replica"]["HOST"], found["replica"]["PORT"]) == ("replica", 5433)
    # A replica down costs a request at most a second.
    assert found["replica"]["OPTIONS"]["pool"]["timeout"] == 1
    assert found["replica"]["OPTIONS"]["connect_timeout"] == 1
    assert found["routers"] == ["core.replica.ReplicaRouter"]
    middleware = found["middleware"]
    assert middleware.index("core.replica.ReplicaMiddleware") + 1 == middleware.index(
        "core.cache.pages.AnonymousPageCacheMiddleware"
    )


def test_without_a_replica_nothing_routes():
    found = routing_settings()

    assert found["replica"] is None
    assert found["routers"] == []
    assert "core.replica.ReplicaMiddleware" not in found["middleware"]

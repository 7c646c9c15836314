"""The read replica down: reads fall back to the primary, with one warning.

Its own module: the replica alias here points where nothing answers, and
no other test's replica database may be configured at the same time.
"""

import copy
import logging

import pytest
from django.db import connections
from django.test import Client

from core import replica
from tests.core.test_replica import PRIMARY_TAGLINE, written
from tests.factories import FrameworkFactory


@pytest.fixture(scope="module", autouse=True)
def replica_alias():
    """A ``replica`` alias, there before the test case is set up (which
    checks the aliases it names); a mirror of the primary, so it is not
    flushed after."""
    alias = copy.deepcopy(connections.settings["default"])
    alias["TEST"] = {**alias["TEST"], "MIRROR": "default"}
    connections.settings[replica.REPLICA] = alias
    yield
    if hasattr(connections._connections, replica.REPLICA):
        del connections[replica.REPLICA]
    connections.settings.pop(replica.REPLICA)


@pytest.fixture
def replica_down(routed):
    """The alias pointing where nothing answers, once the test case is set up."""
    broken = connections[replica.REPLICA].settings_dict
    if broken["ENGINE"].endswith("sqlite3"):
        broken["NAME"] = "/nonexistent/folder/replica.sqlite3"
    else:
        broken.update(HOST="127.0.0.1", PORT=9)  # a closed port
        broken["OPTIONS"] = {"connect_timeout": 1}


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_with_the_replica_down_reads_fall_back_with_one_warning(replica_down, caplog):
    framework = FrameworkFactory(tagline=PRIMARY_TAGLINE)
    written(seconds_ago=60)

    with caplog.at_level(logging.WARNING, logger="core.replica"):
        for _ in range(3):
            response = Client().get(framework.get_absolute_url())
            assert response.status_code == 200
            assert PRIMARY_TAGLINE in response.content.decode()

    warnings = [r for r in caplog.records if r.name == "core.replica"]
    assert len(warnings) == 1
    assert "reading the primary" in warnings[0].getMessage()
    assert "not allowed" not in warnings[0].getMessage()  # a real failure, not the harness


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_replica_that_fails_during_the_view_is_retried_on_the_primary(
    replica_down, caplog, monkeypatch
):
    """It answered the request's check, then went down: the reader still
    gets the page, from the primary, and the replica is left alone."""
    framework = FrameworkFactory(tagline=PRIMARY_TAGLINE)
    written(seconds_ago=60)
    monkeypatch.setattr(replica.Health, "usable", lambda self: True)

    with caplog.at_level(logging.WARNING, logger="core.replica"):
        response = Client().get(framework.get_absolute_url())

    assert response.status_code == 200
    assert PRIMARY_TAGLINE in response.content.decode()
    assert replica.health.down_until > 0
    assert [r.name for r in caplog.records if r.name == "core.replica"] == ["core.replica"]

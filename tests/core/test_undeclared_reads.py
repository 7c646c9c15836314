"""The audit of undeclared reads (tests/conftest.py): a page, hole or data
entry kept for everyone that reads a table without declaring a tag standing
for it fails its test, so a count printed without its tag cannot go stale
while every test passes."""

import pytest
from django.test import Client

from history.models import Watch
from pages import selectors
from tests import conftest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_count_added_to_a_page_without_its_tag_is_caught(client, demo, page_cache, monkeypatch):
    """The experiment of issue 27: "N watching" on the framework page."""
    real = selectors.framework_page

    def with_watchers(slug):
        page = real(slug)
        page.watching = Watch.objects.filter(framework=page.framework).count()
        return page

    monkeypatch.setattr(selectors, "framework_page", with_watchers)
    client.get("/frameworks/django/")
    caught = [table for table, _ in conftest.UNDECLARED_READS]
    conftest.UNDECLARED_READS.clear()  # expected here: the audit must not fail this test
    assert caught == ["history_watch"]


def test_members_pages_are_not_audited(demo, page_cache):
    """A member's page is never kept: it may read their own rows freely."""
    member = Client()
    member.force_login(UserFactory())
    assert member.get("/frameworks/django/").status_code == 200
    assert conftest.UNDECLARED_READS == []

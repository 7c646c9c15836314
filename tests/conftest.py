import pytest
from django.core.management import call_command

from tests.factories import CategoryFactory, UserFactory


@pytest.fixture
def demo(db):
    """The demo catalogue, loaded by the real command."""
    call_command("load_demo", verbosity=0)


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

    cache.clear()
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

import pytest
from django.core.management import call_command

from tests.factories import UserFactory


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

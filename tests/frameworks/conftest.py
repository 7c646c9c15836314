import pytest

from tests.fakeapi import FakeApis


@pytest.fixture
def fake_apis(settings):
    """GitHub, PyPI, pypistats and npm played by a server on 127.0.0.1; the
    settings point every base URL at it, and retries do not wait."""
    apis = FakeApis().start()
    for name, url in apis.urls.items():
        setattr(settings, name, url)
    settings.GITHUB_TOKEN = ""
    settings.SYNC_TIMEOUT = 0.5
    settings.SYNC_RETRIES = 2
    settings.SYNC_BACKOFF = 0.01
    yield apis
    apis.stop()

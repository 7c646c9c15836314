"""Error pages: the site's own page for every error, never a bare 500.

A form body in a charset Django refuses (``charset=latin-1``) makes the CSRF
check raise ``BadRequest``. Django's default 400 and 500 handlers run the
CSRF check again, read the body again and raise again: a bare 500.
"""

import http.client
import logging
from urllib.parse import urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LATIN1_FORM = "application/x-www-form-urlencoded; charset=latin-1"
CSRF_COOKIE = "a" * 32
PATHS = ["/", "/accounts/login/", "/accounts/signup/", "/admin/login/", "/procons/1/vote/"]
BAD_REQUEST_TEXT = "We could not understand that request"


def post_latin1(path):
    # enforce_csrf_checks: the CSRF middleware is what reads the body first;
    # raise_request_exception (the default) re-raises anything unhandled.
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_COOKIE
    return client.post(path, "a=b", content_type=LATIN1_FORM)


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", PATHS)
def test_a_form_body_in_another_charset_gets_the_sites_400_page(settings, path, debug):
    # With DEBUG on (make run) Django's technical error page read the body too.
    settings.DEBUG = debug
    response = post_latin1(path)

    assert response.status_code == 400
    assert "400.html" in [t.name for t in response.templates]
    assert BAD_REQUEST_TEXT in response.content.decode()


def test_a_latin1_post_to_a_missing_page_gets_the_400_page():
    response = post_latin1("/no-such-page/")

    assert response.status_code == 400
    assert BAD_REQUEST_TEXT in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_a_broken_multipart_body_gets_the_sites_400_page(settings, debug):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_COOKIE

    response = client.post(
        "/accounts/login/", b"--x\r\nbroken", content_type="multipart/form-data; boundary="
    )

    assert response.status_code == 400
    assert BAD_REQUEST_TEXT in response.content.decode()


def test_error_pages_keep_their_messages(client):
    response = client.get("/frameworks/no-such-framework/")

    assert response.status_code == 404
    assert "no-such-framework" in response.content.decode()


@pytest.mark.parametrize("path", PATHS)
def test_over_http_a_latin1_post_gets_the_400_page_without_a_traceback(live_server, path):
    url = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request(
        "POST",
        path,
        body=b"a=b",
        headers={"Content-Type": LATIN1_FORM, "Cookie": f"csrftoken={CSRF_COOKIE}"},
    )
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()

    assert response.status == 400
    assert BAD_REQUEST_TEXT in body
    assert "Traceback" not in body
    assert "BadRequest" not in body


def test_a_request_for_a_host_we_do_not_serve_gets_400_and_one_log_line(client, caplog):
    # Scanners send foreign Host headers all day; each is answered 400 and
    # logged by django.security.DisallowedHost. The line names the host; a
    # traceback of the middleware that asked for it would bury the log.
    with caplog.at_level(logging.ERROR, logger="django.security.DisallowedHost"):
        response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert BAD_REQUEST_TEXT in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert "evil.example" in record.getMessage()
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


# --- control characters in the address (the text policy, core/text.py) --------

CONTROL_ADDRESSES = [
    "/frameworks/?q=%00abc",
    "/compare/django-vs-flask/?w-%00x=1",
    "/compare/django-vs-flask/?w-url-routing=%00",
    "/members/us%00er/",  # a DataError on PostgreSQL before
    "/frameworks/?q=%01abc",
    "/frameworks/dj%1Bango/",
]


@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "page cache"])
@pytest.mark.parametrize("address", CONTROL_ADDRESSES)
def test_an_address_with_a_control_character_gets_400_and_one_log_line(
    demo, settings, caplog, address, cached
):
    # The page cache is where a NUL in the query string used to be a 500.
    settings.PAGE_CACHE = cached
    with caplog.at_level(logging.INFO):
        response = Client().get(address)

    assert response.status_code == 400
    assert BAD_REQUEST_TEXT in response.content.decode()
    [record] = caplog.records
    assert record.getMessage().startswith("Bad request (control character in the address): ")
    assert record.exc_info is None
    assert "\x00" not in record.getMessage()


def test_the_log_line_of_a_long_address_stays_short(caplog):
    with caplog.at_level(logging.INFO):
        response = Client().get("/frameworks/", {"q": "\x00" + "x" * 5000})

    assert response.status_code == 400
    [record] = caplog.records
    assert len(record.getMessage()) < 300


@pytest.mark.parametrize("value", ["\t", "\n", "\r", "caf\u00e9", "\x7f"])
def test_tab_lf_cr_and_other_characters_in_a_query_are_no_bad_request(demo, value):
    response = Client().get("/frameworks/", {"q": f"django{value}"})

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["sessionid", "csrftoken", "messages"])
def test_a_cookie_holding_a_control_character_is_ignored(demo, member_client, name):
    # On PostgreSQL a session key with a NUL was a DataError on every page.
    member_client.cookies[name] = "abcdefgh\x00ijklmnop"

    response = member_client.get("/frameworks/django/")

    assert response.status_code == 200
    assert response.wsgi_request.COOKIES.get(name) is None

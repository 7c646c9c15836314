"""The reader's weights: the GET form works with JavaScript off, lands on
a shareable URL and shows the scores; the embed card renders in a frame."""

import http.server
import re
import threading

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

URL = "/compare/django-vs-flask/"


def test_the_weights_form_submits_without_javascript(new_context, screenshot):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(URL + "#weigh")

    form = page.locator("form.weights-form")
    form.get_by_label("URL routing").select_option("3")
    form.get_by_label("ORM and databases").select_option("0")
    form.get_by_role("button", name="Score with these weights").click()

    expect(page).to_have_url(re.compile(r"w-url-routing=3&.*w-orm-databases=0.*#weigh$"))
    scores = page.locator("#weigh .scores")
    flask = scores.locator(".scores__item", has_text="Flask")
    expect(flask.locator(".scores__sum code")).to_contain_text("3×0 + 1×1")
    expect(flask.locator(".scores__sum code")).to_contain_text("= 2.5 of 7 possible")
    expect(page.locator("#weigh")).to_contain_text("Scores with your weights")
    expect(page.get_by_label("URL routing")).to_have_value("3")
    screenshot(page.locator("#weigh"), "weights-no-js")

    # The URL is the result: opening it again shows the same scores.
    shared = new_context().new_page()
    shared.goto(page.url)
    expect(shared.locator("#weigh .scores__item", has_text="Flask")).to_contain_text("3×0")


@pytest.fixture
def other_site(site):
    """Another origin on this machine (a plain HTTP server on 127.0.0.1)
    whose one page frames the embed card of ``site``. A route Playwright
    fulfils would not do: Chromium treats it as a public page, and blocks a
    public page from framing a local one before CSP has a say."""
    page = (
        f'<!doctype html><html lang="en"><title>A blog post</title>'
        f'<iframe src="{site}/compare/django-vs-flask/embed/" title="Django vs Flask" '
        'width="600" height="400"></iframe></html>'
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_embed_card_renders_inside_another_sites_frame(page, other_site, page_errors):
    page.goto(other_site)

    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Django vs Flask")).to_be_visible()
    expect(frame.get_by_role("link", name=re.compile("Full comparison"))).to_have_attribute(
        "target", "_blank"
    )
    assert not page_errors


def test_other_pages_refuse_to_render_in_a_frame(page, site, other_site):
    """The same frame pointed at the full comparison page stays empty."""
    page.goto(other_site)
    page.locator("iframe").evaluate(
        "(frame, url) => { frame.src = url; }", f"{site}/compare/django-vs-flask/"
    )
    page.wait_for_timeout(1000)
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Django vs Flask")).to_have_count(0)

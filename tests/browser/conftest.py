"""Browser tests: Debian's chromium driven by Playwright against live_server.

Every test here is marked ``browser`` (``-m "not browser"`` leaves them out).
Without chromium or the playwright package they are skipped, unless
REQUIRE_BROWSER=1 (as in CI): then they fail. Playwright never downloads a
browser: it launches the chromium found on PATH (Debian's /usr/bin/chromium).
Screenshots land in test-output/screenshots/ (gitignored).
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests import demo_rows
from tests.factories import UserFactory

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
#: axe-core from npm (package.json; `make test` and CI run `npm ci`).
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}
#: The phone Lighthouse emulates (a Moto G Power).
LIGHTHOUSE_MOBILE = {"width": 412, "height": 823}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: For actions and expect(): long enough for a busy CI machine, short of
#: Playwright's 30 s for actions, so a broken page fails fast.
TIMEOUT_MS = 10_000

#: What a member types into the sign-up and login forms.
PASSWORD = "plum-Sofa-glacier-42"


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config, items):
    # Hooks in a conftest see every collected item: mark only those in here.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


# One Playwright driver and one chromium for all the browser tests. Their
# scope is this package, the browser tests' "session": while Playwright runs,
# an asyncio loop runs in the main thread, and the tests after these (the rest
# of the suite) must get Django's async-safety check and a clean environment
# back, so both end with the last browser test.
@pytest.fixture(scope="package")
def playwright():
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[browser]')")
    expect.set_options(timeout=TIMEOUT_MS)
    # Django refuses ORM calls while it sees a running event loop. The ORM
    # calls here (fixtures, database checks) are plain synchronous code in
    # this thread, so the check is lifted for as long as Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as manager:
            yield manager
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def _plain_http_cookies(settings):
    """With DEBUG off the settings mark session and CSRF cookies Secure; the
    live server speaks plain http, where a browser may drop them (Chromium
    keeps them for localhost only), and logging in would silently fail."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def site(live_server, transactional_db, _plain_http_cookies, _demo_rows):
    """The live server's base URL, with the demo catalogue (live_server
    flushes the database after every test)."""
    demo_rows.write(_demo_rows)
    return live_server.url


@pytest.fixture
def new_context(browser, site):
    """Opens browser contexts on the live site; closes them after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        # No smooth scrolling: a scroll lands at once.
        options.setdefault("reduced_motion", "reduce")
        context = browser.new_context(base_url=site, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def mobile_page(new_context):
    """A page in a phone-sized context (375 x 812, touch)."""
    return new_context(viewport=MOBILE, is_mobile=True, has_touch=True).new_page()


@pytest.fixture
def page_errors(page):
    """Uncaught script errors and console errors of ``page`` (CSP
    violations among them), for tests that expect none."""
    errors = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return errors


@pytest.fixture
def screenshot():
    """Saves a screenshot under test-output/screenshots/: the full page of
    a Page, or just the element of a Locator."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(target, name):
        path = SCREENSHOTS / f"{name}.png"
        is_page = hasattr(target, "goto")
        target.screenshot(path=str(path), **({"full_page": True} if is_page else {}))
        return path

    return save


@pytest.fixture
def known_member(site):
    """A member who signed up a month ago (past the review window of new
    accounts' posts), with a password to log in with."""
    return UserFactory(
        username="returning",
        password=PASSWORD,
        date_joined=timezone.now() - timedelta(days=30),
    )


@pytest.fixture
def sign_up():
    """A new member fills in the real sign-up form and lands logged in."""
    from playwright.sync_api import expect

    def sign_up(page, username):
        page.goto("/accounts/signup/")
        form = page.locator("main form")
        form.get_by_label("Username").fill(username)
        form.get_by_label("Email").fill(f"{username}@example.com")
        form.get_by_label("Password", exact=True).fill(PASSWORD)
        form.get_by_label("Password confirmation").fill(PASSWORD)
        form.get_by_role("button", name="Sign up").click()
        expect_signed_in(page, username)
        expect(page.locator(".messages")).to_contain_text(f"Welcome, {username}!")

    return sign_up


@pytest.fixture
def log_in():
    """Fills in the login form open in ``page`` and submits it."""

    def log_in(page, username, password=PASSWORD):
        form = page.locator("main form")
        form.get_by_label("Username").fill(username)
        form.get_by_label("Password").fill(password)
        form.get_by_role("button", name="Log in").click()
        expect_signed_in(page, username)

    return log_in


def expect_signed_in(page, username):
    """The header's account menu names the member (its list, closed or open,
    says "Signed in as <username>")."""
    from playwright.sync_api import expect

    expect(page.locator(".account-menu__user")).to_have_text(f"Signed in as {username}")


def comparison_figure(page, label, framework, column):
    """What a comparison page shows as ``label`` ("Votes", "Followers") of
    ``framework``: on its card, and in its table's ``column`` (1 = first
    framework)."""
    card = page.locator(".framework-card").filter(
        has=page.get_by_role("heading", name=framework, exact=True)
    )
    row = page.locator("#comparison tr").filter(has=page.get_by_role("rowheader", name=label))
    return card.locator(".stat").filter(has_text=label).locator("dd"), row.locator("td").nth(
        column - 1
    )


@pytest.fixture
def axe(browser):
    """Runs axe-core on a page and returns its violations as short lines
    (rule, impact, the offending elements), empty when there are none.

    axe comes from npm (node_modules/, installed by `npm ci`); without it the
    tests are skipped locally and fail under REQUIRE_BROWSER=1. The pages
    forbid inline scripts, so contexts that use this need ``bypass_csp``.
    """
    if not AXE_SCRIPT.is_file():
        _unavailable(f"{AXE_SCRIPT.relative_to(REPO_ROOT)} is missing (run `npm ci`)")

    def run(page, context=None, rules=None):
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(path=str(AXE_SCRIPT))
        # target-size (WCAG 2.2 2.5.8, 24 px) is off in axe by default;
        # Lighthouse checks it on a phone, and so do these tests.
        options = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
        if rules:
            options["runOnly"] = {"type": "rule", "values": rules}
        results = page.evaluate(
            "([context, options]) => axe.run(context || document, options)", [context, options]
        )
        return [
            f"{rule['id']} ({rule['impact']}): {rule['help']} at "
            + "; ".join(" ".join(map(str, node["target"])) for node in rule["nodes"][:5])
            + (f" and {len(rule['nodes']) - 5} more" if len(rule["nodes"]) > 5 else "")
            for rule in results["violations"]
        ]

    return run

"""Layout at a phone's width (375 px) and a laptop's (1280 px): the header
is one row, signed in or not, and its account menu shows the username in
full; no public page scrolls sideways on a phone."""

import pytest

from frameworks.models import Decision
from tests.browser.conftest import DESKTOP, MOBILE, PASSWORD, expect_signed_in
from tests.factories import UserFactory

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

#: Long enough to have been cut ("maria_…") in the old header.
USERNAME = "maria_gonzalez"
WIDTHS = pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["375px", "1280px"])

#: Whether the header's shown items share one line, and its height beside
#: its tallest item's.
HEADER_ROW = """() => {
  const inner = document.querySelector(".site-header__inner");
  const items = [...inner.children]
    .filter((item) => item.getClientRects().length)
    .map((item) => item.getBoundingClientRect());
  const style = getComputedStyle(inner);
  const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
  return {
    items: items.length,
    oneLine: Math.max(...items.map((r) => r.top)) < Math.min(...items.map((r) => r.bottom)),
    height: inner.getBoundingClientRect().height - padding,
    tallest: Math.max(...items.map((r) => r.height)),
  };
}"""

#: How far the document reaches beyond the window, and what pokes out.
OVERFLOW = """() => {
  const width = innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
  return {width, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def maria(site):
    return UserFactory(username=USERNAME, password=PASSWORD)


def _phone(new_context, **options):
    return new_context(viewport=MOBILE, is_mobile=True, has_touch=True, **options).new_page()


def _log_in(page, username=USERNAME):
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    expect_signed_in(page, username)


def _expect_one_row(page, path):
    row = page.evaluate(HEADER_ROW)
    assert row["items"] >= 4, (path, row)  # brand, nav, search, account
    assert row["oneLine"], (path, row)
    assert abs(row["height"] - row["tallest"]) < 1, (path, row)


@WIDTHS
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_the_header_is_one_row(new_context, maria, viewport, signed_in, screenshot):
    page = new_context(viewport=viewport).new_page()
    if signed_in:
        _log_in(page)
    for path in ("/", "/frameworks/django/", "/compare/django-vs-flask/"):
        page.goto(path)
        _expect_one_row(page, path)
    screenshot(page.locator(".site-header"), f"header-{viewport['width']}-{signed_in}")


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_the_header_is_one_row_at_widths_in_between(new_context, maria, signed_in):
    # Where its items change: the smallest phones, 34, 48 and 64rem.
    page = new_context().new_page()
    if signed_in:
        _log_in(page)
    page.goto("/frameworks/")
    for width in (360, 412, 543, 544, 767, 768, 1023, 1024):
        page.set_viewport_size({"width": width, "height": 800})
        _expect_one_row(page, f"{width}px")


@WIDTHS
def test_the_account_menu_shows_the_username_in_full(new_context, maria, viewport, screenshot):
    page = new_context(viewport=viewport).new_page()
    _log_in(page)
    page.goto("/frameworks/django/")
    menu = page.locator(".account-menu")
    menu.locator("summary").click()
    user = menu.get_by_role("link", name=f"Signed in as {USERNAME}", exact=True)
    expect(user).to_be_visible()
    for name in ("My suggestions", "Settings"):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    # Not cut: the name's box holds all of it, and the menu stays on screen.
    box = user.evaluate(
        """(link) => {
          const name = link.querySelector("strong");
          const menu = link.closest("ul").getBoundingClientRect();
          return {
            clipped: name.scrollWidth > name.clientWidth + 0.5
              || link.scrollWidth > link.clientWidth + 0.5,
            inside: menu.left >= 0 && menu.right <= innerWidth,
          };
        }"""
    )
    assert box == {"clipped": False, "inside": True}
    _expect_one_row(page, "with the menu open")
    screenshot(page.locator("body"), f"account-menu-{viewport['width']}")


def test_the_account_menu_works_from_the_keyboard(page, maria):
    _log_in(page)
    menu = page.locator(".account-menu")
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name=f"Signed in as {USERNAME}")).to_be_focused()
    # menu.js: Escape closes it and gives the focus back to its toggle...
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    # ... and a click elsewhere closes it too.
    summary.click()
    expect(menu).to_have_attribute("open", "")
    page.locator("main h1").click()
    expect(menu).not_to_have_attribute("open", "")


def test_the_account_menu_works_without_javascript(new_context, maria):
    page = new_context(java_script_enabled=False).new_page()
    _log_in(page)
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".site-auth").get_by_role("link", name="Log in")).to_be_visible()


#: One page of each public type, for visitors and for a member.
PUBLIC_PAGES = [
    "/",
    "/frameworks/",
    "/categories/full-stack-frameworks/",
    "/frameworks/django/",
    "/compare/",
    "/members/alvaro/",
    "/frameworks/django/changes/",
    "/compare/django-vs-flask/changes/",
    "/accounts/login/",
    "/accounts/signup/",
    "/api/",
    "/no-such-page/",  # the site's 404
    "/compare/django-vs-flsk/",  # the comparison 404
]
#: The comparison pages, with 2 and 4 frameworks (their table scrolls in
#: its own region).
COMPARISONS = ["/compare/django-vs-flask/", "/compare/bottle-vs-fastapi-vs-pyramid-vs-tornado/"]
#: Pages for members only.
MEMBER_PAGES = ["/frameworks/django/statistics/github_stars/suggest/", "/decisions/new/"]


def _overflowing(page, paths):
    found = []
    for path in paths:
        page.goto(path)
        measured = page.evaluate(OVERFLOW)
        # A phone widens its layout to fit what overflows: count that too.
        if max(measured["scrollWidth"], measured["width"]) > MOBILE["width"]:
            found.append(f"{path}: {measured}")
    return found


def _decision_page():
    return f"/decisions/{Decision.objects.order_by('pk').first().pk}/"


def test_no_public_page_scrolls_sideways_on_a_phone(new_context, maria):
    visitor = _phone(new_context)
    found = _overflowing(visitor, [*PUBLIC_PAGES, _decision_page()])
    member = _phone(new_context)
    _log_in(member)
    found += _overflowing(member, [*PUBLIC_PAGES, _decision_page(), *MEMBER_PAGES])
    assert found == []


@pytest.mark.parametrize("path", COMPARISONS, ids=["2-frameworks", "4-frameworks"])
def test_comparisons_do_not_scroll_sideways_on_a_phone(new_context, maria, path):
    visitor = _phone(new_context)
    member = _phone(new_context)
    _log_in(member)
    assert _overflowing(visitor, [path]) + _overflowing(member, [path]) == []

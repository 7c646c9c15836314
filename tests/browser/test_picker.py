"""The compare picker in a real browser: with JavaScript the boxes suggest
names as one types (from /frameworks/names.json); without it the form
submits what was typed and the server resolves it or says what it meant."""

import re

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None


def suggestions(page):
    return page.locator("datalist#framework-names option")


def choose(page, box, typed, name):
    """Type ``typed`` key by key and take the suggestion named ``name``."""
    box.press_sequentially(typed, delay=30)
    option = page.locator(f'datalist#framework-names option[value="{name}"]')
    expect(option).to_have_count(1)
    box.fill(option.get_attribute("value"))


def test_typing_in_the_picker_suggests_names_and_reaches_the_comparison(page, page_errors):
    lookups = []
    page.on(
        "request",
        lambda request: (
            lookups.append(request) if "/frameworks/names.json" in request.url else None
        ),
    )
    page.goto("/")
    # A cookie of the site, which the lookups must not carry.
    page.context.add_cookies([{"name": "probe", "value": "1", "url": page.url}])
    picker = page.locator("form.picker")
    first = picker.get_by_label("Framework 1")
    expect(first).to_have_attribute("list", "framework-names")

    choose(page, first, "djan", "Django")
    # Up to ten matches, slug prefixes first: "djan" offers Django alone.
    expect(suggestions(page)).to_have_count(1)
    choose(page, picker.get_by_label("Framework 2"), "fla", "Flask")
    picker.get_by_role("button", name="Compare").click()

    expect(page).to_have_url(re.compile(r"/compare/django-vs-flask/$"))
    expect(page.locator("h1")).to_have_text("Django vs Flask")
    assert lookups, "the suggestions came from the names endpoint"
    assert all("cookie" not in r.all_headers() for r in lookups), "asked without cookies"
    assert page_errors == []


def test_the_picker_works_without_javascript(new_context, screenshot):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/compare/")
    picker = page.locator("form.picker")
    picker.get_by_label("Framework 1").fill("fastapi")
    picker.get_by_label("Framework 2").fill("FLASK")
    picker.get_by_label("Framework 3").fill("Djngo")
    picker.get_by_role("button", name="Compare").click()

    # A typo: the form comes back with what was typed and the close match.
    box = page.locator("form.picker").get_by_label("Framework 3")
    expect(box).to_have_value("Djngo")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("form.picker .errorlist")).to_have_text(
        re.compile("We have no framework called “Djngo”. Did you mean Django\\?")
    )
    expect(page.locator("form.picker [role=alert]")).to_be_visible()
    screenshot(page.locator("form.picker"), "picker-no-js-error")

    box.fill("Django")
    page.locator("form.picker").get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"/compare/django-vs-fastapi-vs-flask/$"))
    expect(page.locator(".page-head__meta")).to_contain_text("Generated comparison of 3")


def test_the_version_picker_pins_a_series_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/compare/django-vs-flask/")
    picker = page.locator("form.version-picker")
    picker.get_by_label("Django").select_option("4.2")
    picker.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare/django-4.2-vs-flask/")
    row = page.locator("#criterion-orm-databases")
    expect(row.locator(".scope")).to_have_text("until 5.1")
    expect(page.locator("#series td").first).to_contain_text("4.2 LTS")
    picker.get_by_role("link", name="Latest versions").click()
    page.wait_for_url("**/compare/django-vs-flask/")

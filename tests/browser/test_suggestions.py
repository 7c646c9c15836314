"""A member suggests an edit of an assessment cell from the comparison page:
the form, its errors and the member's list pass axe in both colour schemes,
and the links to the form are named by what they edit."""

import pytest

from comparison.models import EditSuggestion

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None


@pytest.fixture(params=["light", "dark"])
def axe_page(request, new_context):
    return new_context(color_scheme=request.param, bypass_csp=True).new_page()


def test_suggesting_an_edit_is_accessible(axe_page, axe, known_member, log_in):
    page = axe_page
    page.goto("/accounts/login/?next=/compare/django-vs-flask/")
    log_in(page, known_member.username)
    # The edit links sit with the sources and dates, one switch away.
    page.get_by_role("link", name="Show sources and dates").click()
    page.get_by_role("link", name="Suggest an edit to Flask on ORM and databases").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Suggest an edit: Flask")
    assert axe(page) == []

    form = page.locator("main form")
    form.get_by_label("Proposed summary").fill("Flask-SQLAlchemy is the usual choice.")
    form.get_by_label("Why this change").fill("The docs recommend it.")
    form.get_by_label("Source link").fill("ftp://example.com/not-a-web-page")
    form.get_by_role("button", name="Send suggestion").click()
    expect(page.locator(".form-errors")).to_be_visible()
    expect(form.get_by_label("Source link")).to_have_attribute("aria-invalid", "true")
    assert axe(page) == []

    form.get_by_label("Source link").fill("https://flask-sqlalchemy.readthedocs.io/")
    form.get_by_role("button", name="Send suggestion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your suggested edits")
    expect(page.locator(".suggestion").first).to_contain_text("Pending review")
    assert axe(page) == []
    assert EditSuggestion.objects.get().author.username == known_member.username

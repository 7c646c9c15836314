"""The curators' admin in a real browser at 1280 px: the suggested-edit
review shows its "Proposed" column whole (the one column the curator needs),
and a change is reverted from its history row."""

import re

import pytest

from comparison.models import Assessment, Criterion, EditSuggestion
from comparison.suggestions import assessment_values
from frameworks.models import Framework
from tests.browser.conftest import DESKTOP, PASSWORD
from tests.factories import UserFactory

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

LONG_SUMMARY = (
    "Flask has no ORM of its own; Flask-SQLAlchemy is the usual choice and brings sessions, "
    "models and migrations through Flask-Migrate (Alembic). " * 3
).strip()
LONG_SOURCE = (
    "https://flask-sqlalchemy.readthedocs.io/en/stable/quickstart/"
    "#a-minimal-application-with-a-rather-long-fragment-that-does-not-break-by-itself"
)


@pytest.fixture
def curator(site):
    return UserFactory(
        username="carla", password=PASSWORD, is_staff=True, is_superuser=True, email="c@x.org"
    )


@pytest.fixture
def admin_page(page, curator):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(curator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    return page


@pytest.fixture
def long_suggestion(site):
    flask = Framework.objects.get(slug="flask")
    cell = Assessment.objects.filter(framework=flask).select_related("criterion").first()
    return EditSuggestion.objects.create(
        framework=flask,
        target=EditSuggestion.Target.ASSESSMENT,
        criterion=Criterion.objects.get(pk=cell.criterion_id),
        verdict=Assessment.Verdict.PARTIAL,
        summary=LONG_SUMMARY,
        source_url=LONG_SOURCE,
        reason="The docs recommend it.",
        evidence_url="https://flask-sqlalchemy.readthedocs.io/",
        snapshot=assessment_values(cell),
        author=UserFactory(username="sam"),
    )


#: For each cell of the review's last column: its box, the boxes of the
#: ancestors that clip it, and whether its text overflows it.
PROPOSED_CELLS = """
() => {
  const table = document.querySelector(".suggestion-diff");
  const clippers = [];
  for (let e = table.parentElement; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.overflowX !== "visible") clippers.push(e.getBoundingClientRect());
  }
  const cells = [...table.querySelectorAll("tr")].map((row) => row.lastElementChild);
  return {
    viewport: document.documentElement.clientWidth,
    pageWidth: document.documentElement.scrollWidth,
    clippers: clippers.map((r) => ({ left: r.left, right: r.right })),
    cells: cells.map((cell) => {
      const r = cell.getBoundingClientRect();
      return {
        text: cell.innerText.trim().slice(0, 40),
        left: r.left,
        right: r.right,
        overflows: cell.scrollWidth > cell.clientWidth + 1,
      };
    }),
  };
}
"""


def test_the_review_shows_the_proposed_column_whole_at_1280_px(
    admin_page, long_suggestion, screenshot
):
    page = admin_page
    assert page.viewport_size == DESKTOP  # 1280 x 900
    page.goto(f"/admin/comparison/editsuggestion/{long_suggestion.pk}/change/")
    expect(page.locator("#nav-sidebar")).to_be_visible()  # the narrowest content there is
    table = page.locator(".suggestion-diff")
    expect(table).to_be_visible()
    expect(table.locator("thead th").last).to_have_text(re.compile("^proposed", re.I))

    box = page.evaluate(PROPOSED_CELLS)

    assert box["pageWidth"] <= box["viewport"]  # no sideways scrolling either
    assert len(box["cells"]) == 4  # the header and verdict, summary, source
    for cell in box["cells"]:
        assert 0 <= cell["left"] < cell["right"] <= box["viewport"], cell
        assert not cell["overflows"], cell
        for clip in box["clippers"]:
            assert clip["left"] <= cell["left"] and cell["right"] <= clip["right"], (cell, clip)
    proposed = table.locator("tbody tr td:last-child")
    expect(proposed.nth(0)).to_have_text("Partly")  # the verdict's label
    expect(proposed.nth(1)).to_have_text(LONG_SUMMARY)
    expect(proposed.nth(2)).to_have_text(LONG_SOURCE)
    screenshot(page, "admin-suggestion-review-1280")


def test_a_curator_reverts_a_change_from_its_history_row(admin_page):
    page = admin_page
    flask = Framework.objects.get(slug="flask")
    original = flask.tagline
    flask.tagline = "A tagline written by mistake"
    flask.save()

    page.goto(f"/admin/frameworks/framework/{flask.pk}/history/")
    latest = page.locator("#change-history tbody tr").first
    expect(latest).to_contain_text("A tagline written by mistake")
    latest.get_by_role("button", name="Revert to before this change").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Revert to before the change")
    expect(page.locator("#revert-diff")).to_contain_text(original)
    page.get_by_label("Reason").fill("The tagline was written by mistake.")
    page.get_by_role("button", name="Yes, revert").click()

    expect(page.locator(".messagelist")).to_contain_text("“Flask” is back to how it was")
    first = page.locator("#change-history tbody tr").first
    expect(first).to_contain_text("carla")
    expect(first).to_contain_text("The tagline was written by mistake.")
    flask.refresh_from_db()
    assert flask.tagline == original

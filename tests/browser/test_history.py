"""Changes pages and watching in a real browser: no axe violations, in both
colour schemes, for a visitor and for a member who watches a page."""

import datetime

import pytest
from django.utils import timezone

from comparison.models import Assessment
from frameworks.models import Framework, ProCon
from history.models import Watch

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

CHANGES_PAGES = ["/frameworks/django/changes/", "/compare/django-vs-flask/changes/"]


@pytest.fixture(params=["light", "dark"])
def scheme(request):
    return request.param


@pytest.fixture
def axe_page(new_context, scheme):
    return new_context(color_scheme=scheme, bypass_csp=True).new_page()


def edit_django(description):
    django = Framework.objects.get(slug="django")
    django.description = description
    django.save()


def test_changes_pages_have_no_axe_violations(axe_page, axe):
    edit_django('Batteries included, <script>alert("x")</script> and an admin.')
    found = []
    for path in CHANGES_PAGES:
        axe_page.goto(path)
        expect(axe_page.get_by_role("heading", level=1)).to_contain_text("Changes to")
        found.extend(f"{path}: {violation}" for violation in axe(axe_page))
    assert found == []
    axe_page.goto(CHANGES_PAGES[0])
    # The newest change shows the markup as text.
    expect(axe_page.locator(".change").first).to_contain_text('<script>alert("x")</script>')


def test_a_member_watches_a_page_and_sees_what_changed_since(axe_page, axe, known_member, log_in):
    axe_page.goto("/accounts/login/?next=/frameworks/django/")
    log_in(axe_page, known_member.username)
    watch = axe_page.get_by_role("button", name="Watch Django")
    expect(watch).to_have_attribute("aria-pressed", "false")
    watch.click()
    expect(axe_page.get_by_role("button", name="Watch Django")).to_have_attribute(
        "aria-pressed", "true"
    )
    # The demo catalogue was loaded long before the member's last visit.
    long_ago = timezone.now() - datetime.timedelta(days=1)
    for model in (Framework, ProCon, Assessment):
        model.history.update(history_date=long_ago)
    Watch.objects.filter(user=known_member).update(
        last_seen_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    edit_django("Rewritten while the member was away.")
    axe_page.goto("/frameworks/django/")
    notice = axe_page.get_by_role("link", name="1 change since your last visit")
    expect(notice).to_be_visible()
    assert axe(axe_page) == []
    notice.click()
    expect(axe_page.locator(".change--new")).to_have_count(1)
    expect(axe_page.locator(".change--new")).to_contain_text("Rewritten while the member")
    assert axe(axe_page) == []

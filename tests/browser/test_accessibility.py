"""Every public page type passes axe-core with no violation, in the light and
the dark colour scheme, for visitors and for a signed-in member; every vote
button's accessible name contains the text it shows (WCAG 2.5.3)."""

import pytest

from frameworks.models import Decision, ProCon
from tests.browser.conftest import DESKTOP, LIGHTHOUSE_MOBILE, MOBILE

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

DJANGO_VS_FLASK = "/compare/django-vs-flask/"

#: One page of each type a visitor can reach (the decision page is added
#: with its id once the demo catalogue is loaded).
VISITOR_PAGES = [
    "/",
    "/frameworks/",
    "/frameworks/django/",
    "/categories/full-stack-frameworks/",
    "/compare/",
    DJANGO_VS_FLASK,
    "/compare/fastapi-vs-flask/",  # generated
    "/compare/django-vs-flask/?only=differences",
    "/compare/django-vs-flask/?details=1",  # with sources, dates and edit links
    "/compare/bottle-vs-fastapi-vs-pyramid-vs-tornado/",  # four: two lines of cells on a phone
    "/compare/django-vs-flask/?w-url-routing=3&w-license=0&w-security=9",  # weighted, one ignored
    "/compare/django-vs-flask/embed/",  # the iframe card
    "/compare/django-4.2-vs-flask/",  # pinned to a series: its picker and scoped cells
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/zz/bad-token/",  # the expired-link page
    "/members/alvaro/",
    "/no-such-page/",  # the site's 404
    "/compare/django-vs-flsk/",  # the comparison 404 with suggestions
    "/compare/django-9.9-vs-flask/",  # the 404 of a series Django does not have
    "/compare/?a=django&b=flsk",  # the picker with a form error and its suggestion
]

#: A signed-in member sees forms (vote buttons, log out, suggest, decide).
MEMBER_PAGES = [
    DJANGO_VS_FLASK,
    "/compare/fastapi-vs-flask/",
    "/frameworks/django/",
    "/decisions/new/",
    "/accounts/settings/",
    "/accounts/password/change/",
    "/accounts/delete/",
    "/members/returning/",
]


def _decision_page():
    return f"/decisions/{Decision.objects.order_by('pk').first().pk}/"


def _expect_no_violations(page, axe, paths):
    """Opens each of ``paths`` and fails with every violation axe finds."""
    found = []
    for path in paths:
        page.goto(path)
        found.extend(f"{path}: {violation}" for violation in axe(page))
    if found:
        pytest.fail("\n".join(found), pytrace=False)


@pytest.fixture
def context(new_context):
    # bypass_csp: the pages forbid inline scripts, and axe is injected as one.
    return new_context(bypass_csp=True)


@pytest.fixture(params=["light", "dark"])
def scheme(request):
    return request.param


@pytest.fixture
def axe_page(new_context, scheme):
    return new_context(color_scheme=scheme, bypass_csp=True).new_page()


def test_visitor_pages_have_no_axe_violations(axe_page, axe, scheme):
    assert axe_page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark"
    )
    _expect_no_violations(axe_page, axe, [*VISITOR_PAGES, _decision_page()])


@pytest.mark.parametrize("viewport", [MOBILE, LIGHTHOUSE_MOBILE], ids=["375px", "412px"])
def test_visitor_pages_on_a_phone_have_no_axe_violations(new_context, axe, scheme, viewport):
    # Touch targets (axe's target-size) matter most here.
    page = new_context(
        color_scheme=scheme, bypass_csp=True, viewport=viewport, is_mobile=True, has_touch=True
    ).new_page()
    _expect_no_violations(page, axe, [*VISITOR_PAGES, _decision_page()])


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["375px", "1280px"])
def test_the_open_share_menu_has_no_axe_violations(new_context, axe, scheme, viewport):
    page = new_context(
        color_scheme=scheme, bypass_csp=True, viewport=viewport, has_touch=viewport == MOBILE
    ).new_page()
    page.goto(DJANGO_VS_FLASK + "?details=1")
    page.locator("details.share-menu summary").click()
    expect(page.get_by_label("HTML")).to_be_visible()
    assert axe(page) == []


def test_member_pages_have_no_axe_violations(axe_page, axe, known_member, log_in):
    axe_page.goto("/accounts/login/")
    log_in(axe_page, known_member.username)
    _expect_no_violations(axe_page, axe, [*MEMBER_PAGES, _decision_page()])

    # After a vote through vote.js: the pressed button and the status note.
    item = axe_page.locator(f"#procon-{ProCon.objects.get(text='Rapid development').pk}")
    axe_page.goto("/frameworks/django/")
    item.get_by_role("button").click()
    expect(item.locator(".vote-message")).to_have_text("Vote counted.")
    assert axe(axe_page) == []


def test_the_decision_form_and_its_errors_have_no_axe_violations(
    axe_page, axe, known_member, log_in
):
    axe_page.goto("/accounts/login/")
    log_in(axe_page, known_member.username)
    axe_page.goto("/decisions/new/?framework=django")
    form = axe_page.locator("form.form")
    expect(form.get_by_label("Framework 1")).to_have_value("Django")
    form.get_by_label("Needs advice").check()
    form.get_by_label("Title").fill("Django or Flask for a first API?")
    form.get_by_label("Framework 2").fill("Flsk")
    form.get_by_label("Body").fill("Which one would you pick?")
    form.get_by_role("button", name="Post").click()

    expect(form.get_by_label("Framework 2")).to_have_attribute("aria-invalid", "true")
    expect(axe_page.locator(".errorlist")).to_contain_text("Did you mean Flask?")
    assert axe(axe_page) == []

    form.get_by_label("Framework 2").fill("Flask")
    form.get_by_role("button", name="Post").click()
    expect(axe_page.locator("h1")).to_have_text("Django or Flask for a first API?")
    assert axe(axe_page) == []


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_vote_buttons_are_named_by_what_they_show(page, known_member, log_in, axe, signed_in):
    # The name starts with the visible count, then says what the control does.
    if signed_in:
        page.goto(f"/accounts/login/?next={DJANGO_VS_FLASK}")
        log_in(page, known_member.username)
        role, action = "button", "Upvote"
    else:
        page.goto(DJANGO_VS_FLASK)
        role, action = "link", "Log in to upvote"
    item = page.locator(f"#procon-{ProCon.objects.get(text='Rapid development').pk}")
    control = item.get_by_role(role, name=f"678 votes. {action}: Rapid development", exact=True)
    expect(control).to_have_count(1)
    assert axe(page, {"include": [".procon-list"]}, rules=["label-content-name-mismatch"]) == []
    if signed_in:
        # vote.js changes the count in place, and the name with it.
        control.click()
        expect(control).to_have_count(0)
        voted = item.get_by_role(role, name="679 votes. Upvote: Rapid development", exact=True)
        expect(voted).to_have_attribute("aria-pressed", "true")


def test_a_single_vote_is_named_in_the_singular(page, known_member, log_in):
    procon = ProCon.objects.get(text="Rapid development")
    ProCon.objects.filter(pk=procon.pk).update(baseline_votes=0, votes_count=0)
    page.goto(f"/accounts/login/?next={DJANGO_VS_FLASK}")
    log_in(page, known_member.username)
    item = page.locator(f"#procon-{procon.pk}")
    item.get_by_role("button", name="0 votes. Upvote: Rapid development", exact=True).click()
    expect(
        item.get_by_role("button", name="1 vote. Upvote: Rapid development", exact=True)
    ).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["375px", "1280px"])
def test_the_open_account_menu_has_no_axe_violations(
    new_context, axe, scheme, viewport, known_member, log_in
):
    page = new_context(color_scheme=scheme, bypass_csp=True, viewport=viewport).new_page()
    page.goto("/accounts/login/?next=/frameworks/django/")
    log_in(page, known_member.username)
    page.locator(".account-menu summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert axe(page) == []

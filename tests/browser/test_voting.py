"""Upvoting a pro as a newcomer would: sign up, vote, take the vote back;
with and without JavaScript, anonymously, and after being logged out."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from frameworks.models import ProCon, Vote
from tests.browser.conftest import comparison_figure

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

DJANGO_PAGE = "/frameworks/django/"
DJANGO_VS_FLASK = "/compare/django-vs-flask/"
PRO = "Rapid development"  # a Django pro with 678 votes in the demo catalogue


def rapid_development():
    return ProCon.objects.get(framework__slug="django", text=PRO)


def db_state(username):
    """(votes_count, whether ``username`` has voted) as the database has them."""
    procon = rapid_development()
    return procon.votes_count, Vote.objects.filter(procon=procon, user__username=username).exists()


def vote_button(page):
    procon = rapid_development()
    return page.locator(f"#procon-{procon.pk}").get_by_role("button", name=f"Upvote: {PRO}")


def expect_vote(button, count, pressed):
    expect(button.locator(".vote-count")).to_have_text(str(count))
    expect(button).to_have_attribute("aria-pressed", "true" if pressed else "false")


def test_vote_and_take_it_back_without_reload(page, page_errors, sign_up, screenshot):
    sign_up(page, "newcomer")
    page.goto(DJANGO_PAGE)
    button = vote_button(page)
    item = page.locator(f"#procon-{rapid_development().pk}")
    expect_vote(button, 678, pressed=False)

    # A full page load would drop the marker.
    page.evaluate("window.__marker = 1")
    button.click()
    expect_vote(button, 679, pressed=True)
    expect(item.locator(".vote-message")).to_have_text("Vote counted.")
    assert page.evaluate("window.__marker") == 1
    screenshot(item, "vote-counted")
    assert db_state("newcomer") == (679, True)

    page.reload()
    expect_vote(button, 679, pressed=True)

    page.evaluate("window.__marker = 2")
    button.click()
    expect_vote(button, 678, pressed=False)
    expect(item.locator(".vote-message")).to_have_text("Vote taken back.")
    assert page.evaluate("window.__marker") == 2
    assert db_state("newcomer") == (678, False)
    assert page_errors == []


def test_vote_without_javascript_posts_and_comes_back(new_context, sign_up):
    page = new_context(java_script_enabled=False).new_page()
    sign_up(page, "plainform")
    page.goto(DJANGO_VS_FLASK)
    pk = rapid_development().pk
    button = vote_button(page)
    expect_vote(button, 678, pressed=False)
    back_here = f"{DJANGO_VS_FLASK}#procon-{pk}"

    for count, pressed in ((679, True), (678, False)):
        with (
            page.expect_response(lambda r: r.request.method == "POST") as posted,
            page.expect_event("load"),
        ):
            button.click()
        assert posted.value.status == 302
        assert posted.value.headers["location"] == back_here
        expect(page).to_have_url(re.compile(rf"{re.escape(back_here)}$"))
        expect_vote(button, count, pressed)
        assert db_state("plainform") == (count, pressed)


def test_anonymous_vote_asks_to_log_in_and_comes_back(page, known_member, log_in):
    path = DJANGO_VS_FLASK
    page.goto(path)
    pk = rapid_development().pk
    link = page.get_by_role("link", name=f"Log in to upvote: {PRO}")
    expect(link.locator(".vote-count")).to_have_text("678")
    link.click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    query = parse_qs(urlsplit(page.url).query)
    assert query["next"] == [f"{path}#procon-{pk}"]
    log_in(page, known_member.username)

    expect(page).to_have_url(re.compile(rf"{re.escape(path)}#procon-{pk}$"))
    button = vote_button(page)
    expect_vote(button, 678, pressed=False)
    button.click()
    expect_vote(button, 679, pressed=True)
    assert db_state(known_member.username) == (679, True)


def _log_out_in_another_tab(context):
    other = context.new_page()
    other.goto("/")
    other.locator(".account-menu summary").click()
    other.get_by_role("button", name="Log out").click()
    expect(other.get_by_role("link", name="Log in")).to_be_visible()
    other.close()


def _delete_all_cookies(context):
    context.clear_cookies()


@pytest.mark.parametrize(
    ("log_out", "status", "message"),
    [
        # The CSRF cookie outlives the session: the view answers 401.
        pytest.param(_log_out_in_another_tab, 401, "You are logged out.", id="other-tab"),
        # Without the CSRF cookie the POST is refused before the view: 403.
        pytest.param(_delete_all_cookies, 403, "Your session expired.", id="cookies-cleared"),
    ],
)
def test_vote_after_being_logged_out_shows_an_error(
    page, context, known_member, log_in, log_out, status, message, screenshot
):
    page.goto(f"/accounts/login/?next={DJANGO_PAGE}")
    log_in(page, known_member.username)
    expect(page).to_have_url(re.compile(rf"{DJANGO_PAGE}$"))
    button = vote_button(page)
    expect_vote(button, 678, pressed=False)

    log_out(context)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        button.click()
    assert posted.value.status == status

    item = page.locator(f"#procon-{rapid_development().pk}")
    note = item.locator(".vote-message")
    expect(note).to_contain_text(message)
    expect(note).to_have_class(re.compile(r"\bis-error\b"))
    screenshot(item, f"vote-refused-{status}")
    expect_vote(button, 678, pressed=False)
    assert db_state(known_member.username) == (678, False)


def test_a_vote_reaches_anonymous_visitors_through_the_page_cache(
    settings, new_context, known_member, log_in
):
    # The suite turns the page cache off because its tests never commit; the
    # live server does commit, so here the on-commit invalidation is real.
    settings.PAGE_CACHE = True
    visitor = new_context().new_page()
    assert visitor.goto(DJANGO_VS_FLASK).headers.get("x-cache") == "miss"
    link = visitor.get_by_role("link", name=f"Log in to upvote: {PRO}")
    expect(link.locator(".vote-count")).to_have_text("678")
    # A second browser (nothing in its own cache) gets the stored page.
    other = new_context().new_page()
    assert other.goto(DJANGO_VS_FLASK).headers.get("x-cache") == "hit"

    member = new_context().new_page()
    member.goto(f"/accounts/login/?next={DJANGO_VS_FLASK}")
    log_in(member, known_member.username)
    button = vote_button(member)
    button.click()
    expect_vote(button, 679, pressed=True)

    # The browser revalidates its copy (If-None-Match) and gets the new page.
    visitor.reload()
    expect(link.locator(".vote-count")).to_have_text("679")
    member.reload()
    expect_vote(button, 679, pressed=True)


def test_a_vote_updates_every_figure_it_changed(page, page_errors, known_member, log_in):
    # Flask's 60 votes are shown whole, so one more shows on its card and in
    # the table (Django's 2.3K would not move).
    procon = ProCon.objects.get(framework__slug="flask", text="For it flexibility")
    # The comparison with its sources: how each count is made shows too.
    page.goto(f"/accounts/login/?next={DJANGO_VS_FLASK}%3Fdetails%3D1")
    log_in(page, known_member.username)
    item = page.locator(f"#procon-{procon.pk}")
    origin = item.locator(".procon__origin")
    card, cell = comparison_figure(page, "Votes", "Flask", column=2)
    expect(origin).to_contain_text("10 = 10 imported + 0 from members")
    expect(card).to_have_text("60")
    expect(cell).to_contain_text("60")

    item.get_by_role("button").click()

    expect(item.locator(".vote-count")).to_have_text("11")
    expect(origin).to_contain_text("11 = 10 imported + 1 from members")
    expect(card).to_have_text("61")
    expect(cell).to_contain_text("61")
    item.get_by_role("button").click()
    expect(origin).to_contain_text("10 = 10 imported + 0 from members")
    expect(card).to_have_text("60")
    assert page_errors == []

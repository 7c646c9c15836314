"""Account journeys in a real browser: sign-up and log-in back to the page,
password reset by email, settings."""

import re

from django.core import mail

from tests.browser.conftest import PASSWORD, comparison_figure, expect_signed_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

NEW_PASSWORD = "quartz-Lantern-river-77"


def test_sign_up_from_a_comparison_returns_to_it(page):
    page.goto("/compare/django-vs-flask/?only=differences")
    page.locator(".site-auth").get_by_role("link", name="Sign up").click()
    form = page.locator("main form")
    form.get_by_label("Username").fill("newcomer")
    form.get_by_label("Email").fill("newcomer@example.com")
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Password confirmation").fill(PASSWORD + "x")  # a form error first
    form.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(form.locator('input[name="next"]')).to_have_value(
        "/compare/django-vs-flask/?only=differences"
    )
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Password confirmation").fill(PASSWORD)
    form.get_by_role("button", name="Sign up").click()
    expect_signed_in(page, "newcomer")
    expect(page).to_have_url(re.compile(r"/compare/django-vs-flask/\?only=differences$"))


def test_log_in_from_a_comparison_returns_to_it(page, known_member, log_in):
    page.goto("/compare/django-vs-flask/")
    page.locator(".site-auth").get_by_role("link", name="Log in").click()
    log_in(page, "returning")
    expect(page).to_have_url(re.compile(r"/compare/django-vs-flask/$"))


def test_a_member_resets_a_forgotten_password_by_email(page, known_member, log_in):
    """From the login page to a new password, with the link read from the
    mail (locmem outbox: the live server runs in this process)."""
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(known_member.email.upper())
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("heading", name="Your new password is saved")).to_be_visible()

    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()

    page.goto("/accounts/login/")
    log_in(page, known_member.username, NEW_PASSWORD)


def test_a_member_edits_their_headline_and_sees_it_on_their_page(page, known_member, log_in):
    page.goto("/accounts/login/?next=/accounts/settings/")
    log_in(page, known_member.username, PASSWORD)
    page.get_by_label("Headline").fill("Engineer at <Ripio>")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.locator(".messages")).to_contain_text("Your profile is saved.")

    page.get_by_role("link", name="See your public page").click()

    expect(page.locator("main .lead")).to_have_text("Engineer at <Ripio>")
    expect_signed_in(page, known_member.username)


def _followers_shown(count):
    """Flask's curated follower count, small enough that one more shows
    (16.2K stays 16.2K)."""
    from frameworks.models import Framework

    Framework.objects.filter(slug="flask").update(followers=count)


def _statistic(page, label):
    return page.locator("#statistics .stat").filter(has_text=label).locator("dd")


def test_a_member_follows_a_framework_without_a_reload(page, known_member, log_in):
    _followers_shown(41)
    page.goto("/accounts/login/?next=/frameworks/flask/")
    log_in(page, known_member.username, PASSWORD)
    button = page.locator("form[data-follow] button")
    expect(button).to_have_attribute("aria-pressed", "false")
    followers = _statistic(page, "Followers")
    expect(followers).to_contain_text("41")
    expect(button.locator(".follow-count")).to_have_text("41")

    button.click()

    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".follow-label")).to_have_text("Following")
    expect(page.locator("form[data-follow] [role=status]")).to_have_text("Followed.")
    # The button's count and the statistics' figure both move.
    expect(button.locator(".follow-count")).to_have_text("42")
    expect(followers).to_contain_text("42")
    from members.models import Follow

    assert Follow.objects.filter(user=known_member, framework__slug="flask").count() == 1
    page.reload()
    expect(page.locator("form[data-follow] button")).to_have_attribute("aria-pressed", "true")
    button = page.locator("form[data-follow] button")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(followers).to_contain_text("41")


def test_a_follow_on_a_comparison_updates_its_card_and_table(page, known_member, log_in):
    _followers_shown(41)
    page.goto("/accounts/login/?next=/compare/django-vs-flask/")
    log_in(page, known_member.username, PASSWORD)
    card, cell = comparison_figure(page, "Followers", "Flask", column=2)
    expect(card).to_have_text("41")
    expect(cell).to_contain_text("41")

    page.get_by_role("button", name="Follow Flask").click()

    expect(page.get_by_role("button", name="Following Flask")).to_contain_text("42")
    expect(card).to_have_text("42")
    expect(cell).to_contain_text("42")


def test_a_member_adds_edits_and_removes_a_stack_entry(page, known_member, log_in):
    page.goto("/accounts/login/?next=/frameworks/flask/")
    log_in(page, known_member.username, PASSWORD)
    section = page.locator("#stacks")

    section.get_by_label("Add Flask to your stack, with a note (optional)").fill(
        "We run Flask for the API"
    )
    section.get_by_role("button", name="Add to my stack").click()
    expect(page.locator(".messages")).to_contain_text("Saved in your stack.")
    expect(section.locator(".stack-users")).to_contain_text("We run Flask for the API")

    section.get_by_label("Your note on Flask").fill("Only the admin tools")
    section.get_by_role("button", name="Save the note").click()
    expect(section.locator(".stack-users")).to_contain_text("Only the admin tools")

    section.get_by_role("button", name="Remove Flask from my stack").click()
    expect(page.locator(".messages")).to_contain_text("Taken out of your stack.")
    expect(section).to_contain_text("No member lists Flask in their stack yet.")


def test_a_member_comments_on_a_decision_and_edits_it(page, known_member, log_in):
    from frameworks.models import Decision

    decision = Decision.objects.published().order_by("pk").first()
    url = decision.get_absolute_url()
    page.goto(f"/accounts/login/?next={url}")
    log_in(page, known_member.username, PASSWORD)

    page.get_by_label("Your comment").fill("Go with **Django** for the admin.")
    page.get_by_role("button", name="Post the comment").click()
    comment = page.locator("article.comment").last
    expect(comment.locator("strong")).to_have_text("Django")
    expect(page.locator(".decision__stats")).to_contain_text("1 comment")

    comment.get_by_role("link", name="Edit your comment").click()
    page.get_by_label("Your comment").fill("Go with Django, for its admin.")
    page.get_by_role("button", name="Save the comment").click()
    expect(page.locator("article.comment").last).to_contain_text("for its admin")
    expect(page.locator("article.comment").last).to_contain_text("edited")

    page.locator("article.comment").last.get_by_role("button", name="Delete your comment").click()
    expect(page.locator(".messages")).to_contain_text("Your comment is deleted.")
    expect(page.locator("#comments")).to_contain_text("No comments yet.")


#: A reader's browser as a site sees it (Debian's headless chromium says
#: "HeadlessChrome", which the view counter takes for a bot).
READER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


def test_readers_of_the_cached_decision_page_are_counted_by_its_beacon(
    new_context, settings, page_cache
):
    """Two readers get the same cached HTML; each browser loads the beacon,
    which counts it once, however often it reloads."""
    from django.core.management import call_command

    from frameworks.models import Decision

    # Every reader here comes from 127.0.0.1: a browser's first request
    # shows no cookie of ours, and would count once per address.
    settings.DECISION_VIEWS_ADDRESS_WINDOW = 0
    decision = Decision.objects.published().order_by("pk").first()
    before = decision.views_count
    url = decision.get_absolute_url()
    for reader in range(2):
        page = new_context(user_agent=READER_AGENT).new_page()
        for visit in range(2):
            with page.expect_response(
                lambda r: r.url.endswith(f"/decisions/{decision.pk}/seen/")
            ) as beacon:
                response = page.goto(url)
            if visit == 0:  # the reload is the browser's revalidation (304)
                assert response.headers["x-cache"] == ("miss" if reader == 0 else "hit")
            assert beacon.value.status == 200

    call_command("flush_decision_views", verbosity=0)
    decision.refresh_from_db()
    assert decision.views_count == before + 2

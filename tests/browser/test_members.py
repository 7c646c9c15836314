"""Account journeys in a real browser: password reset by email, settings."""

import re

from django.core import mail

from tests.browser.conftest import PASSWORD, expect_signed_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

NEW_PASSWORD = "quartz-Lantern-river-77"


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
    page.get_by_role("button", name="Save the headline").click()
    expect(page.locator(".messages")).to_contain_text("Your headline is saved.")

    page.get_by_role("link", name="See your public page").click()

    expect(page.locator("main .lead")).to_have_text("Engineer at <Ripio>")
    expect_signed_in(page, known_member.username)

"""The comparisons RSS feed: feed readers render <description> as HTML, so an
item carries only safe markup."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.factories import ComparisonFactory

pytestmark = pytest.mark.django_db


def descriptions(client):
    response = client.get(reverse("feed"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [item.findtext("description") for item in root.iter("item")]


def test_markup_in_an_intro_never_reaches_the_feed_as_html(client):
    ComparisonFactory(intro="Fast & small. <img src=x onerror=alert(1)> <script>alert(2)</script>")

    [description] = descriptions(client)

    # The XML-decoded description is what a reader renders as HTML.
    assert "<img" not in description
    assert "onerror" not in description
    assert "<script" not in description and "alert(2)" not in description
    assert "Fast &amp; small." in description


def test_escaped_markup_stays_text_for_the_reader(client):
    ComparisonFactory(intro="Write &lt;img src=x onerror=alert(1)&gt; to test.\n\nSecond part.")

    [description] = descriptions(client)

    assert "<img" not in description
    assert "&lt;img" in description
    assert "<p>Second part.</p>" in description


def test_summary_is_used_when_there_is_no_intro(client):
    ComparisonFactory(intro="", summary="<b>Both</b> are fine.")

    [description] = descriptions(client)

    assert "<b>" not in description
    assert "Both are fine." in description


def test_control_characters_stored_before_the_text_policy_never_break_the_feed(client):
    ComparisonFactory(title="Django\x01 vs Flask", intro="Fast\x0b and\x1f small.")

    [description] = descriptions(client)

    assert "Fast and small." in description

"""Members' and curators' text must hold something a reader can see:
zero-width and other format characters and control characters are
dropped, blank text refused."""

import pytest
from django.test import Client
from django.urls import reverse

from core.text import visible_text
from frameworks.models import Decision, Framework, ProCon
from tests.factories import FrameworkFactory, UserFactory, decision_form_data

pytestmark = pytest.mark.django_db

INVISIBLE = "   \u3000\u200b  "


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (INVISIBLE, ""),
        ("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
        ("\u3164\u2800\u115f", ""),  # fillers and the braille blank draw nothing
        ("  Fast\u200b  and\u00a0small \u3000", "Fast and small"),
        ("Caf\u00e9 \u2764\ufe0f", "Caf\u00e9 \u2764\ufe0f"),
        ("\u202eevil\u202c", "evil"),  # bidi overrides are format characters too
    ],
)
def test_visible_text_on_one_line(raw, expected):
    assert visible_text(raw) == expected


def test_visible_text_keeps_paragraphs_when_asked():
    raw = "\u200b\nFirst\u200b line  \r\n\r\n\u200b\n    - item\u2060 "

    assert visible_text(raw, multiline=True) == "First line  \n\n\n    - item"
    assert visible_text("\u200b\n\u3000\n\u2060", multiline=True) == ""


@pytest.fixture
def framework():
    return FrameworkFactory(slug="django", name="Django")


@pytest.mark.parametrize("text", [INVISIBLE, "\u200b\u200d", "\u3164\u3164"])
def test_invisible_suggestion_is_refused(member_client, framework, text):
    response = member_client.post(
        reverse("frameworks:suggest", args=[framework.slug]), {"kind": "pro", "text": text}
    )

    assert response.status_code == 400
    assert response.context["suggestion_form"].errors["text"]
    assert not ProCon.objects.exists()


def test_suggestion_is_stored_without_format_characters(member_client, framework):
    member_client.post(
        reverse("frameworks:suggest", args=[framework.slug]),
        {"kind": "pro", "text": "Great\u200b\u200b admin\u2060", "detail": "Really\u200b."},
    )

    procon = ProCon.objects.get()
    assert procon.text == "Great admin"
    assert procon.detail == "Really."


def test_admin_refuses_an_invisible_pro_con(admin_client, framework):
    response = admin_client.post(
        reverse("admin:frameworks_procon_add"),
        {
            "framework": framework.pk,
            "kind": "pro",
            "text": INVISIBLE,
            "detail": "",
            "baseline_votes": 0,
            "status": "approved",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["text"]
    assert not ProCon.objects.exists()


def test_admin_stores_the_normalised_text(admin_client, framework):
    response = admin_client.post(
        reverse("admin:frameworks_procon_add"),
        {
            "framework": framework.pk,
            "kind": "pro",
            "text": "\u200bGreat  admin\u200b",
            "detail": "",
            "baseline_votes": 0,
            "status": "approved",
        },
    )

    assert response.status_code == 302
    assert ProCon.objects.get().text == "Great admin"


def test_the_admin_stores_curated_text_without_control_characters(admin_client, framework_add_data):
    # Any form, the admin's included: a vertical tab pasted from a word
    # processor, an escape code. Tab and newlines stay.
    framework_add_data.update(
        tagline="Fast\x0b and\x1b small", description="First\x01 line\r\n\tindented"
    )

    response = admin_client.post(reverse("admin:frameworks_framework_add"), framework_add_data)

    assert response.status_code == 302
    created = Framework.objects.get(slug="django")
    assert created.tagline == "Fast and small"
    assert created.description == "First line\r\n\tindented"


def test_a_decision_body_is_stored_without_control_characters(framework):
    client = Client()
    client.force_login(UserFactory())

    client.post(
        reverse("frameworks:decision_create"),
        decision_form_data([framework], body="Which\x01 one?\x07"),
    )

    assert Decision.objects.get().body == "Which one?"


def test_invisible_decision_body_is_refused(framework):
    client = Client()
    client.force_login(UserFactory())

    response = client.post(
        reverse("frameworks:decision_create"),
        decision_form_data([framework], body="\u200b\n\u3000\n\u2060"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["body"]
    assert not Decision.objects.exists()

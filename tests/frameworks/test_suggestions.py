"""Members suggest pros and cons; curators approve them (services.set_status)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from frameworks import services
from frameworks.models import ProCon
from tests.factories import FrameworkFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework():
    return FrameworkFactory(slug="django", name="Django")


def suggest_url(framework):
    return reverse("frameworks:suggest", args=[framework.slug])


def suggest(client, framework, text, kind=ProCon.Kind.PRO, **extra):
    return client.post(suggest_url(framework), {"kind": kind, "text": text, **extra})


def test_suggestion_is_stored_pending_with_no_votes(member_client, member, framework):
    response = suggest(
        member_client,
        framework,
        "  Batteries   included ",
        detail="Admin, ORM, auth.",
        # Fields a member may not set are ignored.
        status=ProCon.Status.APPROVED,
        votes_count=500,
        baseline_votes=500,
    )

    assert response.status_code == 302
    assert response["Location"] == framework.get_absolute_url() + "#suggest"
    procon = ProCon.objects.get(framework=framework)
    assert procon.text == "Batteries included"
    assert procon.kind == ProCon.Kind.PRO
    assert procon.detail == "Admin, ORM, auth."
    assert procon.status == ProCon.Status.PENDING
    assert procon.votes_count == procon.baseline_votes == 0
    assert procon.submitted_by == member


def test_pending_suggestion_is_shown_only_to_its_author(member_client, framework):
    listed = ProConFactory(framework=framework, text="Mature ecosystem")
    suggest(member_client, framework, "Great admin")
    pending = ProCon.objects.get(text="Great admin")

    public = Client().get(framework.get_absolute_url()).content.decode()
    author = member_client.get(framework.get_absolute_url()).content.decode()
    other = Client()
    other.force_login(UserFactory())
    someone_else = other.get(framework.get_absolute_url()).content.decode()

    assert "Mature ecosystem" in public
    assert "Great admin" not in public
    assert "Great admin" not in someone_else
    assert f'id="procon-{listed.pk}"' in author
    assert f'id="procon-{pending.pk}"' not in author  # not listed, nor votable
    pending_block = author[author.index("Pending review") :]
    assert "Great admin" in pending_block[:500]


@pytest.mark.parametrize(
    ("status", "wording"),
    [
        (ProCon.Status.APPROVED, "is listed already"),
        (ProCon.Status.PENDING, "is already waiting for review"),
        (ProCon.Status.REJECTED, "was suggested before and turned down"),
    ],
)
def test_duplicate_suggestion_is_refused_naming_the_existing_item(
    member_client, framework, status, wording
):
    ProConFactory(framework=framework, text="Rapid development", status=status)

    response = suggest(member_client, framework, " rapid DEVELOPMENT  ")

    assert response.status_code == 400
    assert response.context["suggestion_form"].errors["text"] == [f'"Rapid development" {wording}.']
    assert "Rapid development" in response.content.decode()
    assert ProCon.objects.filter(framework=framework).count() == 1


def test_same_text_as_the_other_kind_or_on_another_framework_is_fine(member_client, framework):
    ProConFactory(framework=framework, text="Rapid development", kind=ProCon.Kind.PRO)
    other_framework = FrameworkFactory()

    as_con = suggest(member_client, framework, "Rapid development", kind=ProCon.Kind.CON)
    elsewhere = suggest(member_client, other_framework, "Rapid development")

    assert as_con.status_code == elsewhere.status_code == 302
    assert ProCon.objects.filter(text__iexact="rapid development").count() == 3


@pytest.mark.parametrize(
    ("text", "valid"), [("x" * 100, True), ("x" * 101, False), ("   ", False), ("", False)]
)
def test_suggestion_text_must_fit_in_100_characters(member_client, framework, text, valid):
    response = suggest(member_client, framework, text)

    if valid:
        assert response.status_code == 302
        assert ProCon.objects.filter(framework=framework).count() == 1
    else:
        assert response.status_code == 400
        assert response.context["suggestion_form"].errors["text"]
        assert not ProCon.objects.filter(framework=framework).exists()


def test_invalid_kind_is_refused(member_client, framework):
    response = suggest(member_client, framework, "Fast", kind="maybe")

    assert response.status_code == 400
    assert "kind" in response.context["suggestion_form"].errors
    assert not ProCon.objects.exists()


def test_approved_suggestion_is_published_with_no_votes(
    member_client, framework, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True  # approving must also refresh cached anonymous pages
    anonymous = Client()
    suggest(member_client, framework, "Great admin")
    procon = ProCon.objects.get(text="Great admin")
    before = anonymous.get(framework.get_absolute_url())
    assert before["X-Cache"] == "miss"  # stored in the anonymous page cache
    assert "Great admin" not in before.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.set_status(ProCon.objects.filter(pk=procon.pk), ProCon.Status.APPROVED)

    procon.refresh_from_db()
    assert procon.status == ProCon.Status.APPROVED
    assert procon.votes_count == 0
    after = anonymous.get(framework.get_absolute_url()).content.decode()
    assert f'id="procon-{procon.pk}"' in after
    author_page = member_client.get(framework.get_absolute_url()).content.decode()
    assert f'id="procon-{procon.pk}"' in author_page
    assert "Pending review" not in author_page


def test_anonymous_suggestion_redirects_to_login(client, framework):
    response = suggest(client, framework, "Great admin")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [suggest_url(framework)]
    assert not ProCon.objects.exists()


def test_suggestion_for_an_unpublished_framework_is_404(member_client):
    hidden = FrameworkFactory(is_published=False)

    response = suggest(member_client, hidden, "Great admin")

    assert response.status_code == 404
    assert not ProCon.objects.exists()


def test_suggest_needs_a_post(member_client, framework):
    assert member_client.get(suggest_url(framework)).status_code == 405

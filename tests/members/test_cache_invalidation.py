"""Members' changes reach exactly the cached pages that show them."""

import pytest
from django.test import Client

from members import services
from members.models import Comment, Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def alvaro():
    return Profile.objects.get(user__username="alvaro").user


@pytest.mark.parametrize("keep_posts", [True, False])
def test_deleting_a_member_reaches_the_pages_with_their_decisions(
    cached_pages, committed, keep_posts
):
    committed(services.delete_member, alvaro(), keep_posts=keep_posts)

    stale = cached_pages()
    assert {"django", "flask", "django vs flask"} <= stale
    assert {"bottle", "catalogue"}.isdisjoint(stale)
    page = Client().get("/compare/django-vs-flask/").content.decode()
    assert ("Deleted member" in page) is keep_posts


def test_a_new_headline_from_the_settings_page_reaches_the_cards(
    cached_pages, client, django_capture_on_commit_callbacks
):
    user = alvaro()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/settings/", {"form": "profile", "profile-headline": "Retired"})
    client.logout()

    assert {"django", "flask", "django vs flask"} <= cached_pages()
    assert "Retired" in Client().get("/compare/django-vs-flask/").content.decode()


# --- The decision page (cached for anonymous readers) ------------------------


def test_a_comment_reaches_the_decision_page_and_the_cards_counting_it(cached_pages, committed):
    decision = cached_pages.decision
    member = UserFactory(username="commenter")
    comment = committed(
        services.post_comment, decision=decision, author=member, body="Same here, *Django*."
    )

    stale = cached_pages()
    assert {"decision", "django", "flask", "django vs flask"} <= stale
    assert {"bottle", "catalogue", "home"}.isdisjoint(stale)
    page = Client().get(decision.get_absolute_url()).content.decode()
    assert "Same here, <em>Django</em>." in page

    committed(services.set_comments_hidden, Comment.objects.filter(pk=comment.pk), True)
    assert "decision" in cached_pages()
    assert "Same here" not in Client().get(decision.get_absolute_url()).content.decode()


def test_editing_a_comment_reaches_only_the_pages_showing_its_decision(cached_pages, committed):
    comment = committed(
        services.post_comment, decision=cached_pages.decision, author=UserFactory(), body="First"
    )
    cached_pages()  # warm again

    committed(services.edit_comment, comment, body="Second thoughts")

    # Cards elsewhere show only the count: the edit reaches the decision's page.
    assert cached_pages() == {"decision"}
    assert (
        "Second thoughts" in Client().get(cached_pages.decision.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize("keep_posts", [True, False])
def test_a_member_who_only_commented_leaves_and_the_decision_page_follows(
    cached_pages, committed, keep_posts
):
    member = UserFactory(username="passerby", first_name="Pat", last_name="Passerby")
    committed(services.post_comment, decision=cached_pages.decision, author=member, body="Nice")
    cached_pages()  # warm again

    committed(services.delete_member, member, keep_posts=keep_posts)

    assert "decision" in cached_pages()
    page = Client().get(cached_pages.decision.get_absolute_url()).content.decode()
    assert "Pat Passerby" not in page
    assert ("Deleted member" in page) is keep_posts


def test_a_member_reads_the_decision_page_uncached_with_their_own_form(cached_pages, client):
    member = UserFactory()
    client.force_login(member)

    page = client.get(cached_pages.decision.get_absolute_url())

    assert "X-Cache" not in page
    assert "Post the comment" in page.content.decode()
    assert (
        "Post the comment"
        not in Client().get(cached_pages.decision.get_absolute_url()).content.decode()
    )


def test_reactivating_the_only_member_of_a_stack_lists_them_again(client, page_cache, committed):
    from frameworks.models import Framework
    from members.models import StackEntry
    from tests.factories import FrameworkFactory

    framework = FrameworkFactory(slug="quiet", name="Quiet")
    member = UserFactory(username="returning", is_active=False)
    StackEntry.objects.create(user=member, framework=Framework.objects.get(pk=framework.pk))
    url = framework.get_absolute_url()
    assert "returning" not in client.get(url).content.decode()
    assert client.get(url)["X-Cache"] == "hit"

    member.is_active = True
    committed(member.save)

    page = Client().get(url)
    assert page["X-Cache"] == "hit"  # who uses it is a hole
    assert "returning" in page.content.decode()


def test_stack_requests_that_change_nothing_keep_the_framework_page(
    client, page_cache, committed, hole_renders
):
    """Saving the same note again, or removing what is not in the stack,
    must not let one member keep re-rendering a popular page's holes."""
    from tests.factories import FrameworkFactory

    framework = FrameworkFactory(slug="steady", name="Steady")
    member = UserFactory()
    committed(services.add_to_stack, user=member, framework_id=framework.pk, note="API")
    url = framework.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"

    rendered = len(hole_renders())
    committed(services.add_to_stack, user=member, framework_id=framework.pk, note="API")
    committed(services.remove_from_stack, user=UserFactory(), framework_id=framework.pk)
    assert Client().get(url)["X-Cache"] == "hit"
    assert len(hole_renders()) == rendered

    committed(services.add_to_stack, user=member, framework_id=framework.pk, note="Admin")
    page = Client().get(url)
    assert page["X-Cache"] == "hit"
    assert "stacks" in hole_renders()[rendered:]
    assert "Admin" in page.content.decode()

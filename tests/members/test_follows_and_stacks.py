"""Following a framework and listing it in one's stack: toggles, counts
(curated baseline + members), bad input, and no member state on cached pages."""

import pytest
from django.test import Client
from django.urls import reverse

from frameworks.models import Framework
from members.models import Follow, Profile, StackEntry
from tests.factories import FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def django(db):
    return FrameworkFactory(name="Django", slug="django", followers=1200, stacks=None)


def follow(client, slug="django", **extra):
    return client.post(reverse("members:follow", args=[slug]), **extra)


def stack(client, slug="django", **data):
    return client.post(reverse("members:stack", args=[slug]), data)


def test_following_toggles_and_counts_on_top_of_the_baseline(member_client, member, django):
    response = follow(member_client, **JSON)

    # "figures": the count as pages print it, for follow.js to show.
    shown = f"framework-{django.pk}-followers"
    assert response.json() == {"followers": 1201, "following": True, "figures": {shown: "1.2K"}}
    assert Follow.objects.filter(user=member, framework=django).exists()
    assert follow(member_client, **JSON).json() == {
        "followers": 1200,
        "following": False,
        "figures": {shown: "1.2K"},
    }
    django.refresh_from_db()
    assert django.member_followers == 0 and django.followers_shown == 1200


def test_the_followers_a_follow_answers_are_shown_marked_on_its_pages(member_client, django):
    FrameworkFactory(slug="flask")
    figures = follow(member_client, **JSON).json()["figures"]

    # follow.js replaces what these marks hold: button, statistics, cards, table.
    [(name, text)] = figures.items()
    for url, places in (("/frameworks/django/", 2), ("/compare/django-vs-flask/", 3)):
        html = member_client.get(url).content.decode()
        assert html.count(f'data-figure="{name}">{text}<') == places, url


def test_without_javascript_following_redirects_back(member_client, django):
    response = follow(member_client, data={"next": "/frameworks/django/#x"})

    assert response.status_code == 302
    assert response["Location"] == "/frameworks/django/#x"


def test_an_unknown_baseline_shows_the_members_alone(member_client, django):
    assert Framework(stacks=None, member_stacks=0).stacks_shown is None
    response = stack(member_client, note="We run it")

    assert response.status_code == 302
    django.refresh_from_db()
    assert django.stacks_shown == 1  # unknown curated figure: members only


def test_anonymous_visitors_are_sent_to_log_in(client, django):
    response = follow(client)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert follow(client, **JSON).status_code == 401
    assert not Follow.objects.exists()


def test_following_an_unknown_or_unpublished_framework_is_404(member_client, django):
    FrameworkFactory(slug="hidden", is_published=False)

    assert follow(member_client, slug="nope").status_code == 404
    assert follow(member_client, slug="hidden").status_code == 404
    assert stack(member_client, slug="hidden").status_code == 404


def test_get_is_not_allowed(member_client, django):
    assert member_client.get(reverse("members:follow", args=["django"])).status_code == 405


def test_follows_are_rate_limited(member_client, django, settings):
    settings.FOLLOW_RATE = "2/m"
    follow(member_client)
    follow(member_client)

    response = follow(member_client, **JSON)

    assert response.status_code == 429
    assert Follow.objects.count() == 0  # two toggles: on, off


def test_a_stack_entry_with_a_note_can_be_edited_and_removed(member_client, member, django):
    stack(member_client, note="We run Django for the API")
    stack(member_client, note="  Admin\u200b only ")

    entry = StackEntry.objects.get(user=member)
    assert entry.note == "Admin only"
    django.refresh_from_db()
    assert django.member_stacks == 1

    stack(member_client, remove="on")

    assert not StackEntry.objects.exists()
    django.refresh_from_db()
    assert django.member_stacks == 0


def test_an_over_long_note_is_a_form_error(member_client, django):
    response = stack(member_client, note="x" * 101)

    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    assert not StackEntry.objects.exists()


def test_the_framework_page_lists_members_who_use_it_unless_hidden(client, django):
    ada = UserFactory(username="ada")
    hidden = UserFactory(username="hidden")
    Profile.objects.create(user=hidden, hide_stack=True)
    for user, note in ((ada, "<b>API</b>"), (hidden, "secret")):
        c = Client()
        c.force_login(user)
        stack(c, note=note)

    body = client.get("/frameworks/django/").content.decode()

    assert "ada" in body and "&lt;b&gt;API&lt;/b&gt;" in body
    assert "secret" not in body and ">hidden<" not in body


def test_anonymous_pages_carry_no_member_state(member_client, django):
    follow(member_client)

    member_page = member_client.get("/frameworks/django/").content.decode()
    anonymous = Client().get("/frameworks/django/").content.decode()

    assert 'aria-pressed="true"' in member_page
    assert "aria-pressed" not in anonymous.split('id="procon')[0]
    assert "csrfmiddlewaretoken" not in anonymous
    assert "1.2K" in anonymous  # 1200 + 1 shown compact


def test_deleting_a_member_recounts_follows_and_stacks(member_client, member, django):
    follow(member_client)
    stack(member_client, note="")
    other = Client()
    other.force_login(UserFactory(username="other"))
    follow(other)

    member.delete()

    django.refresh_from_db()
    assert (django.member_followers, django.member_stacks) == (1, 0)
    assert django.member_followers == Follow.objects.filter(framework=django).count()


def queries_of_framework_page():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get("/frameworks/django/")  # warm per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/frameworks/django/").status_code == 200
    return len(queries)


def test_framework_page_queries_do_not_grow_with_stack_entries(django):
    def add_members(start, count):
        for n in range(start, start + count):
            c = Client()
            c.force_login(UserFactory(username=f"user{n}"))
            stack(c, note="")

    add_members(0, 1)
    one = queries_of_framework_page()
    add_members(1, 7)

    assert queries_of_framework_page() == one


def test_comparison_cards_carry_follow_buttons_pressed_for_the_member_only(member_client):
    from tests.factories import ComparisonFactory

    django = FrameworkFactory(name="Django", slug="django", followers=10)
    flask = FrameworkFactory(name="Flask", slug="flask")
    ComparisonFactory(frameworks=[django, flask])
    follow(member_client)

    mine = member_client.get("/compare/django-vs-flask/").content.decode()
    anonymous = Client().get("/compare/django-vs-flask/").content.decode()

    assert mine.count('data-follow="') == 2
    assert mine.count('aria-pressed="true"><span class="follow-label">Following') == 1
    assert 'data-follow="' not in anonymous  # login links, no form, no state
    assert anonymous.count('class="button follow-button"') == 2


def test_saving_a_framework_read_before_a_follow_keeps_the_count(member, django):
    """The admin reads the framework, a member follows it, the admin saves:
    the member's follow stays counted (and taking it back later works)."""
    from members import services

    stale = Framework.objects.get(pk=django.pk)  # what the change form read
    services.toggle_follow(user=member, framework_id=django.pk)
    services.add_to_stack(user=member, framework_id=django.pk, note="API")
    stale.tagline = "Edited by a curator"
    stale.save()

    django.refresh_from_db()
    assert django.tagline == "Edited by a curator"
    assert django.member_followers == Follow.objects.filter(framework=django).count() == 1
    assert django.member_stacks == StackEntry.objects.filter(framework=django).count() == 1
    assert services.toggle_follow(user=member, framework_id=django.pk) == (0, False)

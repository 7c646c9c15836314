"""Members' votes on pros and cons: the toggle endpoint and the framework page."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frameworks import selectors, services
from frameworks.models import AbuseMark, Framework, ProCon, Vote
from tests.factories import CategoryFactory, FrameworkFactory, ProConFactory, UserFactory

pytestmark = pytest.mark.django_db

JSON = {"accept": "application/json"}


def vote_url(procon):
    return reverse("frameworks:vote", args=[procon.pk])


def member_votes(procon):
    return Vote.objects.filter(procon=procon).count()


def assert_counter_exact(procon):
    procon.refresh_from_db()
    assert procon.votes_count == procon.baseline_votes + member_votes(procon)


class _VoteButtons(HTMLParser):
    """Collects {procon_id: aria-pressed} from the vote forms of a page."""

    def __init__(self):
        super().__init__()
        self.form_pk = None
        self.pressed = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            parts = (attrs.get("action") or "").strip("/").split("/")
            is_vote = len(parts) == 3 and parts[0] == "procons" and parts[2] == "vote"
            self.form_pk = int(parts[1]) if is_vote else None
        elif tag == "button" and self.form_pk is not None and "aria-pressed" in attrs:
            self.pressed[self.form_pk] = attrs["aria-pressed"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.form_pk = None


def vote_buttons(response):
    parser = _VoteButtons()
    parser.feed(response.content.decode())
    return parser.pressed


def page_order(response, procons):
    """The procons sorted by where their list item appears on the page."""
    html = response.content.decode()
    positions = {p: html.find(f'id="procon-{p.pk}"') for p in procons}
    assert all(pos >= 0 for pos in positions.values()), positions
    return sorted(procons, key=positions.get)


# --- The toggle ---------------------------------------------------------------


def test_first_post_votes_and_second_takes_the_vote_back(member_client, member):
    procon = ProConFactory(baseline_votes=7)
    # The framework's votes count its approved items only.
    ProConFactory(framework=procon.framework, baseline_votes=1500)
    ProConFactory(framework=procon.framework, baseline_votes=90, status=ProCon.Status.PENDING)

    first = member_client.post(vote_url(procon), headers=JSON)

    assert first.status_code == 200
    # Every figure the vote changed, as the pages print them (vote.js).
    framework = procon.framework.pk
    assert first.json() == {
        "votes": 8,
        "voted": True,
        "figures": {
            f"procon-{procon.pk}-votes": "8",
            f"procon-{procon.pk}-members": "1",
            f"framework-{framework}-votes": "1.5K",
        },
    }
    assert Vote.objects.filter(user=member, procon=procon).exists()
    procon.refresh_from_db()
    assert procon.votes_count == 8

    second = member_client.post(vote_url(procon), headers=JSON)

    assert second.json() == {
        "votes": 7,
        "voted": False,
        "figures": {
            f"procon-{procon.pk}-votes": "7",
            f"procon-{procon.pk}-members": "0",
            f"framework-{framework}-votes": "1.5K",
        },
    }
    assert not Vote.objects.filter(procon=procon).exists()
    procon.refresh_from_db()
    assert procon.votes_count == procon.baseline_votes == 7


def test_every_figure_a_vote_answers_is_shown_marked_on_its_pages(member_client):
    FrameworkFactory(slug="django")
    procon = ProConFactory(framework__slug="flask", baseline_votes=3)

    figures = member_client.post(vote_url(procon), headers=JSON).json()["figures"]

    # vote.js replaces what these marks hold: each is on the pages, as sent.
    assert len(figures) == 3
    # (The comparison gives how each count is made with its sources.)
    for url in ("/frameworks/flask/", "/compare/django-vs-flask/?details=1"):
        html = member_client.get(url).content.decode()
        for name, text in figures.items():
            assert f'data-figure="{name}">{text}<' in html, (url, name)
    quiet = member_client.get("/compare/django-vs-flask/").content.decode()
    assert f'data-figure="procon-{procon.pk}-members"' not in quiet
    assert f'data-figure="procon-{procon.pk}-votes">4<' in quiet


def test_no_figures_for_an_item_deleted_since_the_vote():
    assert selectors.figures_after_vote(10**9) == {}


def test_vote_without_json_redirects_back_to_next(member_client):
    procon = ProConFactory()
    back = f"{procon.framework.get_absolute_url()}#procon-{procon.pk}"

    response = member_client.post(vote_url(procon), {"next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    assert member_votes(procon) == 1


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "http://testserver.evil/"],
)
def test_vote_ignores_an_unsafe_next(member_client, next_url):
    procon = ProConFactory()

    response = member_client.post(vote_url(procon), {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert member_votes(procon) == 1


def test_vote_without_next_redirects_home(member_client):
    response = member_client.post(vote_url(ProConFactory()))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_anonymous_vote_redirects_to_login_with_next(client):
    procon = ProConFactory(baseline_votes=3)
    back = procon.framework.get_absolute_url()

    response = client.post(vote_url(procon), {"next": back})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [back]
    assert member_votes(procon) == 0
    procon.refresh_from_db()
    assert procon.votes_count == 3


def test_anonymous_vote_never_sends_login_on_to_an_unsafe_next(client):
    response = client.post(vote_url(ProConFactory()), {"next": "https://evil.example/"})

    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [reverse("home")]


def test_anonymous_json_vote_gets_401_with_the_login_url(client):
    procon = ProConFactory()

    response = client.post(vote_url(procon), {"next": "/frameworks/"}, headers=JSON)

    assert response.status_code == 401
    body = response.json()
    assert body["error"]
    login = urlsplit(body["login_url"])
    assert login.path == reverse("login")
    assert parse_qs(login.query)["next"] == ["/frameworks/"]
    assert member_votes(procon) == 0


def test_get_is_not_allowed(member_client):
    procon = ProConFactory()

    response = member_client.get(vote_url(procon))

    assert response.status_code == 405
    assert member_votes(procon) == 0


def test_vote_without_csrf_token_is_refused(member):
    procon = ProConFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    refused = browser.post(vote_url(procon), headers=JSON)

    assert refused.status_code == 403
    assert member_votes(procon) == 0

    # The same client with the token from a page it loaded is accepted.
    page = browser.get(procon.framework.get_absolute_url())
    token = page.context["csrf_token"]
    accepted = browser.post(vote_url(procon), {"csrfmiddlewaretoken": str(token)}, headers=JSON)
    assert accepted.status_code == 200
    assert member_votes(procon) == 1


@pytest.mark.parametrize("status", [ProCon.Status.PENDING, ProCon.Status.REJECTED])
def test_unpublished_item_cannot_be_voted(member_client, status):
    procon = ProConFactory(status=status, baseline_votes=2)

    response = member_client.post(vote_url(procon), headers=JSON)

    assert response.status_code == 404
    assert member_votes(procon) == 0
    procon.refresh_from_db()
    assert procon.votes_count == 2


def test_unknown_item_is_404(member_client):
    procon = ProConFactory()

    response = member_client.post(reverse("frameworks:vote", args=[procon.pk + 1000]))

    assert response.status_code == 404
    assert not Vote.objects.exists()


@pytest.mark.parametrize("pk", ["99999999999999999999", str(2**63)])
def test_an_id_no_database_can_hold_is_404(member_client, pk):
    """Beyond a 64-bit integer: a 404 like any unknown item, not an overflow
    in the vote's statement (a 500 on PostgreSQL and SQLite)."""
    ProConFactory()

    response = member_client.post(f"/procons/{pk}/vote/", headers=JSON)

    assert response.status_code == 404
    assert not Vote.objects.exists()


def test_votes_of_several_members_add_up(client):
    procon = ProConFactory(baseline_votes=10)
    members = UserFactory.create_batch(3)

    for member in members:
        client.force_login(member)
        assert client.post(vote_url(procon), headers=JSON).json()["voted"] is True

    procon.refresh_from_db()
    assert procon.votes_count == 13
    assert set(Vote.objects.filter(procon=procon).values_list("user", flat=True)) == {
        m.pk for m in members
    }


def test_counter_stays_baseline_plus_votes_through_a_mixed_sequence(client):
    items = [ProConFactory(baseline_votes=b) for b in (678, 0, 10)]
    members = UserFactory.create_batch(3)
    expected = {(m.pk, p.pk): False for m in members for p in items}
    sequence = [(0, 0), (1, 0), (0, 0), (2, 1), (2, 1), (2, 1), (1, 2), (0, 2), (1, 0), (0, 0)]

    for member_index, item_index in sequence:
        member, item = members[member_index], items[item_index]
        client.force_login(member)
        body = client.post(vote_url(item), headers=JSON).json()
        expected[member.pk, item.pk] = not expected[member.pk, item.pk]
        assert body["voted"] is expected[member.pk, item.pk]
        item.refresh_from_db()
        assert body["votes"] == item.votes_count
        for procon in items:
            assert_counter_exact(procon)

    for item in items:
        voters = sum(expected[m.pk, item.pk] for m in members)
        item.refresh_from_db()
        assert item.votes_count == item.baseline_votes + voters


# --- Rate limit -----------------------------------------------------------------


def test_fourth_vote_in_a_minute_gets_429_json(
    member_client, member, settings, frozen_ratelimit_clock
):
    settings.VOTE_RATE = "3/m"
    procons = ProConFactory.create_batch(4)
    for procon in procons[:3]:
        assert member_client.post(vote_url(procon), headers=JSON).status_code == 200

    response = member_client.post(vote_url(procons[3]), headers=JSON)

    assert response.status_code == 429
    assert response.json()["error"]
    assert response["Retry-After"] == "55"  # the clock is 5 s into the minute
    assert member_votes(procons[3]) == 0
    # The limit is per member: someone else still votes.
    member_client.force_login(UserFactory())
    assert member_client.post(vote_url(procons[3]), headers=JSON).status_code == 200


def test_fourth_vote_in_a_minute_gets_the_429_page(member_client, settings, frozen_ratelimit_clock):
    settings.VOTE_RATE = "3/m"
    procon = ProConFactory(baseline_votes=1)
    for _ in range(3):
        assert member_client.post(vote_url(procon)).status_code == 302

    response = member_client.post(vote_url(procon))

    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    assert "voting very fast" in response.context["message"]
    assert response.context["retry_after"] == 55
    assert response["Retry-After"] == "55"
    assert_counter_exact(procon)


# --- The framework page -----------------------------------------------------------


def test_pros_and_cons_are_sorted_by_votes_then_text(member_client):
    framework = FrameworkFactory()
    alpha = ProConFactory(framework=framework, text="Alpha", baseline_votes=5)
    beta = ProConFactory(framework=framework, text="Beta", baseline_votes=5)
    top = ProConFactory(framework=framework, text="Zulu", baseline_votes=9)
    last = ProConFactory(framework=framework, text="Aaa", baseline_votes=0)
    con_a = ProConFactory(framework=framework, kind=ProCon.Kind.CON, text="Slow", baseline_votes=1)
    con_b = ProConFactory(framework=framework, kind=ProCon.Kind.CON, text="Big", baseline_votes=4)
    url = framework.get_absolute_url()

    response = member_client.get(url)

    assert response.status_code == 200
    assert page_order(response, [alpha, beta, top, last]) == [top, alpha, beta, last]
    assert page_order(response, [con_a, con_b]) == [con_b, con_a]

    # A vote for Beta breaks the tie: it moves above Alpha.
    member_client.post(vote_url(beta))
    assert page_order(member_client.get(url), [alpha, beta, top]) == [top, beta, alpha]


def test_member_sees_exactly_their_own_votes_pressed(member_client, member):
    framework = FrameworkFactory()
    mine = [
        ProConFactory(framework=framework),
        ProConFactory(framework=framework, kind=ProCon.Kind.CON),
    ]
    others = [
        ProConFactory(framework=framework),
        ProConFactory(framework=framework, kind=ProCon.Kind.CON),
    ]
    for procon in mine:
        member_client.post(vote_url(procon))
    someone = UserFactory()
    Vote.objects.create(user=someone, procon=others[0])
    Vote.objects.create(user=member, procon=ProConFactory())  # another framework's item

    buttons = vote_buttons(member_client.get(framework.get_absolute_url()))

    assert buttons == {p.pk: "true" for p in mine} | {p.pk: "false" for p in others}


def test_anonymous_page_shows_no_pressed_votes(client, member):
    procon = ProConFactory()
    Vote.objects.create(user=member, procon=procon)

    response = client.get(procon.framework.get_absolute_url())

    assert response.status_code == 200
    assert 'aria-pressed="true"' not in response.content.decode()


def _framework_with_voted_items(member, category, count):
    framework = FrameworkFactory(category=category)
    for i in range(count):
        kind = ProCon.Kind.PRO if i % 2 else ProCon.Kind.CON
        procon = ProConFactory(framework=framework, kind=kind, baseline_votes=i)
        Vote.objects.create(user=member, procon=procon)
    return framework


def test_framework_page_queries_do_not_grow_with_voted_items(member_client, member):
    category = CategoryFactory()
    small = _framework_with_voted_items(member, category, 2)
    large = _framework_with_voted_items(member, category, 30)
    member_client.get(small.get_absolute_url())  # warm up the session and caches

    counts = {}
    for framework, voted in ((small, 2), (large, 30)):
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(framework.get_absolute_url())
        assert response.status_code == 200
        assert list(vote_buttons(response).values()).count("true") == voted
        counts[voted] = len(queries)

    assert counts[2] == counts[30], counts


def test_items_of_unpublished_frameworks_cannot_be_voted(member_client):
    item = ProConFactory(framework__is_published=False)
    response = member_client.post(f"/procons/{item.pk}/vote/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.votes_count == item.baseline_votes


def test_deleting_a_member_takes_their_votes_out_of_the_counts():
    items = ProConFactory.create_batch(3, baseline_votes=10, votes_count=10)
    leaving, staying = UserFactory(), UserFactory()
    for item in items:
        services.toggle_vote(user=leaving, procon_id=item.pk)
    services.toggle_vote(user=staying, procon_id=items[0].pk)
    leaving.delete()
    counts = [ProCon.objects.get(pk=item.pk).votes_count for item in items]
    assert counts == [11, 10, 10]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no data-modifying WITH")
def test_on_postgresql_a_vote_is_one_statement():
    item = ProConFactory(baseline_votes=10, votes_count=10)
    member = UserFactory()

    for expected in ((11, True), (10, False), (11, True)):
        with CaptureQueriesContext(connection) as queries:
            assert services.toggle_vote(user=member, procon_id=item.pk) == expected
        assert [q["sql"].split()[0] for q in queries] == ["WITH"]
    item.refresh_from_db()
    assert item.votes_count == 11 == item.baseline_votes + Vote.objects.filter(procon=item).count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite checks in its own statement")
def test_on_postgresql_the_one_statement_writes_nothing_it_may_not():
    item = ProConFactory(baseline_votes=10, votes_count=10)
    pending = ProConFactory(status=ProCon.Status.PENDING, baseline_votes=3, votes_count=3)
    blocked = UserFactory()
    AbuseMark.objects.create(user=blocked, username=blocked.username, reason="Burst.")

    for user, procon, refused in (
        (UserFactory(), pending, services.VoteNotAllowed),
        (blocked, item, services.VotingBlocked),
    ):
        with CaptureQueriesContext(connection) as queries, pytest.raises(refused):
            services.toggle_vote(user=user, procon_id=procon.pk)
        assert [q["sql"].split()[0] for q in queries] == ["WITH"]
    assert not Vote.objects.exists()
    item.refresh_from_db()
    pending.refresh_from_db()
    assert (item.votes_count, pending.votes_count) == (10, 3)


def test_a_vote_writes_as_few_index_entries_as_its_lookups_allow():
    """No index holds the vote counter, so on PostgreSQL moving it is a HOT
    update that writes no index entry; Vote keeps only the indexes its
    lookups use (by member and item, by item and time, by time alone for
    the vote report and the trending lists' last 30 days, the key)."""
    with connection.cursor() as cursor:
        procon = connection.introspection.get_constraints(cursor, ProCon._meta.db_table)
        vote = connection.introspection.get_constraints(cursor, Vote._meta.db_table)

    def indexed(constraints):  # unique constraints and the key are indexes too
        return [c for c in constraints.values() if c["index"] or c["unique"] or c["primary_key"]]

    assert not [c for c in indexed(procon) if "votes_count" in c["columns"]]
    vote_indexes = sorted(tuple(c["columns"]) for c in indexed(vote))
    assert vote_indexes == [
        ("created",),
        ("id",),
        ("procon_id", "created"),
        ("user_id", "procon_id"),
    ]


def run_scenario(toggle):
    """One story of toggles, told to ``toggle(user, procon_id)``: answers and
    the refusals, then every count and vote row it left."""
    hidden = ProConFactory(framework__is_published=False, baseline_votes=2, votes_count=2)
    item = ProConFactory(baseline_votes=10, votes_count=10)
    pending = ProConFactory(framework=item.framework, status=ProCon.Status.PENDING)
    alice, bob, blocked = UserFactory(), UserFactory(), UserFactory()
    AbuseMark.objects.create(user=blocked, username=blocked.username, reason="Burst.")
    told = []
    for user, procon in (
        (alice, item), (bob, item), (alice, item), (alice, item), (bob, item),
        (alice, pending), (bob, hidden), (blocked, item), (alice, 10**12),
    ):  # fmt: skip
        pk = procon if isinstance(procon, int) else procon.pk
        try:
            told.append(tuple(toggle(user, pk)))
        except (services.VoteNotAllowed, services.VotingBlocked) as refused:
            told.append(type(refused).__name__)
    counts = [ProCon.objects.get(pk=p.pk).votes_count for p in (item, pending, hidden)]
    counts += [Framework.objects.get(pk=p.framework_id).votes_count for p in (item, hidden)]
    rows = Vote.objects.filter(procon__in=[item, pending, hidden])
    votes = sorted(rows.values_list("user_id", "procon_id"))
    names = {alice.pk: "alice", bob.pk: "bob"}
    return told, counts, [(names[u], p == item.pk) for u, p in votes]


def test_the_orm_path_tells_the_story_the_one_statement_tells():
    """toggle_vote on PostgreSQL is one written-out statement (vote_sql);
    toggle_vote_orm is the ORM path, used elsewhere: the same answers,
    refusals and rows, whichever runs."""
    orm = run_scenario(lambda user, pk: services.toggle_vote_orm(user=user, procon_id=pk))
    assert orm == (
        [(11, True), (12, True), (11, False), (12, True), (11, False),
         "VoteNotAllowed", "VoteNotAllowed", "VotingBlocked", "VoteNotAllowed"],
        [11, 0, 2, 11, 2],
        [("alice", True)],
    )  # fmt: skip
    Vote.objects.all().delete()
    assert run_scenario(lambda user, pk: services.toggle_vote(user=user, procon_id=pk)) == orm

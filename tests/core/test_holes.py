"""Holes (core/cache/holes.py, pages/holes.py): the blocks that show
counts members change are cached apart from their pages, under tags of
their own. A vote re-renders one small block, once; pages stay hits and
every hit is what a fresh render shows (``cached_pages`` checks every demo
page). Members get the same blocks rendered with their own state."""

import gzip
import json
import re
import threading
import time
import zlib

import pytest
from django.db import connection
from django.test import Client

from comparison import selectors
from comparison.views import comparison_page
from core.cache import holes, pages, store
from frameworks import services
from frameworks.models import ProCon
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/compare/django-vs-flask/"


def test_a_stored_page_keeps_its_holes_keys_not_their_counts(client, demo, page_cache):
    key = pages.page_key(client.get(URL).wsgi_request)
    page = store.get_many([key])[key]
    body = zlib.decompress(page.body)
    names = [json.loads(key)[0] for key in page.holes]
    assert names.count("follow") == 2 and names.count("counts") == 2
    assert {"compare_statistics", "compare_procons"} <= set(names)
    assert b'class="vote-count"' not in body  # every count is in a hole
    assert holes.MARK.encode() not in body
    assert holes.MARK not in client.get(URL).content.decode()


def test_a_vote_renders_only_its_frameworks_holes_once_for_every_reader(
    client, demo, page_cache, committed, hole_renders
):
    for url in (URL, "/frameworks/flask/", "/frameworks/django/"):
        client.get(url)
    before = len(hole_renders())
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)

    for _ in range(3):
        for url in (URL, "/frameworks/flask/", "/frameworks/django/"):
            response = Client().get(url)
            assert response["X-Cache"] == "hit"
    rendered = hole_renders()[before:]
    # Django's blocks that show votes, on the two pages showing Django, each
    # once; Flask's page renders nothing (its holes show only Flask), nor do
    # the follow buttons and stack lists (a vote changes neither).
    on_the_comparison = ["counts", "compare_statistics", "compare_procons"]
    on_djangos_page = ["framework_counts", "procons"]
    assert sorted(rendered) == sorted([*on_the_comparison, *on_djangos_page])
    html = Client().get(URL).content.decode()
    assert '<span class="vote-count">679</span>' in html
    details = Client().get(URL + "?details=1").content.decode()  # how the count is made
    assert "679 = 678 imported + 1 from members" in re.sub(r"<[^>]+>", "", details)


@pytest.mark.django_db(transaction=True)
def test_concurrent_readers_of_a_stale_hole_render_it_once(
    demo, page_cache, committed, hole_renders, monkeypatch
):
    Client().get(URL)
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    before = len(hole_renders())
    real = holes._render
    renders = []

    def slow(keys, request, *, clock):
        renders.append(keys)
        time.sleep(0.2)  # the other readers find the holes stale meanwhile
        return real(keys, request, clock=clock)

    answers = []
    monkeypatch.setattr(holes, "_render", slow)

    def read():
        answers.append(Client().get(URL).content)
        connection.close()

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert len(set(answers)) == 1
    assert b'<span class="vote-count">679</span>' in answers[0]
    rendered_keys = [key for keys in renders for key in keys]
    assert len(rendered_keys) == len(set(rendered_keys))  # each block once, by one reader
    rendered = sorted(hole_renders()[before:])
    assert rendered == ["compare_procons", "compare_statistics", "counts"]


def _another_process_renders(keys, *, stores):
    """Play another worker: it holds the render locks of ``keys`` and, a
    moment later, stores their blocks (``stores``) or gives up, then lets go."""
    from core.cache import tags

    store.set_many(dict.fromkeys(map(holes._lock, keys), 1), 10)

    def work():
        time.sleep(0.1)
        if stores:
            holes._render(keys, None, clock=tags.read_clock())
        store.delete_many(list(map(holes._lock, keys)))
        connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    return worker


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stores", [True, False])
def test_a_block_another_process_is_rendering_is_waited_for_not_rendered_twice(
    demo, page_cache, committed, monkeypatch, stores
):
    response = Client().get(URL)
    keys = list(
        store.get_many([pages.page_key(response.wsgi_request)])[
            pages.page_key(response.wsgi_request)
        ].holes
    )
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    here, real = threading.get_ident(), holes._render
    mine = []

    def render(keys, request, *, clock):
        if threading.get_ident() == here:
            mine.extend(json.loads(key)[0] for key in keys)
        return real(keys, request, clock=clock)

    monkeypatch.setattr(holes, "_render", render)
    worker = _another_process_renders(keys, stores=stores)
    html = Client().get(URL).content.decode()
    worker.join()
    assert '<span class="vote-count">679</span>' in html
    if stores:  # its blocks, once they landed
        assert mine == []
    else:  # it let go with nothing stored: this reader renders them
        assert sorted(mine) == ["compare_procons", "compare_statistics", "counts"]


@pytest.mark.django_db(transaction=True)
def test_a_reader_lets_go_of_its_own_blocks_before_it_waits_for_anothers(
    demo, page_cache, committed, monkeypatch
):
    """Two processes, each rendering a block the other waits for, when
    neither block is kept (a vote landed meanwhile): each must let go of its
    own before it waits, or both wait out their deadline."""
    response = Client().get(URL)
    key = pages.page_key(response.wsgi_request)
    keys = list(store.get_many([key])[key].holes)
    theirs = next(k for k in keys if json.loads(k)[0] == "compare_procons")
    ours = [k for k in keys if json.loads(k)[0] in ("counts", "compare_statistics")]
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    monkeypatch.setattr(store, "WAIT_SECONDS", 30.0)
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 60)
    store.set_many({holes._lock(theirs): 1}, 10)
    rendering, released, real = threading.Event(), [], holes._render

    def render(keys, request, *, clock):
        rendering.set()  # the reader holds the locks of its blocks
        return real(keys, request, clock=clock)

    monkeypatch.setattr(holes, "_render", render)

    def other_process():  # lets go once the reader let go of its own blocks
        rendering.wait(10)
        for _ in range(500):
            if not store.get_many([holes._lock(k) for k in ours]):
                released.append(True)
                break
            time.sleep(0.01)
        store.delete_many([holes._lock(theirs)])

    worker = threading.Thread(target=other_process)
    worker.start()
    html = Client().get(URL).content.decode()
    worker.join()
    assert released  # within its five seconds, not after the reader's thirty
    assert '<span class="vote-count">679</span>' in html


def test_a_hit_reads_its_page_and_holes_in_one_round_trip(client, demo, page_cache, monkeypatch):
    client.get(URL)
    assert Client().get(URL)["X-Cache"] == "hit"
    reads = []
    real = store.get_many
    monkeypatch.setattr(store, "get_many", lambda keys: reads.append(keys) or real(keys))
    assert Client().get(URL)["X-Cache"] == "hit"
    assert len(reads) == 1


def test_a_hole_render_that_overlaps_a_write_to_its_tags_is_served_not_kept(
    client, demo, page_cache, committed, monkeypatch, hole_renders
):
    from core.cache import tags
    from frameworks import cache as catalogue_tags

    flask = ProCon.objects.filter(framework__slug="flask").first().framework
    real = selectors.comparison_counts

    def counted_while_a_vote_lands(*args, **kwargs):
        counts = real(*args, **kwargs)
        tags.bump(catalogue_tags.votes(flask.pk))
        return counts

    from pages import holes as site_holes

    monkeypatch.setattr(site_holes, "comparison_counts", counted_while_a_vote_lands)
    client.get(URL)
    monkeypatch.setattr(site_holes, "comparison_counts", real)
    before = len(hole_renders())
    assert Client().get(URL)["X-Cache"] == "hit"
    assert "compare_statistics" in hole_renders()[before:]  # not kept: rendered again
    again = len(hole_renders())
    Client().get(URL)
    assert hole_renders()[again:] == []


def test_with_the_cache_down_holes_are_rendered_for_each_reader(
    client, demo, page_cache, redis_down
):
    for _ in range(2):
        response = client.get(URL)
        assert response.status_code == 200
        assert '<span class="vote-count">678</span>' in response.content.decode()


def member_client(user=None):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user or UserFactory())
    return client


def test_members_get_holes_with_their_own_votes_and_tokens(demo, page_cache, committed):
    """Each reader's page shows which items they voted for, forms that
    return to the address they read, and their own CSRF token, which the
    site accepts; no member's state reaches the shared blocks."""
    item = ProCon.objects.get(framework__slug="flask", text="User friendly")
    alice, bob = UserFactory(), UserFactory()
    committed(services.toggle_vote, user=alice, procon_id=item.pk)
    readers = {user: member_client(user) for user in (alice, bob)}
    form = re.compile(
        rf'<form method="post" action="/procons/{item.pk}/vote/".*?value="([^"]+)">\s*'
        r'<input type="hidden" name="next" value="([^"]+)">\s*'
        r'<button type="submit" class="vote-button" aria-pressed="(\w+)"',
        re.S,
    )
    weighed = URL + "?w-url-routing=3"
    pages_ = {
        alice: readers[alice].get(URL).content.decode(),
        bob: readers[bob].get(weighed).content.decode(),
    }
    alice_token, alice_next, alice_pressed = form.search(pages_[alice]).groups()
    bob_token, bob_next, bob_pressed = form.search(pages_[bob]).groups()
    assert (alice_pressed, bob_pressed) == ("true", "false")
    assert alice_next == f"{URL}#procon-{item.pk}"
    assert bob_next == f"{weighed}#procon-{item.pk}"
    assert alice_token != bob_token
    response = readers[bob].post(
        f"/procons/{item.pk}/vote/", {"csrfmiddlewaretoken": bob_token, "next": bob_next}
    )
    assert response.status_code == 302
    assert ProCon.objects.get(pk=item.pk).votes_count == item.votes_count + 2
    assert form.search(readers[bob].get(weighed).content.decode()).group(3) == "true"
    anonymous = Client().get(URL).content.decode()
    assert "csrfmiddlewaretoken" not in anonymous
    assert 'aria-pressed="true"' not in anonymous


def test_a_members_vote_shows_at_once_without_computing_the_page_again(
    demo, page_cache, committed, monkeypatch
):
    member = member_client()
    member.get(URL)
    computed = []
    original = selectors.comparison_page
    monkeypatch.setattr(
        selectors, "comparison_page", lambda *a, **k: computed.append(1) or original(*a, **k)
    )
    item = ProCon.objects.get(framework__slug="django", text="Rapid development")
    committed(services.toggle_vote, user=UserFactory(), procon_id=item.pk)
    html = member.get(URL).content.decode()
    assert computed == []
    # A member's count is marked for vote.js (data-figure).
    assert re.search(r'<span class="vote-count"[^>]*>679</span>', html)
    assert comparison_page("django-vs-flask", False) is not None


def test_a_cached_page_is_served_gzipped_as_stored(client, demo, page_cache):
    plain = client.get(URL)
    hit = Client().get(URL, HTTP_ACCEPT_ENCODING="gzip, br")
    assert hit["X-Cache"] == "hit"
    assert hit["Content-Encoding"] == "gzip"
    assert hit["Vary"] == "Accept-Encoding"
    assert gzip.decompress(hit.content) == plain.content
    assert hit["ETag"] == "W/" + Client().get(URL)["ETag"]
    assert Client().get(URL, HTTP_IF_NONE_MATCH=hit["ETag"]).status_code == 304


def test_text_that_looks_like_a_marker_is_printed_as_it_is(client, demo, page_cache, committed):
    """Nothing a visitor or curator types can open a hole: the marker is a
    secret of the process, and NUL or JSON in data is just text."""
    from frameworks.models import Framework

    flask = Framework.objects.get(slug="flask")
    flask.tagline = '["counts", 1, false] \\u0000 {{ hole("popular") }}'
    committed(flask.save)
    for _ in range(2):
        html = client.get(URL).content.decode()
        assert "[&#34;counts&#34;, 1, false]" in html
        assert "{{ hole(&#34;popular&#34;) }}" in html

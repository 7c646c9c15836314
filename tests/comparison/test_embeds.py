"""Embeds: the comparison card for iframes, README badges, the copy-paste
snippets that offer them, and which routes other sites may frame."""

import re

import pytest
from django.test import Client

from frameworks.models import Framework
from tests.factories import FrameworkFactory, ProConFactory

pytestmark = pytest.mark.django_db

EMBED = "/compare/django-vs-flask/embed/"


# --- the embed card -----------------------------------------------------------


def test_the_embed_card_shows_statistics_and_the_top_three_pros(client, demo):
    response = client.get(EMBED)

    assert response.status_code == 200
    html = response.content.decode()
    assert "site-header" not in html and "<script" not in html  # its own minimal page
    assert "css/embed.css" in html and "css/site.css" not in html
    assert "85.6K" in html and "19.3K" in html  # Django's stars, Flask's stacks
    pros = re.findall(r'<ol class="embed__pros">(.*?)</ol>', html, re.S)
    assert len(pros) == 2 and all(block.count("<li>") == 3 for block in pros)
    assert "Rapid development" in pros[0]  # the most voted first
    assert 'href="/compare/django-vs-flask/" target="_blank" rel="noopener"' in html
    for link in re.findall(r"<a [^>]*>", html):
        assert 'target="_blank"' in link and 'rel="noopener"' in link


def test_generated_comparisons_embed_and_other_orders_redirect(client, demo):
    assert client.get("/compare/fastapi-vs-flask-vs-pyramid/embed/").status_code == 200
    response = client.get("/compare/flask-vs-django/embed/")
    assert response.status_code == 301
    assert response["Location"] == EMBED


def test_unknown_frameworks_get_a_404_card(client, demo):
    assert client.get("/compare/django-vs-nope/embed/").status_code == 404
    assert client.get("/compare/<b>/embed/").status_code == 404


def test_embed_escapes_names(client):
    FrameworkFactory(slug="alpha", name="<script>alert(1)</script>")
    beta = FrameworkFactory(slug="beta", name="Beta")
    ProConFactory(framework=beta, kind="pro", text="<img src=x onerror=alert(2)>")

    html = Client().get("/compare/alpha-vs-beta/embed/").content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_the_embed_card_is_cached_with_its_framing_headers(demo, page_cache, committed):
    reader = Client()
    assert reader.get(EMBED)["X-Cache"] == "miss"
    hit = reader.get(EMBED)
    assert hit["X-Cache"] == "hit"
    assert "frame-ancestors *" in hit["Content-Security-Policy"]
    assert "X-Frame-Options" not in hit

    # The card lists pros only; Flask's most voted pro ties with a con.
    pro = Framework.objects.get(slug="flask").procons.filter(kind="pro").order_by("-votes_count")[0]
    pro.text = "Tiny core, big ecosystem"
    committed(pro.save)
    fresh = reader.get(EMBED)
    assert fresh["X-Cache"] == "miss" and "Tiny core, big ecosystem" in fresh.content.decode()


def test_a_vote_shows_on_the_cached_embed_card(demo, page_cache, committed):
    from frameworks import services
    from tests.factories import UserFactory

    reader = Client()
    reader.get(EMBED)
    # The least voted of Flask's top three: a vote keeps the order.
    pros = list(
        Framework.objects.get(slug="flask").procons.filter(kind="pro").order_by("-votes_count")
    )
    third = pros[2]
    assert pros[1].votes_count > third.votes_count + 1

    committed(services.toggle_vote, user=UserFactory(), procon_id=third.pk)

    html = reader.get(EMBED).content.decode()
    assert f'{third.text} <span class="embed__votes">{third.votes_count + 1}<' in html


# --- framing, route by route ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/compare/django-vs-flask/",
        "/compare/django-vs-flask.json",
        "/frameworks/django/",
        "/frameworks/django/badge.svg",
        "/frameworks/",
        "/api/v1/frameworks/",
        "/admin/login/",
        "/compare/django-vs-nope/",
    ],
)
def test_every_other_route_refuses_to_be_framed(client, demo, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url", [EMBED, "/compare/fastapi-vs-flask-vs-pyramid/embed/", "/compare/django-vs-nope/embed/"]
)
def test_embed_routes_may_be_framed_by_any_site(client, demo, url):
    response = client.get(url)
    assert "X-Frame-Options" not in response
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "'none'" not in csp.split("frame-ancestors")[1]
    # The rest of the policy is the site's.
    assert "default-src 'self'" in csp and "script-src 'self'" in csp


def test_the_admin_is_never_framable(admin_client):
    response = admin_client.get("/admin/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


# --- badges ------------------------------------------------------------------


def test_the_badge_shows_stars_and_votes_accessibly(client, demo):
    response = client.get("/frameworks/django/badge.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = response.content.decode()
    assert svg.startswith("<svg") and 'role="img"' in svg
    title = re.search(r"<title>(.*?)</title>", svg).group(1)
    assert title == "Django: 85.6K GitHub stars, 2.3K community votes"
    assert "★ 85.6K · 2.3K votes" in svg


def test_unknown_stars_show_a_dash_not_zero(client, demo):
    svg = client.get("/frameworks/flask/badge.svg").content.decode()
    assert "Flask: – GitHub stars" in svg


def test_the_badge_escapes_the_name(client):
    FrameworkFactory(slug="evil", name="<script>\"x\" & 'y'</script>")
    svg = client.get("/frameworks/evil/badge.svg").content.decode()
    assert "<script" not in svg
    assert "&lt;script&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;/script&gt;" in svg


def test_the_badge_is_cacheable_by_proxies_and_revalidates(client, demo):
    first = client.get("/frameworks/django/badge.svg")
    assert first["Cache-Control"] == "public, max-age=3600"
    etag = first["ETag"]

    again = client.get("/frameworks/django/badge.svg", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert again["Cache-Control"] == "public, max-age=3600"

    ProConFactory(framework=Framework.objects.get(slug="django"), votes_count=500)
    changed = client.get("/frameworks/django/badge.svg", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_unknown_or_unpublished_frameworks_have_no_badge(client, demo):
    assert client.get("/frameworks/nope/badge.svg").status_code == 404
    FrameworkFactory(slug="draft", is_published=False)
    assert client.get("/frameworks/draft/badge.svg").status_code == 404
    assert client.post("/frameworks/django/badge.svg").status_code == 405


# --- snippets ------------------------------------------------------------------


def textarea(html, element_id):
    match = re.search(
        rf'<textarea id="{element_id}"[^>]*readonly[^>]*>(.*?)</textarea>', html, re.S
    )
    assert match, element_id
    return match.group(1)


def test_the_comparison_page_offers_the_embed_snippets(client, demo):
    html = client.get("/compare/django-vs-flask/").content.decode()

    # In the "Share and export" menu, with the downloads.
    menu = re.search(r'<details class="share-menu".*?</details>', html, re.S).group()
    assert "<summary>Share and export</summary>" in menu
    assert "<h3>Embed this comparison</h3>" in menu
    assert 'id="embed-html"' in menu and 'id="embed-markdown"' in menu
    assert textarea(html, "embed-html") == (
        "&lt;iframe src=&#34;http://testserver/compare/django-vs-flask/embed/&#34; "
        "title=&#34;Django vs Flask on StackCompare&#34; width=&#34;600&#34; "
        "height=&#34;360&#34; loading=&#34;lazy&#34;&gt;&lt;/iframe&gt;"
    )
    assert textarea(html, "embed-markdown") == (
        "[Django vs Flask on StackCompare](http://testserver/compare/django-vs-flask/)"
    )


def test_the_framework_page_offers_the_badge_snippets(client, demo):
    html = client.get("/frameworks/django/", secure=True).content.decode()

    assert "<summary>Badge for your README</summary>" in html
    assert textarea(html, "badge-markdown") == (
        "[![Django on StackCompare](https://testserver/frameworks/django/badge.svg)]"
        "(https://testserver/frameworks/django/)"
    )
    assert "&lt;img src=&#34;https://testserver/frameworks/django/badge.svg&#34;" in textarea(
        html, "badge-html"
    )


def test_snippets_escape_names_for_their_own_language(client):
    FrameworkFactory(slug="alpha", name='A "quoted" [name] </textarea>')
    FrameworkFactory(slug="beta", name="Beta")

    html = client.get("/frameworks/alpha/").content.decode()
    markdown = textarea(html, "badge-markdown")
    assert r"A &#34;quoted&#34; \[name\] \&lt;/textarea\&gt;" in markdown
    # In the HTML snippet the quotes are escaped for the reader's page, then
    # again for the textarea.
    assert "alt=&#34;A &amp;quot;quoted&amp;quot; [name] &amp;lt;/textarea&amp;gt;" in textarea(
        html, "badge-html"
    )
    compare = client.get("/compare/alpha-vs-beta/").content.decode()
    assert "</textarea>" not in textarea(compare, "embed-html")


# --- query budgets ---------------------------------------------------------------


def test_the_embed_card_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    from tests.comparison.test_views import build_set, count_queries

    small = build_set(2, 3)
    baseline = count_queries(client, "/compare/fw0-vs-fw1/embed/")
    for framework in small:
        ProConFactory.create_batch(50, framework=framework)
    FrameworkFactory(slug="fw2"), FrameworkFactory(slug="fw3")
    assert count_queries(client, "/compare/fw0-vs-fw1/embed/") == baseline
    # The comparison page's data (one data-cache entry with the page), no
    # more (one fewer here: no decision names all four, nothing to prefetch).
    with django_assert_max_num_queries(baseline):
        client.get("/compare/fw0-vs-fw1-vs-fw2-vs-fw3/embed/")


def test_a_badge_costs_one_query(client, demo, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get("/frameworks/django/badge.svg").status_code == 200

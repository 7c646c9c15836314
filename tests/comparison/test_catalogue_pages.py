"""The catalogue and category pages a page at a time (keyset cursors,
core/pagination.py), and every page type staying small and flat as the
catalogue grows (issue 30; the timed figures are in docs/benchmarks)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comparison import selectors
from comparison import views as comparison_views
from core import pagination
from frameworks import services
from frameworks.models import Framework
from tests.factories import CategoryFactory, ComparisonFactory, FrameworkFactory, ProConFactory

pytestmark = pytest.mark.django_db


def link(html, rel):
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def card_names(html):
    return [name.strip() for name in re.findall(r"<h3[^>]*>\s*<a[^>]*>([^<]+)</a>", html)]


def walk(client, path, query=""):
    """Every page from ``path?query`` on by its Next links: (names, pages' HTML)."""
    names, pages, url = [], [], f"{path}?{query}" if query else path
    while url:
        html = client.get(url).content.decode()
        pages.append(html)
        names += card_names(html)
        found = link(html, "next")
        url = f"{path}{found}" if found else None
    return names, pages


def test_the_catalogue_pages_keep_filters_and_sort(client):
    for n, stars in enumerate([5, None, 50, 7, None] * 6):
        FrameworkFactory(name=f"Py {n:02}", github_stars=stars, language="Python")
    FrameworkFactory(name="Go one", language="Go", github_stars=999)
    names, pages = walk(client, "/frameworks/", "language=Python&sort=-stars")
    expected = sorted(
        Framework.objects.filter(language="Python"),
        key=lambda f: (f.github_stars is None, -(f.github_stars or 0), f.name),
    )
    assert names == [f.name for f in expected]
    assert len(pages) == 2 and "Go one" not in names
    assert link(pages[0], "prev") is None and link(pages[-1], "next") is None
    assert "language=Python" in link(pages[-1], "prev") and "sort=-stars" in link(pages[-1], "prev")
    assert "30 frameworks match your filters" in re.sub(r"\s+", " ", pages[-1])
    back = client.get("/frameworks/" + link(pages[-1], "prev")).content.decode()
    assert card_names(back) == names[:24]


def test_a_search_pages_by_rank(client):
    FrameworkFactory.create_batch(30, description="friendly")
    FrameworkFactory(name="Friendly", description="")
    names, _ = walk(client, "/frameworks/", "q=friendly")
    assert names[0] == "Friendly" and len(names) == 31 and len(set(names)) == 31


def test_a_category_page_lists_a_page_at_a_time(client):
    category = CategoryFactory(slug="web")
    child = CategoryFactory(slug="micro", parent=category)
    FrameworkFactory.create_batch(20, category=category)
    FrameworkFactory.create_batch(10, category=child)
    names, pages = walk(client, "/categories/web/")
    assert names == sorted(names) and len(names) == len(set(names)) == 30
    assert [len(card_names(p)) for p in pages] == [24, 6]
    assert "(30)" in pages[0] and 'name="robots" content="noindex' in pages[1]
    assert 'name="robots"' not in pages[0]


def test_lists_count_up_to_a_cap_and_say_more_than_beyond_it(client, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 25)
    category = CategoryFactory(slug="web")
    FrameworkFactory.create_batch(25, category=category, language="Python")
    FrameworkFactory(category=category, language="Go")

    def heading(path):
        return re.sub(r"\s+", " ", client.get(path).content.decode())

    assert "More than 25 frameworks" in heading("/frameworks/")
    assert "25 frameworks match your filters" in heading("/frameworks/?language=Python")
    assert "1 framework match your filters" in heading("/frameworks/?language=Go")
    assert "(more than 25)" in heading("/categories/web/")
    assert pagination.count_up_to(Framework.objects.all(), 26) == pagination.Count(26, True)


def test_the_language_choices_follow_the_catalogue_through_the_cache(client, page_cache, committed):
    framework = FrameworkFactory(language="Python")
    assert ">Python</option>" in client.get("/frameworks/?sort=name").content.decode()
    framework.language = "Gleam"
    committed(framework.save)
    # Another address of the catalogue: not the page cached above, only
    # the choices kept in the data cache.
    html = client.get("/frameworks/?sort=-stars").content.decode()
    assert ">Gleam</option>" in html and ">Python</option>" not in html


def test_the_votes_sort_follows_the_framework_counters(client, member):
    first, second = FrameworkFactory(name="Aaa"), FrameworkFactory(name="Bbb")
    ProConFactory(framework=first, baseline_votes=1)
    item = ProConFactory(framework=second, baseline_votes=1)
    services.toggle_vote(user=member, procon_id=item.pk)
    names, _ = walk(client, "/frameworks/", "sort=-votes")
    assert names[:2] == ["Bbb", "Aaa"]


def test_the_compare_index_lists_curated_comparisons_a_page_at_a_time(client, monkeypatch):
    monkeypatch.setattr(comparison_views.CompareIndexView, "per_page", 2)
    made = [ComparisonFactory(title=f"Comparison {n}") for n in (3, 1, 4, 0, 2)]
    slugs, url = [], "/compare/"
    while url:
        html = client.get(url).content.decode()
        slugs += [
            c.slug for c in sorted(made, key=lambda c: c.title) if c.get_absolute_url() in html
        ]
        assert "(5)" in html
        found = link(html, "next")
        url = f"/compare/{found}" if found else None
    # Each page holds its own two, in title order, and the pages hold all five.
    assert slugs == [c.slug for c in sorted(made, key=lambda c: c.title)]


def test_the_compare_index_reads_its_comparisons_from_the_data_cache(
    client, page_cache, committed, monkeypatch, django_assert_num_queries
):
    """A page of it is one query (its keys) once the curated comparisons are
    kept; a comparison published since they were kept is read apart."""
    monkeypatch.setattr(comparison_views.CompareIndexView, "per_page", 2)
    ComparisonFactory.create_batch(3)
    first = client.get("/compare/").content.decode()
    with django_assert_num_queries(1):
        second = client.get("/compare/" + link(first, "next")).content.decode()
    assert "(3)" in second and len(re.findall('class="comparison-link"', second)) == 1
    kept = selectors.curated_comparisons()
    newer = ComparisonFactory(title="Zzz, published a moment ago")
    monkeypatch.setattr(selectors, "curated_comparisons", lambda: kept)  # its bump not seen yet
    page, _ = selectors.curated_page(pagination.encode("n", ["Comparison", ""]), 10)
    assert newer in page.object_list and newer.ordered_frameworks()


def test_the_compare_index_past_its_first_page_is_not_indexed(client, monkeypatch):
    monkeypatch.setattr(comparison_views.CompareIndexView, "per_page", 2)
    ComparisonFactory.create_batch(3)
    first = client.get("/compare/").content.decode()
    second = client.get("/compare/" + link(first, "next")).content.decode()
    assert 'name="robots"' not in first and "(continued)" not in first
    assert 'name="robots" content="noindex, follow"' in second and "(continued)" in second


#: A cursor that decodes and fits each list's key but lies after its last row.
PAST_THE_END = {
    "/frameworks/": pagination.encode("n", ["zzz"]),
    "/categories/web/": pagination.encode("n", ["zzz"]),
    "/compare/": pagination.encode("n", ["zzz", "zzz"]),
}


@pytest.mark.parametrize("path", PAST_THE_END)
def test_a_cursor_past_the_end_says_so_and_links_to_the_first_page(client, path):
    category = CategoryFactory(slug="web")
    ComparisonFactory(frameworks=FrameworkFactory.create_batch(2, category=category))
    response = client.get(path, {"cursor": PAST_THE_END[path]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is nothing further in this list." in html
    assert '<a href="?">Back to the first page</a>' in html  # the path, no cursor
    assert "No curated comparisons yet" not in html
    assert "No published framework" not in html and "No framework matches" not in html


BAD_CURSORS = ["garbage", "n.WzEsMl0", "p." + "A" * 5000, "n.WyJ4IiwxXQ", "%00"]


@pytest.mark.parametrize("path", ["/frameworks/", "/categories/web/", "/compare/"])
@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_is_a_400_page_saying_so(client, path, cursor):
    if path == "/compare/" and cursor in ("n.WzEsMl0", "n.WyJ4IiwxXQ"):
        cursor = "n.WzEsMiwzXQ"  # two values fit its (title, slug) key: three do not
    CategoryFactory(slug="web")
    response = client.get(f"{path}?cursor={cursor}")
    assert response.status_code == 400
    if cursor != "%00":  # refused by the text policy before the view
        assert "cursor is not valid" in response.content.decode()


# --- At scale: flat queries, small pages -----------------------------------------

PAGES = [
    "/",
    "/compare/",
    "/frameworks/",
    "/frameworks/?sort=-stars",
    "/frameworks/?sort=-votes",
    "/frameworks/?q=fast",
    "/categories/big/",
    "/api/v1/frameworks/",
    "/frameworks/names.json?q=fr",
    "/sitemap.xml",
]


def add_frameworks(category, start, count):
    Framework.objects.bulk_create(
        Framework(
            name=f"Framework {n:05}",
            slug=f"framework-{n:05}",
            category=category,
            tagline="A fast framework",
            description="Fast, friendly and well documented. " * 5,
            language="Python",
            github_stars=n * 7 % 1000 or None,
        )
        for n in range(start, start + count)
    )


def measure(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries), len(response.content)


def test_every_page_stays_small_and_flat_as_a_category_grows(client):
    big = CategoryFactory(slug="big")
    add_frameworks(big, 0, 60)  # more than a page of each list
    small = {path: measure(client, path) for path in PAGES}
    add_frameworks(big, 60, 3000)
    for path in PAGES:
        queries, size = measure(client, path)
        assert queries <= small[path][0], path
        assert size < 100_000, path
        # The page holds a page of frameworks, not the catalogue.
        assert size < small[path][1] * 1.5 + 2_000, path


# --- SQLite: the pages' growing queries read an index (frameworks/search.py) ---

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own indexes")


def plan_of(client, path, marker):
    """The plan of the one query of ``path`` whose SQL holds ``marker``
    (PostgreSQL's with sequential scans priced out: at a test's size a scan
    is cheapest, and the question is whether an index can serve)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    (sql,) = [q["sql"] for q in queries if marker in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " | ".join(row[-1] for row in cursor.fetchall())


@sqlite_only
def test_sqlite_picks_a_category_page_from_its_index(client):
    """The page's keys from ``framework_by_category`` alone, each category
    below in name order (no row of the table read to choose them), and its
    capped count from the same index."""
    web = CategoryFactory(slug="web")
    add_frameworks(web, 0, 30)
    add_frameworks(CategoryFactory(parent=web), 30, 30)
    plan = plan_of(client, "/categories/web/", "LIMIT 25")
    assert "LIST SUBQUERY" in plan and "COVERING INDEX framework_by_category" in plan, plan
    plan = plan_of(client, "/categories/web/", "LIMIT 1001")
    assert "COVERING INDEX framework_by_category" in plan, plan


def test_the_sitemap_index_reads_the_latest_change_from_an_index(client):
    add_frameworks(CategoryFactory(), 0, 30)
    plan = plan_of(client, "/sitemap.xml", 'MAX("frameworks_framework"."updated")')
    if connection.vendor == "postgresql":
        assert "Index Only Scan Backward using framework_latest_change" in plan, plan
    else:
        assert plan == "SEARCH frameworks_framework USING COVERING INDEX framework_latest_change"


def test_the_api_list_counts_from_an_index(client):
    add_frameworks(CategoryFactory(), 0, 30)
    plan = plan_of(client, "/api/v1/frameworks/", "COUNT(*)")
    if connection.vendor == "postgresql":
        # Index only once vacuumed (the visibility map); a bitmap scan here.
        assert "Scan on framework_activity" in plan or "using framework_activity" in plan, plan
    else:
        assert plan == "SCAN frameworks_framework USING COVERING INDEX framework_activity", plan


@sqlite_only
def test_sqlite_reads_the_compare_index_in_title_order_from_an_index(client):
    ComparisonFactory.create_batch(3)
    plan = plan_of(client, "/compare/", "LIMIT 49")  # the page's keys
    assert "USING INDEX comparison_by_title" in plan and "TEMP B-TREE" not in plan, plan

"""Search that forgives (frameworks/search.py): ranked matches over name,
tagline and description, "did you mean" for misspellings, on PostgreSQL
(full-text search and pg_trgm) and SQLite (FTS5, or the fallback)."""

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from frameworks import search
from frameworks.models import Framework
from tests.factories import FrameworkFactory

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's FTS5 table and its fallback"
)


@pytest.fixture
def catalogue():
    FrameworkFactory(name="Django", slug="django", tagline="The web framework", description="")
    FrameworkFactory(name="Flask", slug="flask", tagline="A microframework", description="")
    FrameworkFactory(
        name="Wagtail",
        slug="wagtail",
        tagline="A CMS",
        description="Content management built on Django, with a friendly editor.",
    )
    FrameworkFactory(
        name="Ninja", slug="ninja", tagline="Django APIs with type hints", description=""
    )


def found(text):
    return [f.name for f in search.matching(Framework.objects.all(), text)]


def test_a_name_match_ranks_above_a_tagline_match_above_a_description_match(catalogue):
    assert found("django") == ["Django", "Ninja", "Wagtail"]


def test_a_name_or_part_of_one_ranks_above_texts_that_mention_it(catalogue):
    FrameworkFactory(name="Quart", slug="quart", tagline="Flask, but async", description="")
    assert found("flask") == ["Flask", "Quart"]
    assert found("djan")[0] == "Django"  # PostgreSQL: a name arm's match only


def test_words_match_anywhere_in_the_text(catalogue):
    assert found("friendly editor") == ["Wagtail"]
    assert found("nothing like this") == []


@pytest.mark.parametrize(
    "text", ['"', "AND OR NOT", "(", "*", "name:django", "^", "x" * 100, "é ü", "\u200b", "-"]
)
def test_search_syntax_typed_by_a_reader_is_only_text(catalogue, text):
    assert isinstance(found(text), list)


@pytest.mark.parametrize(("typed", "meant"), [("djnago", "django"), ("fask", "flask")])
def test_a_misspelling_is_close_to_the_name_meant(catalogue, typed, meant):
    assert [f.slug for f in search.close_names([typed])[typed]][:1] == [meant]


def did_you_mean(html):
    found = re.search(r'class="did-you-mean">(.*?)</p>', html, re.S)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', found.group(1)) if found else []


@pytest.mark.parametrize(("typed", "meant"), [("djnago", "Django"), ("fask", "Flask")])
def test_the_catalogue_asks_did_you_mean_with_a_link(client, catalogue, typed, meant):
    html = client.get("/frameworks/", {"q": typed}).content.decode()
    href, name = did_you_mean(html)[0]
    assert name == meant
    assert f"q={meant}" in href
    assert meant in client.get("/frameworks/" + href.replace("&amp;", "&")).content.decode()


def test_no_did_you_mean_when_a_name_matches(client, catalogue):
    html = client.get("/frameworks/", {"q": "django"}).content.decode()
    assert did_you_mean(html) == []
    cards = re.findall(r"<h3[^>]*>\s*<a[^>]*>([^<]+)</a>", html)
    assert cards[0].strip() == "Django"


def test_no_did_you_mean_when_several_words_found_frameworks(client, catalogue, monkeypatch):
    """Every word is required, so each matched a text as typed: there is no
    misspelt name to look for (at 20,000 frameworks the look cost a
    multi-word search a third of its time, for nothing)."""
    asked = []
    monkeypatch.setattr(
        search, "close_names", lambda texts: asked.append(texts) or {t: [] for t in texts}
    )
    html = client.get("/frameworks/", {"q": "friendly editor"}).content.decode()
    assert "Wagtail" in html and did_you_mean(html) == [] and asked == []
    client.get("/frameworks/", {"q": "editor"})  # one word: it may be a name misspelt
    client.get("/frameworks/", {"q": "djnago rest"})  # several, nothing found
    assert asked == [["editor"], ["djnago rest"]]


def test_the_picker_offers_close_names_for_a_misspelling(client, catalogue):
    names = client.get("/frameworks/names.json", {"q": "fask"}).json()["frameworks"]
    assert names[0] == {"name": "Flask", "slug": "flask"}


def test_the_index_follows_every_write_even_without_signals(catalogue):
    Framework.objects.filter(slug="flask").update(tagline="Serverless sprockets")
    assert found("sprockets") == ["Flask"]
    assert found("microframework") == []
    Framework.objects.filter(slug="flask").delete()
    assert found("sprockets") == []
    Framework.objects.bulk_create(
        [Framework(name="Bulky", slug="bulky", category_id=Framework.objects.first().category_id)]
    )
    assert found("bulky") == ["Bulky"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's stored document")
def test_on_postgresql_matches_are_found_and_ranked_from_the_stored_document(catalogue):
    """Migration 0021: no ``to_tsvector`` per match at search time; the
    trigger keeps the column, and a write that leaves the text alone (a
    vote moving ``votes_count``) leaves it alone."""
    with CaptureQueriesContext(connection) as queries:
        assert found("django") == ["Django", "Ninja", "Wagtail"]
    assert "to_tsvector" not in " ".join(q["sql"] for q in queries)
    Framework.objects.filter(slug="wagtail").update(votes_count=5)
    assert found("editor") == ["Wagtail"]


@sqlite_only
def test_without_fts5_the_fallback_still_ranks_and_suggests(catalogue, monkeypatch, client):
    monkeypatch.setattr(search, "sqlite_index_ready", lambda: False)
    assert found("django") == ["Django", "Ninja", "Wagtail"]
    assert found("friendly") == ["Wagtail"]
    html = client.get("/frameworks/", {"q": "djnago"}).content.decode()
    assert did_you_mean(html)[0][1] == "Django"


@sqlite_only
def test_a_sqlite_without_fts5_gets_no_table_and_the_fallback(catalogue, monkeypatch):
    search.drop_sqlite_index(connection)
    monkeypatch.setattr(search, "fts5_compiled", lambda conn: False)
    search.ensure_sqlite_index(connection)
    assert not search.sqlite_index_ready()
    assert found("friendly") == ["Wagtail"]


@sqlite_only
def test_triggers_a_table_rebuild_dropped_come_back_with_the_rows(catalogue):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER frameworks_search_update")
    Framework.objects.filter(slug="flask").update(tagline="Serverless sprockets")
    search.ensure_sqlite_index(connection)  # what every migrate runs (post_migrate)
    assert found("sprockets") == ["Flask"]
    Framework.objects.filter(slug="flask").update(tagline="Gears")
    assert found("gears") == ["Flask"]


def test_a_search_costs_the_same_queries_at_any_size(client, django_assert_max_num_queries):
    def count(n):
        FrameworkFactory.create_batch(n, description="fast and friendly")
        with django_assert_max_num_queries(100) as captured:
            assert client.get("/frameworks/", {"q": "friendly"}).status_code == 200
        return len(captured)

    assert count(3) == count(40)


#: The indexes and triggers on Framework the model state does not know.
SQLITE_EXTRAS = set(search.SQLITE_INDEXES) | {
    f"{table}_{event}"
    for table in (search.SQLITE_TABLE, search.SQLITE_NAMES)
    for event in ("insert", "update", "delete")
}


def _sqlite_extras():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = %s",
            [Framework._meta.db_table],
        )
        return {row[0] for row in cursor.fetchall()} & SQLITE_EXTRAS


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_indexes_and_triggers_a_table_rebuild_drops_come_back(catalogue):
    """Migrations 0017 and 0022 made them; the model state knows none, so
    a migration that rebuilds the table drops them and post_migrate puts
    them back, with the FTS5 tables rebuilt."""
    assert _sqlite_extras() == SQLITE_EXTRAS
    try:
        with connection.schema_editor() as editor:
            editor._remake_table(Framework)  # what altering a column does on SQLite
        assert _sqlite_extras() == set()
        Framework.objects.filter(slug="flask").update(name="Flasky", tagline="Sprockets")
    finally:
        search.ensure_sqlite_index(connection)  # what every migrate runs (post_migrate)
    assert _sqlite_extras() == SQLITE_EXTRAS
    assert found("sprockets") == ["Flasky"]
    assert [f.slug for f in search.frameworks_matching("lasky")] == ["flask"]


@sqlite_only
@pytest.mark.parametrize(
    ("sort", "index"), [("-stars", "framework_by_stars"), ("-downloads", "framework_by_downloads")]
)
def test_sqlite_reads_the_sorts_by_stars_and_downloads_from_their_indexes(client, sort, index):
    """``DESC NULLS LAST`` and the previous page's ``ASC NULLS FIRST`` are
    the index's order, forwards and backwards: no sort of the whole table."""
    FrameworkFactory.create_batch(30, github_stars=None, weekly_downloads=None)
    FrameworkFactory.create_batch(30)
    path = f"/frameworks/?sort={sort}"
    for step in ("n.", "p.", None):  # the first page, the next, back to the previous
        with CaptureQueriesContext(connection) as queries:
            html = client.get(path).content.decode()
        (page,) = [q["sql"] for q in queries if "LIMIT 25" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + page)
            plan = " ".join(row[-1] for row in cursor.fetchall())
        assert f"USING INDEX {index}" in plan and "TEMP B-TREE" not in plan, plan
        cursors = re.findall(r'href="\?cursor=([^"&]+)', html)
        following = [c for c in cursors if c.startswith(step or "")]
        path = f"/frameworks/?sort={sort}&cursor={following[0]}" if step else None


@sqlite_only
def test_sqlite_finds_names_holding_the_text_from_the_trigram_table(catalogue):
    """The same answers as the substring scan it replaces: kept in step by
    its triggers, case folded, quotes literal; shorter texts scan."""
    assert search.trigram_tokenizer()
    FrameworkFactory(name='Say "Hi" Framework', slug="say-hi")
    with CaptureQueriesContext(connection) as queries:
        assert [f.slug for f in search.frameworks_matching("AGTAI")] == ["wagtail"]
    assert "frameworks_names MATCH" in queries[1]["sql"]
    assert [f.slug for f in search.frameworks_matching('"hi" fr')] == ["say-hi"]
    assert [f.slug for f in search.frameworks_matching("ay-h")] == ["say-hi"]  # the slug's
    Framework.objects.filter(slug="ninja").update(name="Django Ninja Extra")
    assert [f.slug for f in search.frameworks_matching("nja ext")] == ["ninja"]
    assert [f.slug for f in search.frameworks_matching("ja")] == ["django", "ninja"]


def _plan(sql, params=()):
    """PostgreSQL's plan of ``sql`` with sequential scans priced out (at this
    size a scan is cheapest; the question is whether an index can serve)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram index")
def test_on_postgresql_search_names_and_close_names_can_read_the_indexes(catalogue):
    # The matches, read once: a BitmapOr of the document's GIN index and
    # the primary key for the name arms' ids (an InitPlan reading the
    # trigram index for ``%`` and ``LIKE``; the rank asks them again, for
    # whose name's similarity counts); no join back to the table.
    found = search.matching(Framework.objects.all(), "fast async")
    plan = _plan(*found.query.sql_with_params())
    assert "BitmapOr" in plan
    assert "Bitmap Index Scan on framework_search" in plan
    assert "Bitmap Index Scan on frameworks_framework_pkey" in plan
    assert plan.count(f"Bitmap Index Scan on {search.TRIGRAM_INDEX}") == 2 * 2  # % and LIKE
    assert "Seq Scan" not in plan and "Join" not in plan
    names = Framework.objects.order_by().filter(Q(name__icontains="fas") | Q(slug__contains="fas"))
    plan = _plan(*names.query.sql_with_params())
    assert plan.count(f"Bitmap Index Scan on {search.TRIGRAM_INDEX}") == 2
    # "Did you mean"'s candidates: the query inside migration 0023's function.
    plan = _plan(
        "SELECT id FROM frameworks_framework WHERE UPPER(name) %% %s OR slug %% %s",
        ["djnago", "djnago"],
    )
    assert plan.count(f"Bitmap Index Scan on {search.TRIGRAM_INDEX}") == 2

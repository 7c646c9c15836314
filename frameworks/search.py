"""Finding frameworks by what a reader types: the one place for it.

- ``matching(queryset, text)``: the catalogue's search (``?q=``), ranked
  (``rank``, higher first: a name match above a tagline match above a
  description match), over name, tagline and description.
- ``close_names(texts)``: "did you mean" for misspellings (``djnago``,
  ``fask``): the catalogue, the picker, bad compare addresses, the API
  and the assistants' tools all ask it.
- ``frameworks_matching(text)``: the picker's as-you-type names
  (``/frameworks/names.json``), with close names when few match.

Each database searches with what it has:

- PostgreSQL: full-text search over the weighted document stored in
  ``search_document`` (a column the model does not declare, kept by a
  trigger, with a GIN index: migration 0021), ranked with ``SearchRank``
  from the stored column, and ``pg_trgm`` for typos and parts of names:
  one trigram index on ``UPPER(name)`` and ``slug`` serves the search's
  name arms, the picker's substrings and "did you mean" (through a
  function holding its 0.2 threshold); migrations 0017, 0021 and 0023.
- SQLite: an FTS5 table (``frameworks_search``) kept in step with
  Framework by triggers, and a trigram one of names and slugs for the
  picker (``frameworks_names``), which ``ensure_sqlite_index`` creates
  (migrations 0017 and 0022, and again after every ``migrate``: SQLite
  rebuilds a table it alters, and the rebuilt table has no triggers, nor
  any index the model state does not declare). It creates the
  catalogue's stars and downloads sort indexes too (PostgreSQL's are
  migration 0017's) and one on the slug's length for "did you mean".
- SQLite without FTS5, the fallback: substring matches.

On SQLite both paths rank by tiers and suggest with difflib over the
names sharing a pair of letters with the typed text. docs/features.md has
the reader's side.
"""

import collections
import difflib
import functools
import re
import sqlite3

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Greatest, Length, Upper
from django.utils.text import slugify

from core.text import visible_text

from .models import Framework

#: The most names a lookup answers (the picker's suggestions).
NAME_MATCHES = 10
#: Longer input names no framework (names and slugs hold 100 characters).
NAME_LENGTH = 100
#: How close a name must be to be suggested (pg_trgm similarity; difflib ratio).
TRIGRAM_CLOSE = 0.2
DIFFLIB_CLOSE = 0.6
#: Most suggestions per typed name.
SUGGESTIONS = 3

SEARCH_CONFIG = "english"
SQLITE_TABLE = "frameworks_search"
SQLITE_NAMES = "frameworks_names"
#: PostgreSQL (migration 0023): the trigram index on ``UPPER(name)`` and
#: ``slug``, and the function listing the ids of names or slugs within
#: ``TRIGRAM_CLOSE`` of a key, from that index.
TRIGRAM_INDEX = "framework_name_slug_trigram"
CLOSE_FUNCTION = "frameworks_close_ids"


def search_vector():
    """The weighted document, as migration 0017 indexed it; migration 0021
    stores it in ``search_document``, which ``matching`` reads."""
    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("tagline", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", weight="C", config=SEARCH_CONFIG)
    )


def stored_document():
    """PostgreSQL's stored document (migration 0021): ranking reads it
    instead of computing every match's ``to_tsvector`` again."""
    column = connection.ops.quote_name("search_document")
    table = connection.ops.quote_name(Framework._meta.db_table)
    return RawSQL(f"{table}.{column}", [], output_field=SearchVectorField())


# --- SQLite's FTS5 tables ---------------------------------------------------------


def _triggers(table, columns):
    """The triggers keeping the FTS5 ``table`` of Framework's ``columns`` in step."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    return {
        f"{table}_insert": f"""
        AFTER INSERT ON frameworks_framework BEGIN
          INSERT INTO {table}(rowid, {names})
          VALUES (new.id, {new});
        END""",
        f"{table}_delete": f"""
        AFTER DELETE ON frameworks_framework BEGIN
          INSERT INTO {table}({table}, rowid, {names})
          VALUES ('delete', old.id, {old});
        END""",
        f"{table}_update": f"""
        AFTER UPDATE OF {names} ON frameworks_framework BEGIN
          INSERT INTO {table}({table}, rowid, {names})
          VALUES ('delete', old.id, {old});
          INSERT INTO {table}(rowid, {names})
          VALUES (new.id, {new});
        END""",
    }


#: The FTS5 tables, each ``(columns, tokenizer)``: the catalogue's search
#: over words, and the picker's over any three characters or more of a name
#: or slug (``trigram``, SQLite 3.34 and later).
_FTS5_TABLES = {
    SQLITE_TABLE: (("name", "tagline", "description"), None),
    SQLITE_NAMES: (("name", "slug"), "trigram"),
}


#: Indexes the model state does not declare. The catalogue's sorts by
#: stars and downloads (``DESC NULLS LAST``, then name): SQLite puts NULLs
#: first ascending, so a plain DESC index holds them last and its planner
#: serves that order, and its reverse (the keyset's previous page), from
#: it. Named as PostgreSQL's (migration 0017).
SQLITE_INDEXES = {
    "framework_by_stars": "(github_stars DESC, name)",
    "framework_by_downloads": "(weekly_downloads DESC, name)",
    # "Did you mean" reads the names of about the typed text's length, from
    # this index alone: less than the table even when all are of that length.
    "framework_slug_length": "(length(slug), slug, name, is_published)",
    # A category page's frameworks by name: its page's keys from this index
    # alone (``pagination.paginate(narrow=True)``), and its capped count.
    "framework_by_category": "(category_id, name, is_published)",
}


def fts5_compiled(conn):
    """Whether this SQLite has FTS5 (most builds do; some distributions' do not)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
        if cursor.fetchone()[0]:
            return True
        try:  # Built as a loadable module rather than a compile option.
            cursor.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        except Exception:
            return False
        cursor.execute("DROP TABLE temp.fts5_probe")
        return True


@functools.cache
def trigram_tokenizer():
    """Whether this process's SQLite library has FTS5's trigram tokenizer
    (asked of a connection of its own: no query in a request's log)."""
    try:
        sqlite3.connect(":memory:").execute(
            "CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')"
        )
    except sqlite3.Error:
        return False
    return True


def ensure_sqlite_index(conn=connection):
    """Create the sort indexes, the FTS5 tables and their triggers where
    missing, and rebuild an FTS5 table from Framework when a trigger of it
    was missing. Nothing on PostgreSQL; no FTS5 table without FTS5 (the
    fallback then searches), no names table without the trigram tokenizer
    (the picker then scans)."""
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        if "frameworks_framework" not in conn.introspection.table_names(cursor):
            return
        for name, columns in SQLITE_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON frameworks_framework {columns}")
        if not fts5_compiled(conn):
            return
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        for table, (columns, tokenizer) in _FTS5_TABLES.items():
            if tokenizer == "trigram" and not trigram_tokenizer():
                continue
            triggers = _triggers(table, columns)
            missing = [name for name in triggers if name not in present]
            if table in present and not missing:
                continue
            options = f", tokenize='{tokenizer}'" if tokenizer else ""
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({', '.join(columns)}, "
                f"content='frameworks_framework', content_rowid='id'{options})"
            )
            for name in missing:
                cursor.execute(f"CREATE TRIGGER {name} {triggers[name]}")
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")


def drop_sqlite_index(conn=connection):
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        for table, (columns, _) in _FTS5_TABLES.items():
            for name in _triggers(table, columns):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def sqlite_index_ready():
    """Whether the FTS5 table is there to search (else: the fallback)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [SQLITE_TABLE]
        )
        return cursor.fetchone() is not None


def _fts5_query(text):
    """The words typed as an FTS5 query: each a quoted prefix, all required
    (so no FTS5 syntax from the reader reaches the parser)."""
    words = re.findall(r"\w+", text)
    return " ".join(f'"{word}"*' for word in words[:20])


def _tiers(text):
    """Rank on SQLite: whole name, name start, name, tagline, description."""
    return Case(
        When(name__iexact=text, then=Value(4.0)),
        When(name__istartswith=text, then=Value(3.0)),
        When(name__icontains=text, then=Value(2.0)),
        When(tagline__icontains=text, then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )


# --- The catalogue's search ---------------------------------------------------


def matching(queryset, text):
    """``queryset`` narrowed to what matches ``text`` and annotated with
    ``rank`` (higher is better), ordered by it, then by name."""
    text = visible_text(text)[:NAME_LENGTH].strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        # The name arms: the trigram index on UPPER(name), which ``%`` at
        # pg_trgm's default 0.3 and ``icontains``' UPPER(name) LIKE read
        # (pg_trgm ignores case), their ids collected first into an array
        # (an InitPlan). ORed with the document's match, the planner answers
        # with a BitmapOr of the document's GIN index and the primary key:
        # only the matching rows are read, once. As a union of ids joined
        # back to the table, every row was read for the join; as ``%`` and
        # ``LIKE`` ORed in the WHERE, the planner costs a sequential scan
        # computing every similarity.
        table = connection.ops.quote_name(Framework._meta.db_table)
        named = RawSQL(
            f"{table}.id = ANY(ARRAY(SELECT id FROM {table} WHERE UPPER(name::text) %% %s "
            # A part of a name ("djan", or a stop word such as "a") too.
            f"UNION SELECT id FROM {table} WHERE UPPER(name::text) LIKE UPPER(%s)))",
            [text, f"%{connection.ops.prep_for_like_query(text)}%"],
            output_field=BooleanField(),
        )
        found = (
            queryset.alias(document=stored_document())
            .filter(Q(document=query) | Q(named))
            .annotate(
                # The document's rank (name A, tagline B, description C),
                # plus the name's similarity where a name arm found it: the
                # few names close to the text, not every match's (1,500 of
                # 20,000 for "fast async"), which made the ORDER BY compute
                # a similarity per match. As double precision: a real
                # (float4) reaches Python rounded through its text, so a
                # cursor holding it would not find it.
                rank=Cast(
                    SearchRank(F("document"), query)
                    + Case(
                        When(named, then=TrigramSimilarity("name", text)),
                        default=Value(0.0),
                        output_field=FloatField(),
                    ),
                    FloatField(),
                ),
            )
        )
    else:
        words = _fts5_query(text)
        if connection.vendor == "sqlite" and words and sqlite_index_ready():
            found = queryset.filter(
                pk__in=RawSQL(
                    f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s", [words]
                )
            )
        else:
            found = queryset.filter(
                Q(name__icontains=text)
                | Q(tagline__icontains=text)
                | Q(description__icontains=text)
            )
        found = found.annotate(rank=_tiers(text))
    return found.order_by("-rank", "name")


# --- Did you mean ------------------------------------------------------------


def suggest(unknown, candidates):
    """Among ``candidates``, the frameworks whose slug or name is close to
    ``unknown`` (difflib), closest first."""
    by_key = {}
    for framework in candidates:
        by_key.setdefault(framework.slug, framework)
        by_key.setdefault(framework.name.lower(), framework)
    matches = difflib.get_close_matches(
        unknown.lower(), list(by_key), n=SUGGESTIONS * 2, cutoff=DIFFLIB_CLOSE
    )
    seen, result = set(), []
    for key in matches:
        framework = by_key[key]
        if framework.id not in seen:
            seen.add(framework.id)
            result.append(framework)
    return result[:SUGGESTIONS]


def _pairs(key):
    return {key[i : i + 2] for i in range(len(key) - 1)} - {"--"}


#: What ``suggest`` reads of a framework, in the model's order (``from_db``
#: takes the values of the fields it is given in that order).
_CANDIDATE_FIELDS = [
    f.attname for f in Framework._meta.concrete_fields if f.attname in ("id", "name", "slug")
]
_Candidate = collections.namedtuple("_Candidate", _CANDIDATE_FIELDS)


def close_names(texts):
    """``{text: [up to three close published frameworks]}`` for each text:
    what a misspelling (``djnago``, ``fask``) most likely meant. On
    PostgreSQL one trigram query per text; elsewhere one query for all,
    of the names of about the same length sharing a pair of letters with
    one of them, compared with difflib."""
    keys = {text: slugify(visible_text(text))[:40] for text in texts}
    published = Framework.objects.published().only("pk", "slug", "name")
    if connection.vendor == "postgresql":
        return {
            text: list(
                # The candidates from the trigram index (migration 0023's
                # function: ``%`` at TRIGRAM_CLOSE), then ranked.
                published.filter(pk__in=RawSQL(f"SELECT {CLOSE_FUNCTION}(%s)", [key]))
                .annotate(
                    similarity=Greatest(
                        TrigramSimilarity(Upper("name"), key), TrigramSimilarity("slug", key)
                    )
                )
                .filter(similarity__gt=TRIGRAM_CLOSE)
                .order_by("-similarity", "name")[:SUGGESTIONS]
            )
            if key
            else []
            for text, key in keys.items()
        }
    wanted = Q()
    for key in filter(None, keys.values()):
        near = Q()
        for pair in _pairs(key):
            near |= Q(slug__contains=pair)
        wanted |= near & Q(slug_length__range=(len(key) - 3, len(key) + 3))
    if not wanted:
        return {text: [] for text in texts}
    # As plain rows: a few hundred to thousands of them, of which difflib
    # keeps three a text; only those become frameworks (a model instance
    # each cost as much as the query: 6 ms for 472 at 20,000 frameworks).
    fields = _CANDIDATE_FIELDS
    rows = published.alias(slug_length=Length("slug")).filter(wanted).values_list(*fields)
    candidates = [_Candidate(*row) for row in rows[:5000]]
    return {
        text: [Framework.from_db(connection.alias, fields, c) for c in suggest(key, candidates)]
        if key
        else []
        for text, key in keys.items()
    }


def suggestions_for(unknown):
    """``{name: close published frameworks}`` for each unknown name: what a
    bad compare address, picker entry, API address or assistant's tool
    call is offered instead."""
    return close_names(unknown)


# --- Frameworks by name: the picker's lookups ---------------------------------


def frameworks_matching(text, limit=NAME_MATCHES):
    """Published frameworks for what a reader is typing: those whose slug
    starts with it first, then those whose name or slug holds it, each
    group by name, then close names for a misspelling; at most ``limit``.
    The others run only when the earlier ones leave room, and each reads
    an index: the prefix the slug's unique index (on PostgreSQL its
    ``varchar_pattern_ops`` twin); on SQLite the names inside the trigram
    table (three characters or more)."""
    text = visible_text(text)[:NAME_LENGTH]
    key = slugify(text)
    if not text:
        return []
    published = Framework.objects.published().only("pk", "name", "slug").order_by("name")
    found = list(published.filter(_slug_prefix(key))[:limit]) if key else []
    if len(found) < limit:
        inside = published.filter(
            Q(name__icontains=text) | (Q(slug__contains=key) if key else Q())
        ).exclude(pk__in=[f.pk for f in found])
        found += _inside_names(inside, text, key)[: limit - len(found)]
    if not found and key:
        found = close_names([text])[text]
    return found


def _slug_prefix(key):
    """Slugs starting with ``key``. SQLite's ``LIKE`` ignores case, so no
    index serves it; slugs are lowercase (a check constraint, as
    ``slugify``'s keys), so the same slugs are a range of the unique index."""
    if connection.vendor == "sqlite":
        return Q(slug__gte=key, slug__lt=key[:-1] + chr(ord(key[-1]) + 1))
    return Q(slug__startswith=key)


def _inside_names(queryset, text, key):
    """``queryset`` (names holding ``text``, slugs ``key``), on SQLite
    narrowed first to the rows the trigram table finds: the same rows, its
    matches a superset (it folds case as ``LIKE`` does and beyond ASCII)
    that the conditions then hold to. Shorter texts scan."""
    terms = [(column, value) for column, value in (("name", text), ("slug", key)) if value]
    if connection.vendor != "sqlite" or not trigram_tokenizer():
        return queryset
    if any(len(value) < 3 for _, value in terms):
        return queryset
    query = " OR ".join(
        f'{column} : "{phrase}"' for column, phrase in ((c, v.replace('"', '""')) for c, v in terms)
    )
    return queryset.filter(
        pk__in=RawSQL(f"SELECT rowid FROM {SQLITE_NAMES} WHERE {SQLITE_NAMES} MATCH %s", [query])
    )


def frameworks_named(texts):
    """``{text: Framework}`` for each text that names a published framework
    exactly, by name (any case) or slug (one query)."""
    texts = [t for t in texts if t]
    if not texts:
        return {}
    wanted = Q(slug__in=[slugify(t) for t in texts] + [t.lower() for t in texts])
    for text in texts:
        wanted |= Q(name__iexact=text)
    candidates = list(Framework.objects.published().filter(wanted).only("pk", "name", "slug"))
    by_name = {f.name.lower(): f for f in candidates}
    by_slug = {f.slug: f for f in candidates}
    named = {}
    for text in texts:
        found = by_name.get(text.lower()) or by_slug.get(text.lower()) or by_slug.get(slugify(text))
        if found is not None:
            named[text] = found
    return named

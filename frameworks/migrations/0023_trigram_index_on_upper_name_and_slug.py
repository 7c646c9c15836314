"""PostgreSQL: the trigram index on the name becomes one on
``UPPER(name)`` and ``slug``, and "did you mean" gets a function that
finds close names from it (frameworks/search.py, issue 30).

Django's ``icontains`` is ``UPPER(name::text) LIKE UPPER(...)``, which an
index on ``name`` does not serve; pg_trgm folds case, so ``UPPER(name) %
text`` and ``similarity()`` give what ``name`` gave. One GIN index of two
columns serves the search's and the picker's name arms, the picker's
``slug LIKE`` arm and "did you mean" on either (a GIN index serves any of
its columns alone). It replaces the old one rather than adding another:
every vote rewrites its framework's row and so every index's entry.

``%`` reads its threshold from ``pg_trgm.similarity_threshold`` (0.3 by
default; the search's arm keeps it). "Did you mean" wants
``TRIGRAM_CLOSE`` (0.2): the function carries that setting with a
``SET`` clause, which holds for its own call only, so no connection (nor
a pooler's shared one) keeps it. Nothing on SQLite; the model state knows
none of it (like 0017 and 0021).
"""

from django.db import migrations

from frameworks import search

TABLE = "frameworks_framework"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS framework_name_trigram")
    schema_editor.execute(
        f"CREATE INDEX {search.TRIGRAM_INDEX} ON {TABLE} "
        "USING gin (UPPER(name) gin_trgm_ops, slug gin_trgm_ops)"
    )
    schema_editor.execute(
        f"CREATE FUNCTION {search.CLOSE_FUNCTION}(key text) RETURNS SETOF bigint "
        f"LANGUAGE sql STABLE ROWS 20 SET pg_trgm.similarity_threshold = {search.TRIGRAM_CLOSE} "
        f"AS $$ SELECT id FROM {TABLE} WHERE UPPER(name) %% key OR slug %% key $$"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {search.CLOSE_FUNCTION}(text)")
    schema_editor.execute(f"DROP INDEX IF EXISTS {search.TRIGRAM_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX framework_name_trigram ON {TABLE} USING gin (name gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0022_sqlite_sort_and_name_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

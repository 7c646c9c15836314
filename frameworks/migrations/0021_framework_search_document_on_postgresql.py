"""PostgreSQL: the weighted search document stored in a column,
``search_document``, kept by a trigger, with the GIN index on the column
instead of on the expression (frameworks/search.py).

Ranking read the expression index to find matches, then computed
``to_tsvector`` of every match's description again to rank it (120 ms for
1,500 matches of 20,000, issue 30). A trigger rather than a generated
column: PostgreSQL computes a stored generated column again on every
UPDATE of the row, and every vote now updates its framework's row
(``votes_count``); the trigger runs only when a name, tagline or
description is written. Nothing on SQLite, whose FTS5 table already
stores its index; the model state knows nothing of it (like 0017).
"""

from django.db import migrations

from frameworks import search

TABLE = "frameworks_framework"
FUNCTION = "frameworks_framework_search_document"


def document(row=""):
    """The same document as ``search.search_vector()`` (the old index), of
    ``row`` (a trigger's ``NEW.``) or of the row at hand."""
    return " || ".join(
        f"setweight(to_tsvector('{search.SEARCH_CONFIG}'::regconfig, "
        f"COALESCE({row}{column}, '')), '{weight}')"
        for column, weight in (("name", "A"), ("tagline", "B"), ("description", "C"))
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD COLUMN search_document tsvector")
    schema_editor.execute(
        f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.search_document := {document('NEW.')}; RETURN NEW; END $$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {FUNCTION} BEFORE INSERT OR UPDATE OF name, tagline, description "
        f"ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    schema_editor.execute(f"UPDATE {TABLE} SET search_document = {document()}")
    schema_editor.execute("DROP INDEX IF EXISTS framework_search")
    schema_editor.execute(
        f"CREATE INDEX framework_search ON {TABLE} USING gin (search_document)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS framework_search")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {TABLE}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_document")
    schema_editor.execute(
        f"CREATE INDEX framework_search ON {TABLE} USING gin (({document()}))"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0020_framework_votes_count"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

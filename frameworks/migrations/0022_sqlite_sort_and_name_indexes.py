"""SQLite: the catalogue's stars and downloads sort indexes, which 0017
made on PostgreSQL only; an index on the slug's length for "did you
mean"; and the picker's trigram FTS5 table of names and slugs with its
triggers (frameworks/search.py, ``ensure_sqlite_index``, which also puts
them back after every ``migrate``: a table SQLite rebuilds loses the
indexes and triggers the model state does not declare). Nothing on
PostgreSQL, whose ``DESC NULLS LAST`` indexes 0017 made.
"""

from django.db import migrations

from frameworks import search


def forwards(apps, schema_editor):
    search.ensure_sqlite_index(schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in search.SQLITE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for event in ("insert", "update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {search.SQLITE_NAMES}_{event}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {search.SQLITE_NAMES}")


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0021_framework_search_document_on_postgresql"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

"""SQLite: the catalogue's stars and downloads sort indexes, which 0017
made on PostgreSQL only (frameworks/search.py, ``ensure_sqlite_index``,
which also puts them back after every ``migrate``: a table SQLite
rebuilds loses the indexes the model state does not declare). Nothing
on PostgreSQL, whose ``DESC NULLS LAST`` indexes 0017 made.
"""

from django.db import migrations

from frameworks import search


def forwards(apps, schema_editor):
    search.ensure_sqlite_index(schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in search.SQLITE_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0021_framework_search_document_on_postgresql"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

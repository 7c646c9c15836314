"""SQLite: three more indexes the pages at 20,000 frameworks read (issue
30, frameworks/search.py ``SQLITE_INDEXES``): a category's frameworks by
name, the latest change of the published, and the columns of "active".
``ensure_sqlite_index`` makes them, here and after every ``migrate``.

SQLite only: SQLite writes an index only when an UPDATE changes one of
its columns, so a vote (``votes_count``) costs them nothing, where on
PostgreSQL a vote that is not a HOT update writes an entry into every
index of the table. These pages' misses were SQLite's.
"""

from django.db import migrations

from frameworks import search

ADDED = ("framework_by_category", "framework_latest_change", "framework_activity")


def forwards(apps, schema_editor):
    search.ensure_sqlite_index(schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ADDED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0023_trigram_index_on_upper_name_and_slug"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

"""Search and sort indexes (frameworks/search.py, docs/features.md).

PostgreSQL: the pg_trgm extension, a GIN index on the weighted search
document, a trigram index on the name, and the catalogue's sorts as
``DESC NULLS LAST`` indexes. SQLite: the FTS5 table and its triggers,
when this SQLite has FTS5. Each part is a no-op on the other database,
so the model state (and ``makemigrations``) knows none of them.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.models import F

from frameworks import search


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """Django's goes forwards only on PostgreSQL but reads pg_extension going
    back on any database."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def postgresql_indexes():
    return [
        GinIndex(search.search_vector(), name="framework_search"),
        GinIndex(OpClass("name", name="gin_trgm_ops"), name="framework_name_trigram"),
        models.Index(F("github_stars").desc(nulls_last=True), "name", name="framework_by_stars"),
        models.Index(
            F("weekly_downloads").desc(nulls_last=True), "name", name="framework_by_downloads"
        ),
    ]


def forwards(apps, schema_editor):
    framework = apps.get_model("frameworks", "Framework")
    if schema_editor.connection.vendor == "postgresql":
        for index in postgresql_indexes():
            schema_editor.add_index(framework, index)
    else:
        search.ensure_sqlite_index(schema_editor.connection)


def backwards(apps, schema_editor):
    framework = apps.get_model("frameworks", "Framework")
    if schema_editor.connection.vendor == "postgresql":
        for index in postgresql_indexes():
            schema_editor.remove_index(framework, index)
    else:
        search.drop_sqlite_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0016_logo_checked_by_content_and_hashed"),
    ]

    operations = [
        TrigramExtensionOnPostgreSQL(),
        migrations.RunPython(forwards, backwards),
    ]

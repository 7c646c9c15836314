"""Three more indexes the pages at 20,000 frameworks read (issue 30): the
latest change of the published (the sitemap index) and the columns of
"active" (the API list's count), on both databases; and, on SQLite only,
a category's frameworks by name (frameworks/search.py ``SQLITE_INDEXES``,
which ``ensure_sqlite_index`` makes here and after every ``migrate``).

On PostgreSQL a vote is not a HOT update (``votes_count`` is indexed), so
it writes an entry into every index of the table: the two declared here
cost a vote some 0.03 ms (1,000 counter updates at 20,000 frameworks: 0.41
to 0.47 s without, 0.43 to 0.50 s with), and save the sitemap index 12 ms
and the API list 7 ms a miss. The category page's index is SQLite's only:
PostgreSQL's page was within 1.3x of its 18-framework time without it.
"""

from django.db import migrations, models

from frameworks import search


def forwards(apps, schema_editor):
    search.ensure_sqlite_index(schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS framework_by_category")


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0023_trigram_index_on_upper_name_and_slug"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="framework",
            index=models.Index(fields=["updated", "is_published"], name="framework_latest_change"),
        ),
        migrations.AddIndex(
            model_name="framework",
            index=models.Index(
                fields=["is_published", "is_archived", "pushed_at", "latest_release_at"],
                name="framework_activity",
            ),
        ),
    ]

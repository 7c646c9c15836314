"""Profile moves to the ``members`` app: here it leaves ``frameworks``.

State only for the model (``members.0001`` adds it to that app's state); the
database keeps every row, and its table is renamed ``members_profile`` so the
table's name follows its app like every other table (no ``db_table`` to
remember). Nothing references the profile table, so the rename is one
``ALTER TABLE`` on SQLite and PostgreSQL alike.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0007_stat_sources_and_snapshots"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="profile", table="members_profile"),
            ],
            state_operations=[
                migrations.DeleteModel(name="profile"),
            ],
        ),
    ]

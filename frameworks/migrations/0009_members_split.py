"""The ``members`` app splits off: Profile leaves ``frameworks``, and
frameworks get the counters of members' follows and stack entries.

State only for the model (``members.0001`` adds it to that app's state); the
database keeps every row, and its table is renamed ``members_profile`` so the
table's name follows its app like every other table (no ``db_table`` to
remember). Nothing references the profile table, so the rename is one
``ALTER TABLE`` on SQLite and PostgreSQL alike.

``member_followers``, ``member_stacks`` and decisions' ``comments_count``
start at 0: no follow, stack entry or comment exists before ``members.0002``.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0008_decision_criteria"),
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
        migrations.AddField(
            model_name="framework",
            name="member_followers",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="framework",
            name="member_stacks",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="decision",
            name="comments_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]

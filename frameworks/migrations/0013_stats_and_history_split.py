"""Statistics sync leaves the catalogue for ``stats`` (StatSnapshot,
CachedResponse, SyncRecord, ApiPause) and watching for ``history`` (Watch).

State only for the models (``stats.0001`` and ``history.0001`` add them to
their apps' state); the database keeps every row, and the tables are
renamed after their new apps, as ``0009_members_split`` did for profiles.
"""

from django.db import migrations

MOVED = {
    "statsnapshot": "stats_statsnapshot",
    "cachedresponse": "stats_cachedresponse",
    "syncrecord": "stats_syncrecord",
    "apipause": "stats_apipause",
    "watch": "history_watch",
}


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0012_votes_touch_fewer_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name=name, table=table) for name, table in MOVED.items()
            ],
            state_operations=[
                migrations.DeleteModel(
                    name='ApiPause',
                ),
                migrations.DeleteModel(
                    name='CachedResponse',
                ),
                migrations.RemoveField(
                    model_name='syncrecord',
                    name='framework',
                ),
                migrations.RemoveField(
                    model_name='watch',
                    name='framework',
                ),
                migrations.RemoveField(
                    model_name='watch',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='StatSnapshot',
                ),
                migrations.DeleteModel(
                    name='SyncRecord',
                ),
                migrations.DeleteModel(
                    name='Watch',
                ),
            ],
        ),
    ]

"""StatSnapshot, CachedResponse, SyncRecord and ApiPause arrive in ``stats``
with the tables
``frameworks.0013`` renamed: added to this app's state only. Their content
types move with them, so curators' permissions and the admin's history
keep pointing at them."""

import django.db.models.deletion
from django.db import migrations, models


MODELS = ['statsnapshot', 'cachedresponse', 'syncrecord', 'apipause']


def move_content_types(apps, schema_editor, source="frameworks", target="stats"):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="stats", target="frameworks")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('frameworks', '0013_stats_and_history_split'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiPause',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('api', models.CharField(max_length=20, unique=True)),
                        ('until', models.DateTimeField()),
                    ],
                    options={
                        'ordering': ['api'],
                    },
                ),
                migrations.CreateModel(
                    name='CachedResponse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.CharField(max_length=500, unique=True)),
                        ('etag', models.CharField(max_length=200)),
                        ('body', models.TextField()),
                        ('fetched_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'ordering': ['url'],
                    },
                ),
                migrations.CreateModel(
                    name='SyncRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('synced_at', models.DateTimeField(blank=True, null=True)),
                        ('attempted_at', models.DateTimeField(blank=True, null=True)),
                        ('last_failures', models.TextField(blank=True)),
                        ('framework', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='sync_record', to='frameworks.framework')),
                    ],
                    options={
                        'ordering': ['framework'],
                    },
                ),
                migrations.CreateModel(
                    name='StatSnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('metric', models.CharField(choices=[('github_stars', 'GitHub stars'), ('github_forks', 'GitHub forks'), ('github_open_issues', 'Open issues'), ('weekly_downloads', 'Weekly downloads'), ('stacks', 'Stacks'), ('followers', 'Followers')], max_length=20)),
                        ('day', models.DateField()),
                        ('value', models.PositiveBigIntegerField()),
                        ('source', models.CharField(help_text='Where the figure comes from, e.g. "GitHub API".', max_length=200)),
                        ('source_url', models.URLField(blank=True, max_length=500)),
                        ('framework', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='snapshots', to='frameworks.framework')),
                    ],
                    options={
                        'ordering': ['framework', 'metric', 'day'],
                        'constraints': [models.UniqueConstraint(fields=('framework', 'metric', 'day'), name='snapshot_once_per_framework_metric_day', violation_error_message='This framework already has this figure for this day.')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]

"""Watch arrives in ``history`` with the table
``frameworks.0013`` renamed: added to this app's state only. Their content
types move with them, so curators' permissions and the admin's history
keep pointing at them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MODELS = ['watch']


def move_content_types(apps, schema_editor, source="frameworks", target="history"):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="history", target="frameworks")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('frameworks', '0013_stats_and_history_split'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Watch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('framework_key', models.CharField(blank=True, help_text='Sorted ids, e.g. "3,7".', max_length=100, verbose_name='compared frameworks')),
                        ('last_seen_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('framework', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='frameworks.framework')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['-created'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('framework__isnull', False)), fields=('user', 'framework'), name='watch_framework_once', violation_error_message='This member already watches this framework.'), models.UniqueConstraint(condition=models.Q(('framework_key', ''), _negated=True), fields=('user', 'framework_key'), name='watch_comparison_once', violation_error_message='This member already watches this comparison.'), models.CheckConstraint(condition=models.Q(models.Q(('framework__isnull', False), ('framework_key', '')), models.Q(('framework__isnull', True), ('framework_key__regex', '^\\d+(,\\d+)+$')), _connector='OR'), name='watch_one_page', violation_error_message='A watch is on one framework or one comparison.')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]

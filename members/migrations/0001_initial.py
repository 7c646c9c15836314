"""Profile arrives in ``members`` with the table ``frameworks.0009`` renamed.

The model is added to this app's state only; its rows are already in
``members_profile``. The content type moves with it, so curators' permissions
on profiles and the admin's history of profile edits keep pointing at it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, source="frameworks", target="members"):
    content_type = apps.get_model("contenttypes", "ContentType")
    if content_type.objects.filter(app_label=target, model="profile").exists():
        return  # made by a post_migrate run in between: keep it
    content_type.objects.filter(app_label=source, model="profile").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="members", target="frameworks")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("frameworks", "0009_members_split"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Profile",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("headline", models.CharField(blank=True, max_length=120)),
                        (
                            "is_demo",
                            models.BooleanField(
                                default=False,
                                help_text="A sample author made by load_demo (no password, "
                                "cannot log in). Demo content is only ever attached to such "
                                "an account.",
                                verbose_name="demo author",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="profile",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"ordering": ["user"]},
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]

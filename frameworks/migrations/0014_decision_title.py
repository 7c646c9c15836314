"""Decisions get a title. Posts written before have none, so each is given
the heading pages printed for it until now, from its kind and frameworks
("Needs advice on Django, Flask"); the author can reword it later through a
curator. New posts are titled by their author (the form requires it)."""

from django.db import migrations, models


def title_existing(apps, schema_editor):
    Decision = apps.get_model("frameworks", "Decision")
    kinds = {"needs_advice": "Needs advice", "decided": "Decided"}
    for decision in Decision.objects.filter(title="").prefetch_related("frameworks"):
        names = sorted(f.name for f in decision.frameworks.all())
        kind = kinds.get(decision.kind, "Advice")
        title = f"{kind} on {', '.join(names)}" if names else kind
        if len(title) > 120:
            title = title[:119].rstrip(", ") + "…"
        decision.title = title
        decision.save(update_fields=["title"])


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0013_stats_and_history_split"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="title",
            field=models.CharField(
                default="",
                help_text="The post's heading and page title, in the member's words.",
                max_length=120,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(title_existing, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.CheckConstraint(
                condition=models.Q(("title", ""), _negated=True),
                name="decision_title_not_empty",
                violation_error_message="Give the post a title.",
            ),
        ),
    ]

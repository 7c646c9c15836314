"""Decisions written before titles existed get the heading their pages
printed ("Needs advice on Django, Flask") from the migration that adds the
field, so the required title holds for every row.

Runs the real migrations on a database at ``frameworks`` 0013, then forward.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("frameworks", "0013_stats_and_history_split")]
AFTER = [("frameworks", "0014_decision_title")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_titles(transactional_db):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    yield migrate(BEFORE)
    migrate(latest)


def test_existing_decisions_are_titled_from_their_kind_and_frameworks(before_titles):
    old = before_titles
    user = old.get_model("auth", "User").objects.create(username="ada")
    category = old.get_model("frameworks", "Category").objects.create(name="Web", slug="web")
    framework = old.get_model("frameworks", "Framework")
    flask, django = (
        framework.objects.create(name=name, slug=name.lower(), category=category)
        for name in ("Flask", "Django")
    )
    long_names = [
        framework.objects.create(name=f"{'Long' * 20} {n}", slug=f"long-{n}", category=category)
        for n in range(4)
    ]
    decision = old.get_model("frameworks", "Decision")
    advice = decision.objects.create(author=user, kind="needs_advice", body="Which?")
    advice.frameworks.set([flask, django])
    decided = decision.objects.create(author=user, kind="decided", body="This one.")
    decided.frameworks.set(long_names)
    alone = decision.objects.create(author=user, kind="decided", body="No frameworks left.")

    new = migrate(AFTER).get_model("frameworks", "Decision")

    assert new.objects.get(pk=advice.pk).title == "Needs advice on Django, Flask"
    long_title = new.objects.get(pk=decided.pk).title
    assert long_title.startswith("Decided on Long") and long_title.endswith("…")
    assert len(long_title) <= 120
    assert new.objects.get(pk=alone.pk).title == "Decided"

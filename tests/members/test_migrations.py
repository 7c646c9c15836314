"""Moving Profile to the members app keeps every profile and its data.

Runs the real migrations on a database that holds the schema and rows of
before the move (``frameworks`` 0007, no ``members``), then migrates forward.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from members.models import Profile

BEFORE = [("frameworks", "0007_stat_sources_and_snapshots"), ("members", None)]
AFTER = [("members", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.fixture
def before_the_move(transactional_db):
    """The database as it was; back to the latest schema afterwards."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    yield migrate(BEFORE)
    migrate(latest)


def test_profiles_survive_the_move_to_members(before_the_move):
    old = before_the_move
    user_model = old.get_model("auth", "User")
    old_profile = old.get_model("frameworks", "Profile")
    content_type = old.get_model("contenttypes", "ContentType")
    ada = user_model.objects.create(username="ada", email="ada@example.com")
    demo = user_model.objects.create(username="sachin")
    old_profile.objects.create(user=ada, headline="Engineer at Analytical Engines")
    old_profile.objects.create(user=demo, headline="Demo author", is_demo=True)
    old_type = content_type.objects.get_or_create(app_label="frameworks", model="profile")[0]

    new = migrate(AFTER)

    profiles = new.get_model("members", "Profile").objects.order_by("user__username")
    assert [(p.user.username, p.headline, p.is_demo) for p in profiles] == [
        ("ada", "Engineer at Analytical Engines", False),
        ("sachin", "Demo author", True),
    ]
    # Permissions and admin history follow the model to its new app.
    moved = new.get_model("contenttypes", "ContentType").objects.get(pk=old_type.pk)
    assert (moved.app_label, moved.model) == ("members", "profile")
    # The table follows its app's name; new profiles get fresh ids.
    tables = connection.introspection.table_names()
    assert "members_profile" in tables and "frameworks_profile" not in tables
    ada = new.get_model("auth", "User").objects.get(username="ada")
    ada.profile.delete()
    created = new.get_model("members", "Profile").objects.create(user=ada, headline="Again")
    assert created.pk > max(p.pk for p in profiles)


def test_the_move_can_be_undone(before_the_move):
    user_model = before_the_move.get_model("auth", "User")
    grace = user_model.objects.create(username="grace")
    before_the_move.get_model("frameworks", "Profile").objects.create(
        user=grace, headline="Admiral"
    )
    migrate(AFTER)

    old = migrate(BEFORE)

    assert old.get_model("frameworks", "Profile").objects.get().headline == "Admiral"


def test_the_model_lives_in_members():
    assert Profile._meta.app_label == "members"
    assert Profile._meta.db_table == "members_profile"

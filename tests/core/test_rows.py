"""core.rows: written-out statements, prepared on PostgreSQL."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import rows
from frameworks import services
from frameworks.models import ProCon
from tests.factories import ProConFactory, UserFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@postgresql_only
def test_a_vote_and_a_member_lookup_are_prepared_once_per_connection():
    item = ProConFactory(baseline_votes=4, votes_count=4)
    member = UserFactory()

    for expected in ((5, True), (4, False), (5, True)):
        assert services.toggle_vote(user=member, procon_id=item.pk) == expected
        assert rows.first(get_user_model(), (("id", "="),), [member.pk]) == member

    statements = prepared_statements()
    assert len([s for s in statements if s.startswith("WITH target")]) == 1
    assert len([s for s in statements if "auth_user" in s]) == 1
    # Prepared statements take $n parameters, so nothing was inlined.
    assert all("$1" in s for s in statements)


@postgresql_only
def test_the_orms_statements_are_not_prepared():
    item = ProConFactory()
    for _ in range(3):
        ProCon.objects.get(pk=item.pk)

    assert not [s for s in prepared_statements() if "frameworks_procon" in s]


@postgresql_only
def test_a_prepared_statement_is_logged_and_counted_as_any_other():
    member = UserFactory()

    with CaptureQueriesContext(connection) as queries:
        rows.first(get_user_model(), (("id", "="),), [member.pk])

    assert len(queries) == 1
    assert '"auth_user"' in queries[0]["sql"]


def test_without_prepared_statements_the_cursor_is_the_usual_one():
    member = UserFactory()
    options = connection.settings_dict["OPTIONS"]
    saved = options.pop("prepare_threshold", None)
    try:
        with rows.cursor(connection) as cursor:
            cursor.execute(
                f"SELECT username FROM {connection.ops.quote_name('auth_user')} WHERE id = %s",
                [member.pk],
            )
            assert cursor.fetchone() == (member.username,)
    finally:
        if saved is not None:
            options["prepare_threshold"] = saved

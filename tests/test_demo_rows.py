"""The demo the tests start from (tests/demo_rows.py) is what ``load_demo``
writes: a test that passes on it would pass on the command's."""

import io

from django.core.management import call_command
from django.db import connection, transaction

from frameworks.models import Framework
from frameworks.search import matching
from tests import demo_rows


def counts():
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        found = {}
        for table in demo_rows._tables():
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            found[table] = cursor.fetchone()[0]
        return found


def test_the_rows_fill_every_table_as_the_command_does(db, _demo_rows):
    with transaction.atomic():
        call_command("load_demo", verbosity=0)
        by_command = counts()
        transaction.set_rollback(True)

    demo_rows.write(_demo_rows)

    assert counts() == by_command
    assert sum(by_command.values()) > 500


def test_the_command_finds_every_row_as_it_would_write_it(demo):
    out = io.StringIO()
    call_command("load_demo", "--update", stdout=out)

    assert " 0 created, 0 updated, " in out.getvalue()


def test_the_search_index_holds_the_rows_written(demo):
    found = matching(Framework.objects.published(), "djan")

    assert [f.slug for f in found][:1] == ["django"]


def test_rows_that_clash_with_the_tests_own_are_loaded_by_the_command(db, _demo_rows):
    from tests.factories import FrameworkFactory

    FrameworkFactory(slug="django", name="Django")

    demo_rows.write(_demo_rows)

    assert Framework.objects.filter(slug="flask").exists()
    assert Framework.objects.filter(slug="django").count() == 1

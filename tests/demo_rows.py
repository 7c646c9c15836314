"""The demo catalogue for tests, fast: about 300 tests on each database
start from it, and ``load_demo`` takes one to two seconds. Each test process
runs the command once, in a transaction it rolls back, and keeps the rows it
wrote; a test then writes those rows back in a tenth of the time (triggers
fill the search index as for any insert). ``tests/test_demo_rows.py`` checks
that the command finds them exactly as it would have written them."""

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction


def written_by_load_demo():
    """{table: (columns, rows added, rows changed)} by ``load_demo`` on
    this database as it is; nothing is kept."""
    with transaction.atomic():
        before = {table: dict(_rows(table)[1]) for table in _tables()}
        call_command("load_demo", verbosity=0)
        written = {}
        for table in _tables():
            columns, after = _rows(table)
            added = [row for key, row in after if key not in before[table]]
            changed = [row for key, row in after if before[table].get(key, row) != row]
            if added or changed:
                written[table] = (columns, added, changed)
        transaction.set_rollback(True)
    return written


def write(written):
    """Writes ``written`` back; where the test already wrote rows that
    clash with them (a framework of the same slug, say), runs the command."""
    quote = connection.ops.quote_name
    keys = _tables()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for table, (columns, added, changed) in written.items():
                names = ", ".join(map(quote, columns))
                if added:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(
                        f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", added
                    )
                if changed:
                    sets = ", ".join(f"{quote(c)} = %s" for c in columns)
                    at = columns.index(keys[table])
                    cursor.executemany(
                        f"UPDATE {quote(table)} SET {sets} WHERE {quote(keys[table])} = %s",
                        [[*row, row[at]] for row in changed],
                    )
            # PostgreSQL: the sequences past the ids written.
            models = [m for m in _models() if m._meta.db_table in written]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    except IntegrityError:
        call_command("load_demo", verbosity=0)


def _models():
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def _tables():
    """{table: its primary key's column} of every model."""
    return {m._meta.db_table: m._meta.pk.column for m in _models()}


def _rows(table):
    """(columns, [(primary key, row)]): every column the table has, the
    search document PostgreSQL's trigger keeps too."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quote(table)}")
        columns = [c[0] for c in cursor.description]
        at = columns.index(_tables()[table])
        return columns, [(row[at], row) for row in cursor.fetchall()]

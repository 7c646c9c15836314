"""One model row by a few conditions, read by a written-out statement.

For the lookups every signed-in request makes (its session, its member):
building and compiling an ORM query for them cost more Python than running
them. The statement is composed once per database alias, model and
conditions; parameters and columns go through the same field conversions
the ORM applies (aware datetimes on SQLite, booleans...), so the instance
equals what ``Model.objects.get()`` returns.

``cursor()`` runs such statements, here and in the vote's service, as
prepared statements on PostgreSQL.

``insert()`` is the other end: many new rows of one model (an import of
hundreds of thousands), where ``bulk_create`` spent more time composing
each statement value by value than the database spent running it.
"""

import contextlib
import functools
import itertools
import operator

from django.db import connections, models, router

#: Fields whose conversions leave ``_AS_IS`` values as they are.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_AS_IS = {str, int, bool, type(None)}


@contextlib.contextmanager
def cursor(connection):
    """A cursor for the few written-out statements that run on every vote or
    signed-in request. On PostgreSQL with prepared statements on
    (``DATABASE_PREPARE``, the settings), it binds parameters on the server,
    so each statement is parsed and planned once per connection and then
    only executed: the vote's statement took longer to plan than to run.
    Elsewhere it is the connection's usual cursor.

    The ORM's own statements are never prepared: Django's cursors bind
    parameters on the client, and psycopg prepares only server-bound ones.
    The cursor is wrapped as Django wraps its own (``connection.cursor()``),
    so errors, the query log and ``assertNumQueries`` behave alike."""
    if connection.vendor != "postgresql" or (
        connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        with connection.cursor() as plain:
            yield plain
        return
    server_bound, logged, time_zone_of = _server_bound_cursors()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = (logged if connection.queries_logged else server_bound)(connection.connection)
    # As Django's create_cursor(): the connection's time zone, if it changed.
    if connection.timezone != time_zone_of(raw):
        from django.db.backends.postgresql.psycopg_any import register_tzloader

        register_tzloader(connection.timezone, raw)
    with connection._prepare_cursor(raw) as prepared:
        yield prepared


@functools.cache
def _server_bound_cursors():
    """Django's server-binding cursor class; one that also keeps the
    statement it ran where Django's query log (DEBUG, ``assertNumQueries``)
    reads it (psycopg keeps it only on client-bound cursors); and the time
    zone a cursor reads timestamps in. Imported once, off the hot path."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from psycopg.pq import Format

    class LoggedCursor(ServerBindingCursor):
        def execute(self, query, params=None, **kwargs):
            result = super().execute(query, params, **kwargs)
            self._query = self._convert_query(query, params)
            return result

    def time_zone_of(cursor):
        return cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone

    return ServerBindingCursor, LoggedCursor, time_zone_of


def first(model, conditions, params, names=None):
    """The row of ``model`` where each ``(field name, operator)`` of
    ``conditions`` holds for the matching value of ``params`` (e.g.
    ``(("session_key", "="), ("expire_date", ">"))``), as an instance with
    the fields ``names`` (default: all), or None."""
    connection = connections[router.db_for_read(model)]
    names = names or tuple(field.name for field in model._meta.concrete_fields)
    sql, fields, attnames, converters = _statement(connection.alias, model, names, conditions)
    values = [
        fields[name].get_db_prep_value(value, connection)
        for (name, _), value in zip(conditions, params, strict=True)
    ]
    with cursor(connection) as statement:
        statement.execute(sql, values)
        row = statement.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, column, functions in converters:
        for convert in functions:
            row[index] = convert(row[index], column, connection)
    return model.from_db(connection.alias, attnames, row)


@functools.lru_cache(maxsize=128)
def _statement(alias, model, names, conditions):
    """Composed with the calling thread's connection to ``alias``; the text
    and the converters depend only on the database and the settings (keyed
    by alias, not by connection: each thread has its own connection object,
    and a key would keep it open)."""
    connection = connections[alias]
    opts = model._meta
    quote = connection.ops.quote_name
    fields = {name: opts.get_field(name) for name in {*names, *(n for n, _ in conditions)}}
    selected = [fields[name] for name in names]
    where = " AND ".join(f"{quote(fields[name].column)} {op} %s" for name, op in conditions)
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in selected)} "
        f"FROM {quote(opts.db_table)} WHERE {where}"
    )
    converters = []
    for index, field in enumerate(selected):
        column = field.get_col(opts.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            converters.append((index, column, functions))
    return sql, fields, [field.attname for field in selected], converters


def insert(model, objs):
    """INSERT ``objs`` (new instances of ``model``) as ``bulk_create`` would,
    and set their primary keys: the fields that fill themselves in
    (``auto_now``, ``auto_now_add``) take the value ``pre_save`` gives the
    first, all alike (converted once, not once per row), and values go
    through the ORM's conversions. No signals, as ``bulk_create``."""
    fields = _insert_fields(model)
    filled = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for field in filled if objs else ():
        value = field.pre_save(objs[0], True)
        for obj in objs:
            setattr(obj, field.attname, value)
    names = [f.attname for f in fields]
    keys = insert_values(model, names, list(map(_getter(names), objs)))
    connection = connections[router.db_for_write(model)]
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_values(model, names, rows):
    """INSERT ``rows`` (sequences of values of the fields ``names``, by
    attname) into ``model``'s table; their primary keys, in order. Values go
    through ``get_db_prep_save`` but for the types it leaves as they are
    (text, whole numbers, booleans and NULL in text, number, boolean and
    key columns)."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in names]
    plain = [isinstance(f, _PLAIN) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
    returning = f" RETURNING {quote(model._meta.pk.column)}"
    types = [f.db_type(connection) for f in fields]
    # PostgreSQL: one array per column (UNNEST, as bulk_create does there),
    # so the statement has a placeholder per column, not per value: the
    # driver's scan of a statement with 60,000 placeholders cost more than
    # the database's work.
    unnest = connection.vendor == "postgresql" and all(t and "[" not in t for t in types)
    size = 5000 if unnest else max(1, connection.ops.bulk_batch_size(fields, rows))
    keys = []
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        columns = [
            _prepared(field, as_is, column, connection)
            for field, as_is, column in zip(fields, plain, zip(*batch, strict=True), strict=True)
        ]
        if unnest:
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            sql, params = f"{head}SELECT * FROM UNNEST({arrays})", columns
        else:
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            sql = head + "VALUES " + ", ".join([one] * len(batch))
            params = list(itertools.chain.from_iterable(zip(*columns, strict=True)))
        with connection.cursor() as statement:
            statement.execute(sql + returning, params)
            keys.extend(key for (key,) in statement.fetchall())
    return keys


def _prepared(field, as_is, column, connection):
    """One column's values for the database, converted once per distinct
    value rather than one by one: a column the conversions leave as it is
    (``_AS_IS`` values in a ``_PLAIN`` field) as it is, and a column of one
    type (besides NULL: dates, the one time on every history row) through
    ``get_db_prep_save`` once per distinct value. A column mixing types
    (``1`` and ``True`` are one key of a dict) or holding unhashable values
    is converted value by value."""
    types = set(map(type, column))
    if as_is and types <= _AS_IS:
        return list(column)
    prepare = functools.partial(field.get_db_prep_save, connection=connection)
    if len(types - {type(None)}) == 1:
        try:
            distinct = dict.fromkeys(column)
        except TypeError:  # a JSON value
            pass
        else:
            for value in distinct:
                distinct[value] = prepare(value)
            return list(map(distinct.__getitem__, column))
    return list(map(prepare, column))


def _getter(names):
    """The values of the fields ``names`` (attnames) of an object, a tuple."""
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else lambda obj: (get(obj),)


def _insert_fields(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]

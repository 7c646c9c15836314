"""One model row by a few conditions, read by a written-out statement.

For the lookups every signed-in request makes (its session, its member):
building and compiling an ORM query for them cost more Python than running
them. The statement is composed once per database alias, model and
conditions; parameters and columns go through the same field conversions
the ORM applies (aware datetimes on SQLite, booleans...), so the instance
equals what ``Model.objects.get()`` returns.
"""

import functools

from django.db import connections, router


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
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
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

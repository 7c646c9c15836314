"""Keyset (cursor) pagination: every page costs the same, at any depth.

An offset page (``LIMIT 24 OFFSET 19000``) makes the database read and
throw away every row before it; a keyset page asks for the rows after
the last one shown (``WHERE (stars, name) < (...)``), which an index
answers directly. The queryset's own ``order_by`` is the key: its last
field must be unique (``name``, ``pk``), each field may be descending and
NULLs always come last (the catalogue's sorts, ``NullsLastOrderingFilter``).

A cursor is ``n.`` or ``p.`` (rows after or before) and the key values of
the row at the edge, as URL-safe base64 JSON. A cursor that does not fit
the ordering raises ``InvalidCursor``: a 400, never a 500. Used by the
catalogue and category pages (pages), the compare index (comparison) and
the API's lists (api); ``CursorPagesMixin`` gives an HTML page's views the
same 400. ``count_up_to`` counts a list for its heading without reading all
of it.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, OrderBy, Q
from django.shortcuts import render

#: Longer cursors are not ours.
MAX_CURSOR_LENGTH = 1000
_LARGEST_INT = 2**63 - 1


class InvalidCursor(ValueError):
    """The ``cursor`` parameter is not one this paginator made."""

    def __init__(self, message="This cursor is not valid: follow the Next and Previous links."):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Key:
    field: str
    descending: bool
    #: A column declared NOT NULL is ordered without NULLS FIRST/LAST, so
    #: that a plain index on it serves the order (PostgreSQL's DESC puts
    #: NULLs first: a DESC NULLS LAST order would not read it).
    nullable: bool = True


@dataclass
class KeysetPage:
    """One page: its rows and the cursors of its neighbours (None at an end)."""

    object_list: list
    next_cursor: str | None
    previous_cursor: str | None
    #: The page after the previous one is the first page (link without a cursor).
    previous_is_first: bool = False

    @property
    def has_next(self):
        return self.next_cursor is not None

    @property
    def has_previous(self):
        return self.previous_cursor is not None or self.previous_is_first

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def ordering_keys(queryset):
    """The queryset's ordering as ``Key``s (field names or ``F()`` orders)."""
    keys = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            name, descending = item.lstrip("-"), item.startswith("-")
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            name, descending = item.expression.name, item.descending
        else:
            raise TypeError(f"Keyset pagination cannot order by {item!r}.")
        keys.append(Key(name, descending, _nullable(queryset.model, name)))
    if not keys:
        raise TypeError("Keyset pagination needs an ordered queryset.")
    return keys


def encode(direction, values):
    raw = json.dumps(values, separators=(",", ":"), allow_nan=False).encode()
    return f"{direction}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


def _reject_constant(name):
    raise InvalidCursor()


def decode(cursor, length):
    """``(direction, values)`` of a cursor for ``length`` keys, or InvalidCursor."""
    if len(cursor) > MAX_CURSOR_LENGTH or cursor[:2] not in ("n.", "p."):
        raise InvalidCursor()
    body = cursor[2:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        values = json.loads(raw, parse_constant=_reject_constant)
    except (binascii.Error, ValueError):
        raise InvalidCursor() from None
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor()
    for value in values:
        fine = (
            value is None
            or (isinstance(value, str) and "\x00" not in value)
            or (
                isinstance(value, int)
                and not isinstance(value, bool)
                and abs(value) <= _LARGEST_INT
            )
            or (isinstance(value, float) and math.isfinite(value))
        )
        if not fine:
            raise InvalidCursor()
    return cursor[0], values


def _beyond(keys, values, before):
    """Rows strictly after (or ``before``) the row with these key values,
    in the order of ``keys`` with NULLs last."""
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        later = key.descending != before  # "<" comes later in a descending key
        if value is None:
            # NULLs are last: nothing is after them, everything known is before.
            step = Q(**{f"{key.field}__isnull": False}) if before else Q(pk__in=[])
            same = Q(**{f"{key.field}__isnull": True})
        else:
            step = Q(**{f"{key.field}__{'lt' if later else 'gt'}": value})
            if not before:
                step |= Q(**{f"{key.field}__isnull": True})
            same = Q(**{key.field: value})
        condition |= equal & step
        equal &= same
    return condition


def _nullable(model, name):
    """Whether the column ``name`` may hold NULL (an annotation may)."""
    try:
        return (model._meta.pk if name == "pk" else model._meta.get_field(name)).null
    except FieldDoesNotExist:
        return True


def _ordered(queryset, keys, reverse):
    orders = []
    for key in keys:
        descending = key.descending != reverse
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        nulls = nulls if key.nullable else {}
        orders.append(F(key.field).desc(**nulls) if descending else F(key.field).asc(**nulls))
    return queryset.order_by(*orders)


def paginate(queryset, cursor, per_page, *, narrow=False):
    """The ``KeysetPage`` of ``queryset`` at ``cursor`` (None: the first page),
    in one query.

    ``narrow``: the page's rows are chosen by their keys alone, in a
    subquery, and only they are read whole. For a filter no index reads in
    the key's order (a category's frameworks by name): the database sorts
    every matching row before the ``LIMIT``, and would otherwise compute
    each one's annotations (stars gained) and read its columns first."""
    keys = ordering_keys(queryset)
    direction, values = decode(cursor, len(keys)) if cursor else ("n", None)
    before = direction == "p"
    rows = queryset
    if values is not None:
        try:
            rows = rows.filter(_beyond(keys, values, before))
        except (TypeError, ValueError, ValidationError):
            raise InvalidCursor() from None
    try:
        page = _ordered(rows, keys, reverse=before)[: per_page + 1]
        if narrow:
            page = _ordered(queryset.filter(pk__in=page.values("pk")), keys, reverse=before)
        found = list(page)
    except (TypeError, ValueError, ValidationError):
        # A value the field's own conversion refused only when the query ran.
        raise InvalidCursor() from None
    more = len(found) > per_page
    found = found[:per_page]
    if before:
        found.reverse()

    def edge(row, direction):
        return encode(direction, [getattr(row, key.field) for key in keys])

    if not found:
        return KeysetPage([], None, None, previous_is_first=values is not None)
    after_more = more if not before else True
    before_more = more if before else values is not None
    return KeysetPage(
        found,
        next_cursor=edge(found[-1], "n") if after_more else None,
        previous_cursor=edge(found[0], "p") if before_more else None,
    )


class CursorPagesMixin:
    """A view of keyset pages (``?cursor=``): ``cursor_page()`` reads the
    cursor, and a cursor this site did not make, wherever the view meets
    it, is a 400 page saying so. ``per_page`` rows a page."""

    per_page = 24

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except InvalidCursor as error:
            return render(request, "400.html", {"message": error.message}, status=400)

    def cursor_page(self, queryset, *, narrow=False):
        cursor = self.request.GET.get("cursor") or None
        return paginate(queryset, cursor, self.per_page, narrow=narrow)


#: Lists count their rows up to this many; beyond it they say "more than".
COUNT_CAP = 1000


@dataclass(frozen=True)
class Count:
    """How many rows a list holds, counted up to a cap: ``exact`` is False
    when there are more than ``n``. Counting 20,000 rows read them all for
    a heading; a reader learns as much from "more than 1,000"."""

    n: int
    exact: bool

    def __str__(self):
        return f"{self.n:,}" if self.exact else f"more than {self.n:,}"

    @classmethod
    def of(cls, n, cap=None):
        """The ``Count`` a list of ``n`` rows shows, capped as counted."""
        cap = COUNT_CAP if cap is None else cap
        return cls(min(n, cap), n <= cap)


def count_up_to(queryset, cap=None):
    """``Count`` of ``queryset``'s rows, reading at most ``cap`` + 1 of them
    (``COUNT_CAP`` by default)."""
    cap = COUNT_CAP if cap is None else cap
    return Count.of(queryset.order_by().values("pk")[: cap + 1].count(), cap)

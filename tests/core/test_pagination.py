"""Keyset pages (core/pagination.py): cursors, NULLs last, both directions."""

import base64

import pytest
from django.db.models import F

from core import pagination
from frameworks.models import Framework
from tests.factories import FrameworkFactory


def raw_cursor(direction, text):
    return f"{direction}.{base64.urlsafe_b64encode(text.encode()).decode().rstrip('=')}"


@pytest.mark.parametrize(
    "values", [[], [None], ["Django", 3], [1.5, "x", None], ["é\u2028", -(2**63) + 1]]
)
def test_a_cursor_gives_back_its_values(values):
    assert pagination.decode(pagination.encode("p", values), len(values)) == ("p", values)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "n",
        "x.WzFd",  # neither n. nor p.
        "n.%%%",
        "n." + "A" * 2000,
        raw_cursor("n", "not json"),
        raw_cursor("n", '{"a": 1}'),  # not a list
        raw_cursor("n", "[1, 2]"),  # two values for one key
        raw_cursor("n", "[true]"),
        raw_cursor("n", "[NaN]"),
        raw_cursor("n", "[Infinity]"),
        raw_cursor("n", "[1e999]"),
        raw_cursor("n", f"[{2**70}]"),
        raw_cursor("n", '["a\\u0000b"]'),
        raw_cursor("n", "[[1]]"),
        raw_cursor("n", '[{"k": 1}]'),
    ],
)
def test_a_cursor_this_site_did_not_make_is_refused(cursor):
    with pytest.raises(pagination.InvalidCursor):
        pagination.decode(cursor, 1)


@pytest.mark.django_db
class TestPages:
    STARS = [5, None, 5, 3, None, 7, 1]

    @pytest.fixture
    def ordered(self):
        for n, stars in enumerate(self.STARS):
            FrameworkFactory(name=f"F{n}", github_stars=stars)
        return Framework.objects.order_by(F("github_stars").desc(nulls_last=True), "name")

    def walk(self, queryset, size, cursor=None, backwards=False, narrow=False):
        names = []
        while True:
            page = pagination.paginate(queryset, cursor, size, narrow=narrow)
            names = [f.name for f in page] + names if backwards else names + [f.name for f in page]
            cursor = page.previous_cursor if backwards else page.next_cursor
            if cursor is None:
                return names, page

    def test_next_links_walk_every_row_once_nulls_last(self, ordered, django_assert_num_queries):
        with django_assert_num_queries(1):
            first = pagination.paginate(ordered, None, 2)
        assert [f.name for f in first] == ["F5", "F0"]
        assert (first.has_previous, first.has_next) == (False, True)
        names, last = self.walk(ordered, 2)
        assert names == ["F5", "F0", "F2", "F3", "F6", "F1", "F4"]
        assert (last.has_previous, last.has_next) == (True, False)

    @pytest.mark.parametrize("size", [1, 2, 3, 7, 8])
    def test_previous_links_walk_back_the_same_rows(self, ordered, size):
        forwards, last = self.walk(ordered, size)
        if size >= len(self.STARS):
            assert not last.has_previous  # one page only
            return
        # Back from the last page: the rows before it, in the same order.
        backwards, first = self.walk(ordered, size, last.previous_cursor, backwards=True)
        assert backwards == forwards[: len(forwards) - len(last.object_list)]
        assert not first.has_previous

    @pytest.mark.parametrize("size", [1, 2, 3, 7])
    def test_narrowed_pages_are_the_same_pages_in_one_query(
        self, ordered, size, django_assert_num_queries
    ):
        """``narrow``: the page's keys in a subquery, its rows read whole after."""
        filtered = ordered.filter(name__gt="F0").annotate(doubled=F("github_stars") * 2)
        forwards, last = self.walk(filtered, size)
        assert self.walk(filtered, size, narrow=True)[0] == forwards
        if last.has_previous:
            back = last.previous_cursor
            backwards, _ = self.walk(filtered, size, back, backwards=True)
            assert self.walk(filtered, size, back, backwards=True, narrow=True)[0] == backwards
        with django_assert_num_queries(1) as captured:
            page = pagination.paginate(filtered, None, size, narrow=True)
        assert [f.doubled for f in page] == [f.doubled for f in filtered[:size]]
        # The annotation is computed for the page's rows only, outside the subquery.
        (sql,) = [q["sql"] for q in captured.captured_queries]
        assert sql.count("* 2") == 1 and sql.index("* 2") < sql.index("IN (SELECT")

    def test_ascending_by_name_and_past_the_end(self, ordered):
        by_name = Framework.objects.order_by("name")
        names, _ = self.walk(by_name, 3)
        assert names == sorted(names)
        beyond = pagination.paginate(by_name, pagination.encode("n", ["F6"]), 3)
        assert beyond.object_list == []
        assert beyond.has_previous and beyond.previous_cursor is None  # back to the first page

    def test_a_value_of_the_wrong_type_is_an_invalid_cursor(self, ordered):
        with pytest.raises(pagination.InvalidCursor):
            pagination.paginate(ordered, pagination.encode("n", ["many", "F1"]), 2)

    def test_an_unordered_queryset_cannot_be_paged(self):
        with pytest.raises(TypeError):
            pagination.paginate(Framework.objects.order_by(), None, 2)

"""Path converters registered for every URLconf (``CoreConfig.ready``).

``<id:pk>`` is Django's ``<int:pk>`` bounded to what an id column holds: a
64-bit signed integer (``BigAutoField``). ``<int:...>`` takes digits of any
length, and a number beyond that range reaches the database as an overflow
(PostgreSQL's "bigint out of range", SQLite's OverflowError), a 500 where
any other unknown id is a 404. With ``<id:...>`` the address simply does not
match, so it is the site's 404, whatever the view does with the id. Every
route with an integer id uses it (``tests/core/test_converters.py`` walks
them all).
"""

from django.urls import register_converter

#: The largest value of a BigAutoField (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1


class IdConverter:
    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"

    def to_python(self, value):
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is beyond any id")
        return number

    def to_url(self, value):
        return str(value)


def register():
    register_converter(IdConverter, "id")

"""The vote toggle as one written-out PostgreSQL statement.

The only raw SQL on the vote's path, kept because the bench shows it pays:
under 16 concurrent voters it holds the row locks only while one statement
runs, with no BEGIN and COMMIT round trips, and it is prepared once per
connection (``core.rows.cursor``). ``services.toggle_vote_orm`` does the
same with the ORM; the tests compare the two.
"""

from django.db import connection
from django.utils import timezone

from core import rows

from .models import AbuseMark, Framework, ProCon, Vote


def toggle(user_id, procon_id):
    """``(framework id, blocked, votes_count, voted)``: the framework id is
    None if the item cannot be voted on, and nothing is written then or if
    ``blocked``; ``votes_count`` is None when nothing was counted (a
    parallel request of this member inserted the vote first).

    A data-modifying ``WITH`` checks the item and the member, deletes the
    member's vote, inserts it if there was none (ON CONFLICT absorbs a
    parallel double click) and moves the item's counter and its
    framework's by what really changed, in one implicit transaction."""
    quote = connection.ops.quote_name
    votes, procons = quote(Vote._meta.db_table), quote(ProCon._meta.db_table)
    frameworks, marks = quote(Framework._meta.db_table), quote(AbuseMark._meta.db_table)
    with rows.cursor(connection) as cursor:
        cursor.execute(
            "WITH target AS (SELECT p.framework_id, EXISTS(SELECT 1 FROM "
            f"{marks} m WHERE m.user_id = %(user)s AND m.blocks_voting) AS blocked "
            f"FROM {procons} p JOIN {frameworks} f ON f.id = p.framework_id "
            "WHERE p.id = %(procon)s AND p.status = %(approved)s AND f.is_published), "
            "allowed AS (SELECT 1 FROM target WHERE NOT blocked), "
            f"deleted AS (DELETE FROM {votes} WHERE user_id = %(user)s "
            "AND procon_id = %(procon)s AND EXISTS (SELECT 1 FROM allowed) RETURNING 1), "
            f"inserted AS (INSERT INTO {votes} (user_id, procon_id, created) "
            "SELECT %(user)s, %(procon)s, %(now)s WHERE EXISTS (SELECT 1 FROM allowed) "
            "AND NOT EXISTS (SELECT 1 FROM deleted) "
            "ON CONFLICT (user_id, procon_id) DO NOTHING RETURNING 1), "
            f"counted AS (UPDATE {procons} SET votes_count = votes_count "
            "+ (SELECT count(*) FROM inserted) - (SELECT count(*) FROM deleted) "
            "WHERE id = %(procon)s AND EXISTS (SELECT 1 FROM deleted UNION ALL "
            "SELECT 1 FROM inserted) RETURNING votes_count), "
            # Reading ``counted`` first locks the item, then its framework.
            f"summed AS (UPDATE {frameworks} SET votes_count = votes_count "
            "+ (SELECT count(*) FROM inserted) - (SELECT count(*) FROM deleted) "
            "WHERE id = (SELECT framework_id FROM target) "
            "AND EXISTS (SELECT 1 FROM counted)) "
            "SELECT (SELECT framework_id FROM target), (SELECT blocked FROM target), "
            "(SELECT votes_count FROM counted), NOT EXISTS (SELECT 1 FROM deleted)",
            {
                "user": user_id,
                "procon": procon_id,
                "approved": ProCon.Status.APPROVED,
                "now": timezone.now(),
            },
        )
        return cursor.fetchone()

"""The members app's cache tags.

``core.cache`` explains the mechanism. The tag of members' names and
headlines, ``members``, is declared by the catalogue's pages (decision cards
name their authors), so it is named in ``frameworks/cache.py``: this app
depends on ``frameworks``, never the other way round. This app bumps it when
a name or headline changes (``signals.py``) and adds the tags of its own
pages.

==========================  ===================================================
tag                         shown by
==========================  ===================================================
``members``                 names and headlines: decision cards everywhere,
                            member profile pages
``member:<pk>``             what a member's profile page lists of their own
                            posts (decisions, and what they follow and use)
==========================  ===================================================
"""

from frameworks.cache import FRAMEWORK_REFS, MEMBERS, member

__all__ = ["FRAMEWORK_REFS", "MEMBERS", "member", "member_page"]


def member_page(pk):
    """The tag of what one member's profile page lists."""
    return f"member:{pk}"


#: Tables of this app, as ``frameworks.cache.READS``.
READS = {
    "members.Profile": (MEMBERS, "member", "decisions", "decision"),  # as auth.User
    "members.Follow": ("follows", "member"),
    "members.StackEntry": ("follows", "member"),
    "members.Comment": ("decision", "member"),
}

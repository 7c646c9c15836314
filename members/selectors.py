"""Reads for the members' pages."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from frameworks.models import Decision

from .models import DELETED_MEMBER_USERNAME

#: Posts listed on a member's page, newest first.
PAGE_DECISIONS = 20


@dataclass
class MemberPage:
    member: object
    profile: object
    decisions: list


def member_page(username, *, viewer):
    """What ``/members/<username>/`` shows, or None for an unknown name, a
    deactivated account or the placeholder of deleted members. Demo authors
    have pages: their posts are public like any other. Decisions are those the
    viewer may read (published, plus their own held ones); votes are never
    shown."""
    member = (
        get_user_model()
        .objects.select_related("profile")
        .filter(username=username, is_active=True)
        .exclude(username=DELETED_MEMBER_USERNAME)
        .first()
    )
    if member is None:
        return None
    decisions = list(
        Decision.objects.visible_to(viewer).filter(author=member).for_display()[:PAGE_DECISIONS]
    )
    return MemberPage(
        member=member,
        profile=getattr(member, "profile", None),
        decisions=decisions,
    )

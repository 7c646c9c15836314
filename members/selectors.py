"""Reads for the members' pages."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from core.cache import depends_on
from frameworks import cache as catalogue_tags
from frameworks.models import Decision, Framework, ProCon, Vote

from .models import DELETED_MEMBER_USERNAME, Follow, StackEntry

#: Posts listed on a member's page, newest first.
PAGE_DECISIONS = 20


@dataclass
class MemberPage:
    member: object
    profile: object
    decisions: list
    stack: list
    follows: list


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
    profile = getattr(member, "profile", None)
    hidden = profile is not None and profile.hide_stack and viewer.pk != member.pk
    stack = (
        []
        if hidden
        else list(
            StackEntry.objects.filter(user=member, framework__is_published=True)
            .select_related("framework")
            .order_by("framework__name")
        )
    )
    follows = list(
        Follow.objects.filter(user=member, framework__is_published=True)
        .select_related("framework")
        .order_by("framework__name")
    )
    return MemberPage(
        member=member, profile=profile, decisions=decisions, stack=stack, follows=follows
    )


#: Members listed under "who uses it" on a framework page.
PANEL_MEMBERS = 8


def stack_users(framework_id, user=None):
    """``(entries, the member's own)``: who lists the framework in their
    stack, newest first (active members who show their stack), and
    ``user``'s own entry (None for anyone else)."""
    users = list(
        StackEntry.objects.filter(framework_id=framework_id, user__is_active=True)
        .exclude(user__profile__hide_stack=True)
        .select_related("user__profile")
        .order_by("-created")[:PANEL_MEMBERS]
    )
    entry = None
    if user is not None and user.is_authenticated:
        entry = StackEntry.objects.filter(user=user, framework_id=framework_id).first()
    return users, entry


@dataclass
class CommentsPanel:
    comments: list
    editable: set
    form: object

    @property
    def published(self):
        """How many comments everyone sees (the reader's held ones are listed, not counted)."""
        return sum(c.status == c.Status.APPROVED for c in self.comments)

    @property
    def held(self):
        """Whether the reader has comments waiting for a curator (one notice for all)."""
        return any(c.status == c.Status.PENDING for c in self.comments)


def decision_comments(request, decision):
    """Context for the decision page (pages.views.DecisionDetailView):
    its visible comments and the reader's own held for review, oldest
    first, and the form for members."""
    comments = list(
        decision.comments.visible_to(request.user)
        .select_related("author__profile")
        .order_by("created")
    )
    user = request.user
    editable = {c.pk for c in comments if user.is_authenticated and c.editable_by(user)}
    form = None
    if user.is_authenticated and decision.status == Decision.Status.APPROVED:
        from .forms import CommentForm

        form = CommentForm()
    return {"comments_panel": CommentsPanel(comments=comments, editable=editable, form=form)}


# --- Trending: what members turned to lately ------------------------------------

#: The days "trending" looks back over.
TRENDING_DAYS = 30
#: Entries of each trending list on the home page.
TRENDING_LENGTH = 6


@dataclass(frozen=True)
class Activity:
    """What members did about one framework lately."""

    votes: int = 0
    follows: int = 0
    stacks: int = 0

    @property
    def total(self):
        return self.votes + self.follows + self.stacks


def recent_activity(days=TRENDING_DAYS, now=None):
    """``{framework id: Activity}`` of the last ``days`` days: members' votes
    on its approved pros and cons, new follows and new stack entries (three
    grouped queries). Declares the tags of any vote and any follow."""
    depends_on(catalogue_tags.VOTES, catalogue_tags.FOLLOWS)
    since = (now or timezone.now()) - timedelta(days=days)

    def grouped(rows, field):
        recent = rows.filter(created__gte=since).order_by()
        return dict(recent.values_list(field).annotate(Count("pk")))

    votes = grouped(Vote.objects.filter(procon__status=ProCon.Status.APPROVED), "procon__framework")
    follows = grouped(Follow.objects.all(), "framework")
    stacks = grouped(StackEntry.objects.all(), "framework")
    return {
        pk: Activity(votes.get(pk, 0), follows.get(pk, 0), stacks.get(pk, 0))
        for pk in {*votes, *follows, *stacks}
    }


def trending_frameworks(activity, limit=TRENDING_LENGTH):
    """``[(Framework, Activity or None)]``: the published frameworks with the
    most recent activity, then, when fewer were active, the most voted of
    all time (``None``: shown for their ``votes``). Two queries; no
    framework twice."""
    ranked = sorted(activity, key=lambda pk: (-activity[pk].total, pk))[: limit * 4]
    published = Framework.objects.published().only("pk", "name", "slug", "language")
    found = published.in_bulk(ranked)
    chosen = [(found[pk], activity[pk]) for pk in ranked if pk in found][:limit]
    if len(chosen) < limit:
        voted = published.exclude(pk__in=[f.pk for f, _ in chosen]).only(
            "pk", "name", "slug", "language", "votes_count"
        )
        chosen += [(f, None) for f in voted.order_by("-votes_count", "name")[: limit - len(chosen)]]
    return chosen

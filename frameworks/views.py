"""The catalogue's own endpoints: votes, decisions and their view beacon,
a pro/con's votes per week, and badges. Pages that compose several apps
(a framework's page, the catalogue) are in ``pages``."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import CreateView, View

from core import ratelimit
from core.cache import depends_on
from core.http import etag_of, safe_next, too_many, wants_json
from core.models import SLUG_PATTERN

from . import badges, moderation, search, selectors, services
from . import cache as tags
from .forms import DecisionForm
from .models import Decision, Framework, ProCon

SLUG_RE = re.compile(SLUG_PATTERN)


#: How long browsers and image proxies (GitHub's camo) may keep a badge.
BADGE_MAX_AGE = 60 * 60


@require_safe
def badge(request, slug):
    """``/frameworks/<slug>/badge.svg``: stars and votes for a README.

    Not in the page cache, whose stored pages must revalidate
    (``no-cache``): a badge is one indexed query, and the copies that matter
    are the ones proxies keep for an hour (``public, max-age``), revalidated
    by ETag."""
    figures = (
        Framework.objects.published()
        .filter(slug=slug)
        .values("name", "github_stars", "votes_count")
        .first()
    )
    if figures is None:
        raise Http404(f'We have no published framework called "{slug[:60]}".')
    svg = badges.badge_svg(
        figures["name"], figures["github_stars"], figures["votes_count"]
    ).encode()
    etag = etag_of(svg)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={BADGE_MAX_AGE}"
    return response


# --- Members: votes, suggestions, decisions ---------------------------


@require_POST
def vote(request, pk):
    """Toggle the member's vote: JSON for fetch, a redirect back without JS."""
    fallback = reverse("home")
    if not request.user.is_authenticated:
        login_url = f"{reverse('login')}?{urlencode({'next': safe_next(request, fallback)})}"
        if wants_json(request):
            return JsonResponse({"error": "Log in to vote.", "login_url": login_url}, status=401)
        return HttpResponseRedirect(login_url)
    retry_after = ratelimit.hit("vote", request.user.pk, settings.VOTE_RATE)
    if retry_after:
        return too_many(request, retry_after, "You are voting very fast. Wait a moment.")
    try:
        result = services.toggle_vote(user=request.user, procon_id=pk)
    except services.VoteNotAllowed:
        raise Http404("This pro/con does not exist or is not published.") from None
    except services.VotingBlocked:
        return _voting_blocked(request, fallback)
    # Where votes come from, for the curators' vote report (kept out of
    # toggle_vote, which stays about the vote and its counter).
    moderation.record_vote_origin(request.user, ratelimit.client_ip(request))
    if wants_json(request):
        # Every figure the vote changed, for vote.js to replace on the page.
        figures = selectors.figures_after_vote(pk)
        return JsonResponse({"votes": result.votes, "voted": result.voted, "figures": figures})
    return HttpResponseRedirect(safe_next(request, fallback))


VOTING_BLOCKED = (
    "A curator discounted this account's votes after unusual voting, "
    "so it cannot vote for now. Ask the site's curators if you think this is a mistake."
)


def _voting_blocked(request, fallback):
    if wants_json(request):
        return JsonResponse({"error": VOTING_BLOCKED}, status=403)
    messages.error(request, VOTING_BLOCKED)
    return HttpResponseRedirect(safe_next(request, fallback))


class DecisionCreateView(LoginRequiredMixin, CreateView):
    form_class = DecisionForm
    template_name = "frameworks/decision_form.html"

    def get_initial(self):
        """``?framework=django&framework=flask`` fills the first boxes."""
        slugs = [s for s in self.request.GET.getlist("framework")[:4] if SLUG_RE.match(s)]
        published = Framework.objects.published().filter(slug__in=slugs)
        names = dict(published.values_list("slug", "name"))
        found = [names[s] for s in dict.fromkeys(slugs) if s in names]
        return dict(zip(DecisionForm.name_fields, found, strict=False))

    def form_valid(self, form):
        retry_after = ratelimit.hit("decision", self.request.user.pk, settings.DECISION_RATE)
        if retry_after:
            return too_many(
                self.request, retry_after, "You have posted a lot in a short time. Try again later."
            )
        form.instance.author = self.request.user
        if services.decision_needs_review(self.request.user):
            form.instance.status = Decision.Status.PENDING
        response = super().form_valid(form)
        # A held post's page says so itself, for as long as it is held: one
        # notice there, not a second one in a message.
        if form.instance.status != Decision.Status.PENDING:
            messages.success(self.request, "Your decision is posted.")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


SEEN_COOKIE = "seen_decisions"
#: A transparent 1x1 GIF: the beacon's answer.
BEACON = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00"
    b"\x02\x02D\x01\x00;"
)


@require_safe
def decision_seen(request, pk):
    """``/decisions/<pk>/seen/``: the image the decision page loads, which
    counts the view (``services.count_decision_view``).

    Once per client address and window, whatever cookie the client shows
    (a cookie can be replayed); a signed cookie listing the decisions seen
    spares the count for a reader who keeps it, and gives anonymous readers
    no session row. Not counted: bots (by User-Agent), held posts
    and requests from other sites' pages (``Sec-Fetch-Site``), which could
    otherwise count their own readers here. The answer is never cached."""
    decision = get_object_or_404(Decision.objects.published().only("pk"), pk=pk)
    response = HttpResponse(BEACON, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return response
    if request.method != "GET" or services.is_bot(request.headers.get("User-Agent")):
        return response
    seen = _seen_decisions(request)
    if decision.pk in seen:
        return response
    services.count_decision_view(decision.pk, client_address=ratelimit.client_ip(request))
    response.set_signed_cookie(
        SEEN_COOKIE,
        ",".join(str(pk) for pk in [*seen, decision.pk][-100:]),
        salt=SEEN_COOKIE,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )
    return response


def _seen_decisions(request):
    raw = request.get_signed_cookie(SEEN_COOKIE, default="", salt=SEEN_COOKIE)
    return [int(pk) for pk in raw.split(",") if pk.isdigit()]


@require_safe
def framework_names(request):
    """``/frameworks/names.json?q=dj``: up to ten published frameworks for
    what a reader is typing in a framework box (static/js/picker.js), as
    ``{"frameworks": [{"name", "slug"}]}``. Names and slugs only, the same
    for everyone: kept in the page cache under its ``q``, and the script
    asks without cookies so members read the same entry."""
    depends_on(tags.FRAMEWORKS)
    found = search.frameworks_matching(request.GET.get("q", ""))
    return JsonResponse({"frameworks": [{"name": f.name, "slug": f.slug} for f in found]})


class ProConVotesView(View):
    """``/procons/<pk>/votes/``: how one pro/con's count is made, with its
    member votes per week. Its figures are printed as they are (not live),
    so it records the framework's votes tag and a vote re-renders it."""

    def get(self, request, pk):
        item = get_object_or_404(
            ProCon.objects.approved().select_related("framework"),
            pk=pk,
            framework__is_published=True,
        )
        depends_on(tags.framework(item.framework_id), tags.votes(item.framework_id))
        weeks = selectors.weekly_member_votes([item.pk])[item.pk]
        return render(request, "frameworks/procon_votes.html", {"item": item, "weeks": weeks})

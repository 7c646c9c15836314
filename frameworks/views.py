import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError, transaction
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import CreateView, DetailView, TemplateView, View
from django_filters.views import FilterView

from comparison import changes
from comparison.cache import COMPARISONS, CRITERIA, changes_tags
from comparison.selectors import framework_assessments, related_comparisons
from comparison.services import visit_watched_page
from comparison.views import since_param, watch_response
from core import ratelimit, snippets, structured_data
from core.cache import depends_on, etag_of
from core.http import safe_next, too_many, wants_json
from core.models import SLUG_PATTERN

from . import badges, moderation, selectors, services
from . import cache as tags
from .filters import FrameworkFilter
from .forms import DecisionForm, SuggestionForm
from .models import Category, Decision, Framework, ProCon

SLUG_RE = re.compile(SLUG_PATTERN)


class FrameworkListView(FilterView):
    """The catalogue: filters, sort and page all live in the query string."""

    filterset_class = FrameworkFilter
    template_name = "frameworks/framework_list.html"
    paginate_by = 24
    strict = False

    def get_queryset(self):
        depends_on(tags.CATALOGUE, tags.FRAMEWORKS, tags.CATEGORIES)
        by_votes = "votes" in self.request.GET.get("sort", "")
        if by_votes:
            depends_on(tags.COUNTS)  # the order, not only the cards' counts
        return selectors.catalogue(votes=by_votes).order_by("name")

    def paginate_queryset(self, queryset, page_size):
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404:
            raise Http404("That page of the catalogue does not exist.") from None


FRAMEWORK_TEMPLATE = "frameworks/framework_detail.html"


def render_framework_page(request, slug, *, suggestion_form=None, status=200):
    """The framework page; the suggestion view re-renders it with its form."""
    page = selectors.framework_page(slug)
    if page is None:
        raise Http404(f'We have no published framework called "{slug[:60]}".')
    framework = page.framework
    # Assessments are part of framework:<pk>; their criteria's names are CRITERIA.
    depends_on(COMPARISONS, CRITERIA, *tags.framework_page_tags(page))
    if suggestion_form is None and request.user.is_authenticated:
        suggestion_form = SuggestionForm(framework=framework)
    context = {
        "page": page,
        "framework": framework,
        "structured_data": structured_data.framework_page(request, page),
        "comparisons": related_comparisons([framework.pk]),
        "assessments": framework_assessments(framework),
        "pending": selectors.pending_suggestions(request.user, framework),
        "suggestion_form": suggestion_form,
        "badge_snippets": badge_snippets(request, framework),
        "watch": visit_watched_page(
            request.user, changes.Scope.of_framework(framework), framework=framework
        ),
        "changes_url": reverse("frameworks:changes", args=[framework.slug]),
        "feed_url": reverse("frameworks:feed", args=[framework.slug]),
        "watch_url": reverse("frameworks:watch", args=[framework.slug]),
    }
    return render(request, FRAMEWORK_TEMPLATE, context, status=status)


def badge_snippets(request, framework):
    """(id, label, text) of the snippets that show the framework's badge."""
    badge = request.build_absolute_uri(reverse("frameworks:badge", args=[framework.slug]))
    page = request.build_absolute_uri(framework.get_absolute_url())
    alt = f"{framework.name} on StackCompare"
    return [
        ("badge-markdown", "Markdown", snippets.image_link_markdown(alt, badge, page)),
        ("badge-html", "HTML", snippets.image_link_html(alt, badge, page)),
    ]


class FrameworkChangesView(View):
    """``/frameworks/<slug>/changes/``: the framework's public history (its
    facts, statistics, pros and cons, assessments), newest first."""

    def get(self, request, slug):
        since = since_param(request)
        framework = Framework.objects.published().filter(slug=slug).first()
        if framework is None:
            raise Http404(f'We have no published framework called "{slug[:60]}".')
        depends_on(*changes_tags([framework.pk]))
        scope = changes.Scope.of_framework(framework)
        page_obj, change_list = changes.changes_page(scope, request.GET.get("page"), since)
        return render(
            request,
            "frameworks/framework_changes.html",
            {
                "framework": framework,
                "feed_url": reverse("frameworks:feed", args=[slug]),
                "changes": change_list,
                "page_obj": page_obj,
                "since": since,
            },
        )


@require_POST
def watch(request, slug):
    """Start or stop watching a framework's page (no JavaScript needed)."""
    framework = get_object_or_404(Framework.objects.published(), slug=slug)
    return watch_response(request, framework.get_absolute_url(), framework=framework)


class FrameworkDetailView(View):
    def get(self, request, slug):
        return render_framework_page(request, slug)


class CategoryDetailView(TemplateView):
    template_name = "frameworks/category_detail.html"

    def get_context_data(self, slug, **kwargs):
        category = get_object_or_404(Category, slug=slug)
        paths = selectors.category_paths()
        below = selectors.category_and_below(category, paths)
        frameworks = list(selectors.catalogue().filter(category_id__in=below).order_by("name"))
        depends_on(
            tags.CATEGORIES,
            tags.FRAMEWORKS,
            COMPARISONS,
            *(tags.framework(f.pk) for f in frameworks),
        )
        return super().get_context_data(
            category=category,
            breadcrumb=paths[category.pk],
            children=list(category.children.order_by("name")),
            frameworks=frameworks,
            comparisons=related_comparisons([f.pk for f in frameworks], limit=12),
            **kwargs,
        )


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
        .with_votes()
        .filter(slug=slug)
        .values("name", "github_stars", "votes")
        .first()
    )
    if figures is None:
        raise Http404(f'We have no published framework called "{slug[:60]}".')
    svg = badges.badge_svg(figures["name"], figures["github_stars"], figures["votes"]).encode()
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
        return JsonResponse({"votes": result.votes, "voted": result.voted})
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


@login_required
@require_POST
def suggest(request, slug):
    framework = get_object_or_404(Framework.objects.published(), slug=slug)
    form = SuggestionForm(request.POST, framework=framework)
    if form.is_valid():
        # Counted when a suggestion would be stored, so typos cost nothing.
        retry_after = ratelimit.hit("suggest", request.user.pk, settings.SUGGESTION_RATE)
        if retry_after:
            return too_many(
                request, retry_after, "You have suggested a lot in a short time. Try again later."
            )
        try:
            with transaction.atomic():
                form.save(member=request.user)
        except IntegrityError:
            form.add_error("text", "This pro/con was suggested a moment ago by someone else.")
        else:
            messages.success(request, "Thanks! Your suggestion is waiting for review by a curator.")
            return redirect(framework.get_absolute_url() + "#suggest")
    return render_framework_page(request, slug, suggestion_form=form, status=400)


class DecisionCreateView(LoginRequiredMixin, CreateView):
    form_class = DecisionForm
    template_name = "frameworks/decision_form.html"

    def get_initial(self):
        slugs = [s for s in self.request.GET.getlist("framework")[:4] if SLUG_RE.match(s)]
        return {"frameworks": list(Framework.objects.published().filter(slug__in=slugs))}

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
        if form.instance.status == Decision.Status.PENDING:
            messages.success(
                self.request,
                "Thanks! New members' posts are checked by a curator before they appear "
                "on framework and comparison pages. Until then only you can see it here.",
            )
        else:
            messages.success(self.request, "Your decision is posted.")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


#: Like FRAMEWORK_PAGE_EXTRAS, for the decision page: ``(request, decision)
#: -> dict`` (the members app adds the comments).
DECISION_PAGE_EXTRAS = []


class DecisionDetailView(DetailView):
    """A decision with its comments. Anonymous readers get it from the page
    cache: its view is counted by the page's beacon (``decision_seen``), not
    here, so the HTML is the same for every reader."""

    model = Decision
    template_name = "frameworks/decision_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for extra in DECISION_PAGE_EXTRAS:
            context.update(extra(self.request, self.object))
        return context

    def get_object(self, queryset=None):
        decision = super().get_object(queryset)
        # Names of its author, commenters and frameworks, the published set
        # (the compare link) and the names of the criteria it cites.
        depends_on(tags.decision(decision.pk), tags.MEMBERS, tags.FRAMEWORK_REFS, tags.FRAMEWORKS)
        if decision.criteria.all():
            depends_on(CRITERIA)
        return decision

    def get_queryset(self):
        # A held or rejected post is a 404 for everyone but its author (and curators).
        return (
            Decision.objects.visible_to(self.request.user)
            .for_display()
            .prefetch_related("criteria")
        )


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


class ProConVotesView(View):
    """``/procons/<pk>/votes/``: how one pro/con's count is made, with its
    member votes per week. Its figures are printed as they are (not live),
    so it records the framework's counts tag and a vote re-renders it."""

    def get(self, request, pk):
        item = get_object_or_404(
            ProCon.objects.approved().select_related("framework"),
            pk=pk,
            framework__is_published=True,
        )
        depends_on(tags.framework(item.framework_id), tags.counts(item.framework_id))
        weeks = selectors.weekly_member_votes([item.pk])[item.pk]
        return render(request, "frameworks/procon_votes.html", {"item": item, "weeks": weeks})

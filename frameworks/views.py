import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, TemplateView, View
from django_filters.views import FilterView

from comparison.cache import COMPARISONS
from comparison.selectors import related_comparisons
from core import ratelimit, structured_data
from core.cache import depends_on
from core.http import safe_next, too_many, wants_json
from core.models import SLUG_PATTERN

from . import cache as tags
from . import selectors, services
from .filters import FrameworkFilter
from .forms import DecisionForm, SuggestionForm
from .models import Category, Decision, Framework

SLUG_RE = re.compile(SLUG_PATTERN)


class FrameworkListView(FilterView):
    """The catalogue: filters, sort and page all live in the query string."""

    filterset_class = FrameworkFilter
    template_name = "frameworks/framework_list.html"
    paginate_by = 24
    strict = False

    def get_queryset(self):
        depends_on(tags.CATALOGUE, tags.FRAMEWORKS, tags.CATEGORIES)
        return selectors.catalogue().order_by("name")

    def paginate_queryset(self, queryset, page_size):
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404:
            raise Http404("That page of the catalogue does not exist.") from None


FRAMEWORK_TEMPLATE = "frameworks/framework_detail.html"

#: What other apps add to the framework page: functions ``(request,
#: framework) -> dict`` of extra context, appended in their
#: ``AppConfig.ready()`` (the members app adds follow and stack state), so
#: this app never imports them. Each declares the cache tags of what it adds.
FRAMEWORK_PAGE_EXTRAS = []


def render_framework_page(request, slug, *, suggestion_form=None, status=200):
    """The framework page; the suggestion view re-renders it with its form."""
    page = selectors.framework_page(slug)
    if page is None:
        raise Http404(f'We have no published framework called "{slug[:60]}".')
    framework = page.framework
    depends_on(COMPARISONS, *tags.framework_page_tags(page))
    if suggestion_form is None and request.user.is_authenticated:
        suggestion_form = SuggestionForm(framework=framework)
    context = {
        "page": page,
        "framework": framework,
        "structured_data": structured_data.framework_page(request, page),
        "comparisons": related_comparisons([framework.pk]),
        "voted": selectors.voted_procon_ids(request.user, page.procon_ids),
        "pending": selectors.pending_suggestions(request.user, framework),
        "suggestion_form": suggestion_form,
    }
    for extra in FRAMEWORK_PAGE_EXTRAS:
        context.update(extra(request, framework))
    return render(request, FRAMEWORK_TEMPLATE, context, status=status)


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
        votes, voted = services.toggle_vote(user=request.user, procon_id=pk)
    except services.VoteNotAllowed:
        raise Http404("This pro/con does not exist or is not published.") from None
    if wants_json(request):
        return JsonResponse({"votes": votes, "voted": voted})
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
    model = Decision
    template_name = "frameworks/decision_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for extra in DECISION_PAGE_EXTRAS:
            context.update(extra(self.request, self.object))
        return context

    def get_queryset(self):
        # A held or rejected post is a 404 for everyone but its author (and curators).
        return Decision.objects.visible_to(self.request.user).for_display()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        decision = self.object
        if decision.status != Decision.Status.APPROVED:
            return response  # held posts are read by their author and curators only
        if services.is_bot(request.headers.get("User-Agent")):
            return response
        seen = _seen_decisions(request)
        if decision.pk in seen:
            return response
        # Once per visitor (browser) session, kept in a signed cookie so
        # anonymous readers get no session row. A client showing no such
        # cookie may keep none: it counts once per address instead.
        services.count_decision_view(
            decision.pk, client_address=None if seen else ratelimit.client_ip(request)
        )
        response.set_signed_cookie(
            SEEN_COOKIE,
            ",".join(str(pk) for pk in [*seen, decision.pk][-100:]),
            salt=SEEN_COOKIE,
            httponly=True,
            secure=request.is_secure(),
            samesite="Lax",
        )
        return response


SEEN_COOKIE = "seen_decisions"


def _seen_decisions(request):
    raw = request.get_signed_cookie(SEEN_COOKIE, default="", salt=SEEN_COOKIE)
    return [int(pk) for pk in raw.split(",") if pk.isdigit()]

"""The pages that compose several apps: home, the catalogue, a framework,
a category, a decision and a comparison (with its embeddable card).

Each reads the apps it shows directly, in one place: the catalogue's
frameworks and pros and cons (``frameworks``), their statistics
(``stats``), members' follows, stacks and comments (``members``), criteria
and comparisons (``comparison``) and watching (``history``). Counts that
members change are holes (``holes.py``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, TemplateView, View
from django_filters.views import FilterView

from comparison import addresses, scoring
from comparison.cache import COMPARISONS, CRITERIA
from comparison.forms import CompareForm
from comparison.models import framework_set_key
from comparison.selectors import (
    framework_assessments,
    member_feed,
    related_comparisons,
)
from comparison.views import (
    EXPORT_FORMATS,
    EXPORT_TYPES,
    canonical_slugs,
    compare_not_found,
    comparison_page,
)
from core import pagination, ratelimit, snippets, structured_data
from core.cache import depends_on, derived
from core.http import canonical_query, too_many
from core.links import script_prefix
from frameworks import cache as catalogue_tags
from frameworks import search
from frameworks.filters import FrameworkFilter
from frameworks.forms import SuggestionForm
from frameworks.models import Category, Decision, Framework
from frameworks.selectors import (
    category_and_below,
    category_paths,
    category_tree,
    pending_suggestions,
)
from history import changes
from history.services import visit_watched_page
from members.selectors import TRENDING_DAYS, decision_comments

from . import selectors

#: Frameworks per page of the catalogue and of a category.
PER_PAGE = 24


class FrameworkListView(pagination.CursorPagesMixin, FilterView):
    """The catalogue: filters, sort and cursor all live in the query string.
    A search is ranked, best match first; when its first page holds no
    name like the words typed, it offers close names ("did you mean"),
    unless several words found frameworks: each word then matched a text
    as typed (all are required), and no name is misspelt there."""

    filterset_class = FrameworkFilter
    template_name = "frameworks/framework_list.html"
    paginate_by = per_page = PER_PAGE
    strict = False

    def get_queryset(self):
        depends_on(catalogue_tags.CATALOGUE, catalogue_tags.FRAMEWORKS, catalogue_tags.CATEGORIES)
        by_votes = "votes" in self.request.GET.get("sort", "")
        if by_votes:
            depends_on(catalogue_tags.VOTES)  # the order, not only the cards' counts
        return selectors.catalogue().order_by("name")

    def paginate_queryset(self, queryset, page_size):
        page = self.cursor_page(queryset)
        return None, page, page.object_list, page.has_next or page.has_previous

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["count"] = pagination.count_up_to(self.object_list)
        query = (self.filterset.form.cleaned_data.get("q") or "").strip()
        page = context["page_obj"]
        named = any(query.casefold() in f.name.casefold() for f in page.object_list)
        words_found = len(query.split()) > 1 and page.object_list
        context["did_you_mean"] = (
            [f for f in search.close_names([query])[query] if f.name.casefold() != query.casefold()]
            if query and not page.has_previous and not named and not words_found
            else []
        )
        return context


FRAMEWORK_TEMPLATE = "frameworks/framework_detail.html"


def render_framework_page(request, slug, *, suggestion_form=None, status=200):
    """The framework page; the suggestion view re-renders it with its form."""
    page = selectors.framework_page(slug)
    if page is None:
        raise Http404(f'We have no published framework called "{slug[:60]}".')
    framework = page.framework
    # Assessments are part of framework:<pk>; their criteria's names are CRITERIA.
    depends_on(COMPARISONS, CRITERIA, *catalogue_tags.framework_page_tags(page))
    if suggestion_form is None and request.user.is_authenticated:
        suggestion_form = SuggestionForm(framework=framework)
    context = {
        "page": page,
        "framework": framework,
        "structured_data": structured_data.framework_page(request, page),
        "comparisons": related_comparisons([framework.pk]),
        "assessments": framework_assessments(framework),
        "pending": pending_suggestions(request.user, framework),
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


class FrameworkDetailView(View):
    def get(self, request, slug):
        return render_framework_page(request, slug)


class CategoryDetailView(pagination.CursorPagesMixin, TemplateView):
    """A category and everything below it, a page of frameworks at a time."""

    template_name = "frameworks/category_detail.html"
    per_page = PER_PAGE

    def get_context_data(self, slug, **kwargs):
        category = get_object_or_404(Category, slug=slug)
        paths = category_paths()
        below = category_and_below(category, paths)
        listed = selectors.catalogue().filter(category_id__in=below).order_by("name")
        # Narrowed: the frameworks of a big category, sorted by name, are
        # chosen from an index; only the page's are read whole.
        page = self.cursor_page(listed, narrow=True)
        frameworks = page.object_list
        depends_on(
            catalogue_tags.CATEGORIES,
            catalogue_tags.FRAMEWORKS,
            COMPARISONS,
            *(catalogue_tags.framework(f.pk) for f in frameworks),
        )
        return super().get_context_data(
            category=category,
            breadcrumb=paths[category.pk],
            children=list(category.children.order_by("name")),
            frameworks=frameworks,
            page_obj=page,
            count=pagination.count_up_to(listed),
            comparisons=related_comparisons([f.pk for f in frameworks], limit=12),
            **kwargs,
        )


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


class DecisionDetailView(DetailView):
    """A decision with its comments. Anonymous readers get it from the page
    cache: its view is counted by the page's beacon (``decision_seen``), not
    here, so the HTML is the same for every reader."""

    model = Decision
    template_name = "frameworks/decision_detail.html"

    def get_context_data(self, **kwargs):
        # Its comments and the comment form, from the members app.
        return super().get_context_data(**decision_comments(self.request, self.object), **kwargs)

    def get_object(self, queryset=None):
        decision = super().get_object(queryset)
        # Names of its author, commenters and frameworks, the published set
        # (the compare link) and the names of the criteria it cites.
        depends_on(
            catalogue_tags.decision(decision.pk),
            catalogue_tags.MEMBERS,
            catalogue_tags.FRAMEWORK_REFS,
            catalogue_tags.FRAMEWORKS,
        )
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


class HomeView(TemplateView):
    template_name = "comparison/home.html"

    def get_context_data(self, **kwargs):
        # The trending lists are holes (pages/holes.py): votes and follows move them.
        depends_on(catalogue_tags.CATEGORIES)
        return super().get_context_data(
            categories=category_tree(),
            picker=CompareForm(),
            trending_days=TRENDING_DAYS,
            # Signed-in members only: their pages are never cached.
            feed=(member_feed(self.request.user) if self.request.user.is_authenticated else None),
            **kwargs,
        )


#: ``?details=1``: the table with each cell's source, date and "Suggest an
#: edit" and each count's make-up. A query parameter, not a <details> per row:
#: the plain table stays small (the provenance of every cell is about a third
#: of its HTML), and the variant is a real address, cached as a page of its own.
DETAILS_PARAM = "details"


class ComparisonDetailView(TemplateView):
    template_name = "comparison/comparison_detail.html"

    def get(self, request, slugs):
        only_differences = request.GET.get("only") == "differences"
        details = request.GET.getlist(DETAILS_PARAM)
        if details not in ([], ["1"]):
            # One address per variant (the cache keeps one entry per address).
            query = canonical_query(request, set(request.GET) - {DETAILS_PARAM})
            return HttpResponsePermanentRedirect(request.path + (f"?{query}" if query else ""))
        details = details == ["1"]
        try:
            page = comparison_page(slugs, only_differences)
        except addresses.CompareError as error:
            return compare_not_found(request, error, slugs)
        if isinstance(page, addresses.Redirect):
            query = request.GET.urlencode()
            return HttpResponsePermanentRedirect(page.url + (f"?{query}" if query else ""))
        weighting = scoring.weigh(page, request.GET.lists())
        if weighting.rejected:
            # Weights of no criterion here, or no weight: the address
            # without them (the cache keeps one entry per page and weights).
            query = canonical_query(request, set(request.GET) - set(weighting.rejected))
            return HttpResponsePermanentRedirect(request.path + (f"?{query}" if query else ""))
        ids = [f.pk for f in page.frameworks]
        # What the absolute addresses of the structured data and snippets start with.
        site = (request.scheme, request.get_host(), script_prefix())
        context = self.get_context_data(
            page=page,
            structured_data=derived(
                page,
                ("structured data", site),
                lambda: structured_data.comparison_page(request, page),
            ),
            only_differences=only_differences,
            details=details,
            site=site,
            weighting=weighting,
            embed_snippets=derived(
                page, ("embed snippets", site), lambda: embed_snippets(request, page)
            ),
            watch=visit_watched_page(
                request.user,
                changes.Scope.of_frameworks(ids, page.comparison),
                framework_key=framework_set_key(ids),
            ),
            changes_url=reverse("comparison:changes", args=[page.frameworks_address]),
            feed_url=reverse("comparison:feed", args=[page.frameworks_address]),
            watch_url=reverse("comparison:watch", args=[page.frameworks_address]),
        )
        response = self.render_to_response(context)
        # The exports of this very table, for clients that read headers.
        response["Link"] = ", ".join(
            f'<{reverse("comparison:export", args=[slugs, fmt])}>; rel="alternate"; '
            f'type="{EXPORT_TYPES[fmt]}"'
            for fmt in EXPORT_FORMATS
        )
        return response


def embed_snippets(request, page):
    """(id, label, text) of the snippets that embed this comparison's card."""
    card = request.build_absolute_uri(reverse("comparison:embed", args=[page.address]))
    title = f"{page.title} on StackCompare"
    return [
        ("embed-html", "HTML", snippets.iframe_html(card, title)),
        (
            "embed-markdown",
            "Markdown (a link: Markdown cannot embed a frame)",
            snippets.link_markdown(title, request.build_absolute_uri(page.canonical_url)),
        ),
    ]


class ComparisonEmbedView(TemplateView):
    """``/compare/<slugs>/embed/``: a compact card for other sites' iframes
    (statistics and the top pros, linking back). Framable: see urls.py."""

    template_name = "comparison/comparison_embed.html"

    def get(self, request, slugs):
        try:
            page = comparison_page(slugs, only_differences=False)
        except addresses.CompareError as error:
            return compare_not_found(request, error, slugs)
        if isinstance(page, addresses.Redirect):
            slugs = canonical_slugs(page)
            target = reverse("comparison:embed", args=[slugs]) if slugs else page.url
            return HttpResponsePermanentRedirect(target)
        return self.render_to_response(
            self.get_context_data(page=page, page_url=page.canonical_url)
        )


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /procons/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

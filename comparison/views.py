from dataclasses import dataclass

import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import BadRequest
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse, reverse_lazy
from django.utils.html import linebreaks
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView, View

from core import ratelimit, snippets, structured_data
from core.cache import cached, depends_on, derived
from core.http import safe_next, too_many, wants_json
from core.links import script_prefix
from frameworks import cache as catalogue_tags
from frameworks import services
from frameworks.models import COMPARE_SEPARATOR, Framework
from frameworks.selectors import category_tree

from . import addresses, changes, exports, scoring, selectors, suggestions
from .cache import COMPARISONS, changes_tags, comparison_page_tags
from .forms import PICKER_FIELDS, CompareForm, EditSuggestionForm
from .models import (
    SUGGESTIBLE_STATISTICS,
    Assessment,
    Criterion,
    EditSuggestion,
    compare_path,
    framework_set_key,
)
from .services import visit_watched_page


def picker_frameworks():
    return list(Framework.objects.published().only("slug", "name").order_by("name"))


class HomeView(TemplateView):
    template_name = "comparison/home.html"

    def get_context_data(self, **kwargs):
        # The popular ranking is a hole (comparison/holes.py).
        depends_on(COMPARISONS, catalogue_tags.FRAMEWORKS, catalogue_tags.CATEGORIES)
        return super().get_context_data(
            recent=selectors.recent_comparisons(),
            categories=category_tree(),
            picker=CompareForm(frameworks=picker_frameworks()),
            # Signed-in members only: their pages are never cached.
            feed=(
                selectors.member_feed(self.request.user)
                if self.request.user.is_authenticated
                else None
            ),
            **kwargs,
        )


class CompareIndexView(TemplateView):
    """All curated comparisons and the picker; the picker lands here too."""

    template_name = "comparison/comparison_list.html"

    def get(self, request, *args, **kwargs):
        depends_on(COMPARISONS, catalogue_tags.FRAMEWORKS)
        frameworks = picker_frameworks()
        if any(request.GET.get(name) for name in PICKER_FIELDS):
            form = CompareForm(request.GET, frameworks=frameworks)
            if form.is_valid():
                slugs = COMPARE_SEPARATOR.join(form.cleaned_data["chosen"])
                return redirect("comparison:detail", slugs=slugs)
            status = 400
        else:
            form = CompareForm(frameworks=frameworks)
            status = 200
        context = self.get_context_data(picker=form, comparisons=selectors.all_comparisons())
        return self.render_to_response(context, status=status)


def comparison_page(slugs, only_differences):
    """The ComparisonPage (or Redirect) of a compare address, from the data
    cache. Raises CompareError. It holds no counts members change: pages
    print those in holes, exports read them apart (``comparison_counts``)."""
    return cached(
        f"comparison:{slugs}:{only_differences}",
        lambda: selectors.comparison_page(slugs, only_differences=only_differences),
        comparison_page_tags,
    )


def compare_not_found(request, error, slugs):
    return render(
        request,
        "comparison/not_found.html",
        {"error": error, "requested": slugs[:120]},
        status=404,
    )


def canonical_slugs(redirect_to):
    """The slugs of the compare address a Redirect points to (None when it
    points elsewhere)."""
    return resolve(redirect_to.url).kwargs.get("slugs")


class ComparisonDetailView(TemplateView):
    template_name = "comparison/comparison_detail.html"

    def get(self, request, slugs):
        only_differences = request.GET.get("only") == "differences"
        try:
            page = comparison_page(slugs, only_differences)
        except addresses.CompareError as error:
            return compare_not_found(request, error, slugs)
        if isinstance(page, addresses.Redirect):
            query = request.GET.urlencode()
            return HttpResponsePermanentRedirect(page.url + (f"?{query}" if query else ""))
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
            site=site,
            weighting=scoring.weigh(page, request.GET.lists()),
            embed_snippets=derived(
                page, ("embed snippets", site), lambda: embed_snippets(request, page)
            ),
            watch=visit_watched_page(
                request.user,
                changes.Scope.of_frameworks(ids, page.comparison),
                framework_key=framework_set_key(ids),
            ),
            changes_url=reverse("comparison:changes", args=[page.address]),
            feed_url=reverse("comparison:feed", args=[page.address]),
            watch_url=reverse("comparison:watch", args=[page.address]),
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


#: The formats a comparison exports to, in the order the page offers them.
EXPORT_FORMATS = ("json", "csv")
EXPORT_TYPES = {"json": "application/json", "csv": "text/csv"}


class ComparisonExportView(View):
    """``/compare/<slugs>.json`` and ``.csv``: exactly the table the page shows.

    A suffix rather than ``?format=``: each representation has its own URL
    (its own page-cache entry, a file name a download keeps, a link a
    spreadsheet's "import from web" accepts), and the HTML page's query
    string stays its own."""

    def get(self, request, slugs, fmt):
        if fmt not in EXPORT_FORMATS:
            raise Http404(f'There is no "{fmt[:20]}" export; try .json or .csv.')
        only_differences = request.GET.get("only") == "differences"
        try:
            page = comparison_page(slugs, only_differences)
        except addresses.CompareError as error:
            return compare_not_found(request, error, slugs)
        if isinstance(page, addresses.Redirect):
            query = request.GET.urlencode()
            slugs = canonical_slugs(page)
            target = reverse("comparison:export", args=[slugs, fmt]) if slugs else page.url
            return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
        if fmt == "json":
            document = exports.comparison_document(request, page, only_differences=only_differences)
            response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
        else:
            # With a byte order mark: Excel reads a CSV without one in the
            # machine's legacy code page (so "–" and "é" turn into mojibake);
            # LibreOffice, Numbers and Google Sheets skip it.
            content = "\ufeff" + exports.comparison_csv(
                request, page, only_differences=only_differences
            )
            response = HttpResponse(content.encode(), content_type="text/csv; charset=utf-8")
            name = canonical_slugs_of(page) + ("-differences" if only_differences else "")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["Access-Control-Allow-Origin"] = "*"
        return response


def canonical_slugs_of(page):
    return COMPARE_SEPARATOR.join(f.slug for f in page.frameworks)


class ComparisonFeed(Feed):
    title = "New framework comparisons"
    link = reverse_lazy("comparison:index")
    description = "Curated side-by-side comparisons of web frameworks."

    def items(self):
        return selectors.recent_comparisons(limit=30)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return feed_html(item.intro or item.summary)

    def item_pubdate(self, item):
        return item.created

    def item_updateddate(self, item):
        return item.updated


def feed_html(text):
    """Curated plain text as the safe HTML a feed reader renders: any tag
    dropped (with the content of script and style), everything else
    escaped, paragraphs as on the page (``linebreaks``)."""
    return linebreaks(nh3.clean(text or "", tags=set()), autoescape=False)


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /procons/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# --- History and watching ------------------------------------------------------


@dataclass
class Crumb:
    """A breadcrumb link to a page that is no model (a comparison)."""

    name: str
    url: str

    def get_absolute_url(self):
        return self.url


def since_param(request):
    """The ``since`` query parameter (a member's last visit, from the
    "changes since your last visit" link); a 400 page when malformed."""
    try:
        return changes.parse_since(request.GET.get("since", ""))
    except (ValueError, OverflowError, OSError):
        raise BadRequest("The since parameter is a number of seconds.") from None


def resolve_or_redirect(slugs, route):
    """``(frameworks, curated comparison)`` of a compare address, or a
    redirect response to ``route`` at its canonical address. Raises
    CompareError."""
    resolved = selectors.canonical_set(slugs, curated=selectors.curated_set)
    if isinstance(resolved, addresses.Redirect):
        target = canonical_slugs(resolved)
        url = reverse(route, args=[target]) if target else resolved.url
        return HttpResponsePermanentRedirect(url)
    return resolved


class ComparisonChangesView(View):
    """``/compare/<slugs>/changes/``: what changed on the comparison page.

    The page shows the compared frameworks' columns, so their changes are
    listed; a curated comparison adds its own (title, texts, differences,
    framework set). A generated comparison has only the frameworks'."""

    def get(self, request, slugs):
        since = since_param(request)
        try:
            resolved = resolve_or_redirect(slugs, "comparison:changes")
        except addresses.CompareError as error:
            return compare_not_found(request, error, slugs)
        if isinstance(resolved, HttpResponse):
            return resolved
        frameworks, comparison = resolved
        ids = [f.pk for f in frameworks]
        depends_on(*changes_tags(ids, comparison), catalogue_tags.FRAMEWORKS, COMPARISONS)
        scope = changes.Scope.of_frameworks(ids, comparison)
        page_obj, change_list = changes.changes_page(scope, request.GET.get("page"), since)
        title = comparison.title if comparison else " vs ".join(f.name for f in frameworks)
        return render(
            request,
            "comparison/comparison_changes.html",
            {
                "title": title,
                "crumbs": [Crumb(title, compare_path(frameworks))],
                "page_url": compare_path(frameworks),
                "feed_url": reverse("comparison:feed", args=[slugs]),
                "is_curated": comparison is not None,
                "frameworks": frameworks,
                "changes": change_list,
                "page_obj": page_obj,
                "since": since,
            },
        )


@require_POST
def watch_comparison(request, slugs):
    """Start or stop watching a comparison page (no JavaScript needed)."""
    try:
        resolved = resolve_or_redirect(slugs, "comparison:detail")
    except addresses.CompareError:
        raise Http404("We cannot compare these frameworks.") from None
    if isinstance(resolved, HttpResponse):
        raise Http404("Watch the comparison at its own address.")
    frameworks, _ = resolved
    return watch_response(
        request, compare_path(frameworks), framework_key=framework_set_key(frameworks)
    )


def watch_response(request, page_url, **target):
    """The shared part of the watch toggles: sign-in, rate limit, answer."""
    if not request.user.is_authenticated:
        login_url = f"{reverse('login')}?{urlencode({'next': page_url})}"
        if wants_json(request):
            return JsonResponse({"error": "Log in to watch.", "login_url": login_url}, status=401)
        return HttpResponseRedirect(login_url)
    retry_after = ratelimit.hit("watch", request.user.pk, settings.WATCH_RATE)
    if retry_after:
        return too_many(request, retry_after, "You are toggling watches very fast. Wait a moment.")
    watching = services.toggle_watch(request.user, **target)
    if wants_json(request):
        return JsonResponse({"watching": watching})
    messages.success(
        request,
        "You are watching this page: changes since your visit are marked when you come back."
        if watching
        else "You no longer watch this page.",
    )
    return HttpResponseRedirect(safe_next(request, page_url))


# --- Suggested edits of assessment cells and statistics --------------------

SUGGEST_TEMPLATE = "comparison/suggestion_form.html"


def _suggestion_target(slug, criterion_slug=None, statistic=None):
    """An unsaved EditSuggestion naming its target, and the target's values
    now; 404 for an unpublished framework or an unknown criterion/statistic."""
    framework = get_object_or_404(Framework.objects.published(), slug=slug)
    if criterion_slug is not None:
        criterion = get_object_or_404(Criterion, slug=criterion_slug)
        target = EditSuggestion(
            framework=framework, criterion=criterion, target=EditSuggestion.Target.ASSESSMENT
        )
    else:
        if statistic not in SUGGESTIBLE_STATISTICS:
            raise Http404("Members can suggest stars, forks, stacks and followers only.")
        target = EditSuggestion(
            framework=framework, statistic=statistic, target=EditSuggestion.Target.STATISTIC
        )
    return target, suggestions.current_values(target)


@login_required
def suggest_edit(request, slug, criterion=None, statistic=None):
    """The "Suggest an edit" form of one cell or statistic (GET shows it,
    POST stores the suggestion for review)."""
    target, current = _suggestion_target(slug, criterion, statistic)
    status = 200
    if request.method == "POST":
        form = EditSuggestionForm(request.POST, target=target, current=current)
        if form.is_valid():
            retry_after = ratelimit.hit(
                "edit-suggestion", request.user.pk, settings.EDIT_SUGGESTION_RATE
            )
            if retry_after:
                return too_many(
                    request, retry_after, "You have suggested a lot in a short time. Try later."
                )
            suggestion = form.save(author=request.user)
            messages.success(
                request, "Thanks! A curator will review your suggestion; follow it here."
            )
            return redirect(suggestion.get_absolute_url())
        status = 400
    else:
        form = EditSuggestionForm(target=target, current=current)
    back = target.framework.get_absolute_url() + (
        f"#assessment-{target.criterion.slug}" if target.criterion_id else "#statistics"
    )
    context = {
        "target": target,
        "current": current,
        "form": form,
        "back": back,
        "verdicts": dict(Assessment.Verdict.choices),
    }
    return render(request, SUGGEST_TEMPLATE, context, status=status)


@login_required
def my_suggestions(request):
    """The member's suggested edits with their status and curators' notes."""
    items = list(
        EditSuggestion.objects.filter(author=request.user)
        .select_related("framework", "criterion")
        .order_by("-created")[:100]
    )
    return render(request, "comparison/suggestion_list.html", {"suggestions": items})

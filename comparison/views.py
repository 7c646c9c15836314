"""The comparisons' own pages: the index and picker, a comparison's table
as data (JSON and CSV), the feed of new comparisons, and suggested edits.
The comparison page itself composes several apps: ``pages``."""

import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse, reverse_lazy
from django.utils.html import linebreaks
from django.views.generic import TemplateView, View

from core import pagination, ratelimit
from core.cache import cached, depends_on
from core.feeds import XmlSafeFeed
from core.http import too_many
from frameworks import cache as catalogue_tags
from frameworks.models import Framework

from . import addresses, exports, selectors, suggestions
from .cache import COMPARISONS, comparison_page_tags
from .forms import PICKER_FIELDS, CompareForm, EditSuggestionForm
from .models import SUGGESTIBLE_STATISTICS, Assessment, Criterion, EditSuggestion

#: Curated comparisons per page of the compare index (keyset pages: a
#: catalogue of 20,000 frameworks has hundreds).
PER_PAGE = 48


class CompareIndexView(pagination.CursorPagesMixin, TemplateView):
    """The curated comparisons, a page at a time, and the picker; the
    picker lands here too, and a valid pick goes on to the comparison's
    canonical address."""

    template_name = "comparison/comparison_list.html"
    per_page = PER_PAGE

    def get(self, request, *args, **kwargs):
        depends_on(COMPARISONS, catalogue_tags.FRAMEWORKS)
        if any(request.GET.get(name) for name in PICKER_FIELDS):
            form = CompareForm(request.GET)
            if form.is_valid():
                data = form.cleaned_data
                return redirect(selectors.canonical_path(data["chosen"], data["pins"]))
            status = 400
        else:
            form = CompareForm()
            status = 200
        page, count = selectors.curated_page(request.GET.get("cursor") or None, self.per_page)
        context = self.get_context_data(
            picker=form, comparisons=page.object_list, page_obj=page, count=count
        )
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
            name = page.address + ("-differences" if only_differences else "")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["Access-Control-Allow-Origin"] = "*"
        return response


class ComparisonFeed(XmlSafeFeed):
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

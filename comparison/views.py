import nh3
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import resolve, reverse, reverse_lazy
from django.utils.html import linebreaks
from django.views.generic import TemplateView, View

from core import structured_data
from core.cache import cached, depends_on
from frameworks import cache as catalogue_tags
from frameworks.models import COMPARE_SEPARATOR, Framework
from frameworks.selectors import category_tree, voted_procon_ids
from members.models import Follow

from . import addresses, exports, selectors
from .cache import COMPARISONS, comparison_page_tags
from .forms import PICKER_FIELDS, CompareForm


def picker_frameworks():
    return list(Framework.objects.published().only("slug", "name").order_by("name"))


class HomeView(TemplateView):
    template_name = "comparison/home.html"

    def get_context_data(self, **kwargs):
        popular = selectors.popular_comparisons()
        # The popular ranking sums the votes of these frameworks.
        depends_on(
            COMPARISONS,
            catalogue_tags.FRAMEWORKS,
            catalogue_tags.CATEGORIES,
            *(catalogue_tags.framework(f.pk) for c in popular for f in c.ordered_frameworks()),
        )
        return super().get_context_data(
            popular=popular,
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
    cache: the HTML page, its exports and the API share one entry. Raises
    CompareError."""
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


def followed_ids(user, frameworks):
    if not user.is_authenticated:
        return set()
    return set(
        Follow.objects.filter(user=user, framework__in=frameworks).values_list(
            "framework_id", flat=True
        )
    )


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
        procon_ids = [
            p.pk for groups in page.procons.values() for items in groups.values() for p in items
        ]
        context = self.get_context_data(
            page=page,
            structured_data=structured_data.comparison_page(request, page),
            only_differences=only_differences,
            voted=voted_procon_ids(request.user, procon_ids),
            # The member's own follows (never on a cached anonymous page).
            followed=followed_ids(request.user, page.frameworks),
        )
        response = self.render_to_response(context)
        # The exports of this very table, for clients that read headers.
        response["Link"] = ", ".join(
            f'<{reverse("comparison:export", args=[slugs, fmt])}>; rel="alternate"; '
            f'type="{EXPORT_TYPES[fmt]}"'
            for fmt in EXPORT_FORMATS
        )
        return response


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
            content = "\ufeff" + exports.comparison_csv(request, page)
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

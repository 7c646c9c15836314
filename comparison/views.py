import nh3
from django.contrib.syndication.views import Feed
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.html import linebreaks
from django.views.generic import TemplateView

from core import structured_data
from core.cache import cached, depends_on
from frameworks import cache as catalogue_tags
from frameworks.models import COMPARE_SEPARATOR, Framework
from frameworks.selectors import category_tree, voted_procon_ids

from . import addresses, selectors
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


class ComparisonDetailView(TemplateView):
    template_name = "comparison/comparison_detail.html"

    def get(self, request, slugs):
        only_differences = request.GET.get("only") == "differences"
        try:
            page = cached(
                f"comparison:{slugs}:{only_differences}",
                lambda: selectors.comparison_page(slugs, only_differences=only_differences),
                comparison_page_tags,
            )
        except addresses.CompareError as error:
            return render(
                request,
                "comparison/not_found.html",
                {"error": error, "requested": slugs[:120]},
                status=404,
            )
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
        )
        return self.render_to_response(context)


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

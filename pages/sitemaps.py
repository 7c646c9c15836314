"""The sitemap index and its sections (pages/urls.py). Each section's
latest change and size are read without reading its items: Django's
default reads every item to find the latest (650 ms for the index at
20,000 frameworks) and counts them all on every request.

- Frameworks: the latest change is one ``MAX`` query, which reads the
  last entry of an index (``framework_latest_change``); the count of the published
  is kept in the data cache under ``frameworks`` (the published set).
- Comparisons: both are one aggregate query, kept in the data cache under
  the tags of the visible comparisons (``comparisons``, ``frameworks``).
- Categories: no latest change; their count is kept under ``categories``.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Count, Max

from comparison.cache import COMPARISONS
from comparison.models import Comparison
from core.cache import cached
from frameworks import cache as catalogue_tags
from frameworks.models import Category, Framework


class CountedSitemap(Sitemap):
    """A section whose size is ``count()`` rather than a count of ``items()``."""

    def count(self):
        raise NotImplementedError

    @property
    def paginator(self):
        pages = super().paginator
        pages.count = self.count()  # a cached_property of Paginator: read no more
        return pages


class FrameworkSitemap(CountedSitemap):
    changefreq = "weekly"

    def items(self):
        return Framework.objects.published().order_by("slug")

    def lastmod(self, item):
        return item.updated

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated"))["latest"]

    def count(self):
        return cached(
            "published frameworks: count",
            lambda: self.items().count(),
            lambda _: {catalogue_tags.FRAMEWORKS},
        )


class ComparisonSitemap(CountedSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Comparison.objects.visible().with_frameworks().order_by("slug")

    def lastmod(self, item):
        return item.updated

    def summary(self):
        """``{"n": count, "latest": latest change}``, kept under the tags of
        the visible comparisons (one aggregate query when they moved)."""
        return cached(
            "visible comparisons: count and latest change",
            lambda: self.items().order_by().aggregate(n=Count("pk"), latest=Max("updated")),
            lambda _: {COMPARISONS, catalogue_tags.FRAMEWORKS},
        )

    def get_latest_lastmod(self):
        return self.summary()["latest"]

    def count(self):
        return self.summary()["n"]


class CategorySitemap(CountedSitemap):
    changefreq = "monthly"

    def items(self):
        return Category.objects.order_by("slug")

    def count(self):
        return cached(
            "categories: count",
            lambda: self.items().count(),
            lambda _: {catalogue_tags.CATEGORIES},
        )


sitemaps = {
    "frameworks": FrameworkSitemap,
    "comparisons": ComparisonSitemap,
    "categories": CategorySitemap,
}

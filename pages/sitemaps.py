"""The sitemap index and its sections (pages/urls.py). Each section's
latest change is one ``MAX`` query: Django's default reads every item to
find it (650 ms for the index at 20,000 frameworks)."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from comparison.models import Comparison
from frameworks.models import Category, Framework


class LatestBySQL(Sitemap):
    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated"))["latest"]


class FrameworkSitemap(LatestBySQL):
    changefreq = "weekly"

    def items(self):
        return Framework.objects.published().order_by("slug")

    def lastmod(self, item):
        return item.updated


class ComparisonSitemap(LatestBySQL):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Comparison.objects.visible().with_frameworks().order_by("slug")

    def lastmod(self, item):
        return item.updated


class CategorySitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Category.objects.order_by("slug")


sitemaps = {
    "frameworks": FrameworkSitemap,
    "comparisons": ComparisonSitemap,
    "categories": CategorySitemap,
}

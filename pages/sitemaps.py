from django.contrib.sitemaps import Sitemap

from comparison.models import Comparison
from frameworks.models import Category, Framework


class FrameworkSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Framework.objects.published().order_by("slug")

    def lastmod(self, item):
        return item.updated


class ComparisonSitemap(Sitemap):
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

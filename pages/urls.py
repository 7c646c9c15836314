"""The pages that compose several apps: the site's own (home, robots,
sitemap) and those in the ``frameworks`` and ``comparison`` namespaces
(``config/urls.py``)."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from comparison import scoring
from core.cache import cache_anonymous
from core.middleware import frameable
from frameworks.filters import FrameworkFilter

from . import views
from .sitemaps import sitemaps

urlpatterns = [
    path("", cache_anonymous(views.HomeView.as_view()), name="home"),
    # A sitemap index: one file per section, each paged at 50,000 addresses
    # (?p=2, ...), so a catalogue of any size stays within the protocol.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="sitemap-section",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
]

framework_patterns = [
    path(
        "frameworks/",
        cache_anonymous(
            views.FrameworkListView.as_view(), params=[*FrameworkFilter.base_filters, "cursor"]
        ),
        name="list",
    ),
    path(
        "frameworks/<slug:slug>/",
        cache_anonymous(views.FrameworkDetailView.as_view()),
        name="detail",
    ),
    path("frameworks/<slug:slug>/suggest/", views.suggest, name="suggest"),
    path(
        "categories/<slug:slug>/",
        cache_anonymous(views.CategoryDetailView.as_view(), params=["cursor"]),
        name="category",
    ),
    path(
        "decisions/<id:pk>/",
        cache_anonymous(views.DecisionDetailView.as_view()),
        name="decision",
    ),
]

comparison_patterns = [
    # A compact card for iframes: the only pages other sites may frame.
    re_path(
        r"^(?P<slugs>[^/]+)/embed/$",
        frameable(cache_anonymous(views.ComparisonEmbedView.as_view())),
        name="embed",
    ),
    # Anything up to the next slash: bad names get a helpful 404, not the
    # generic one, so the pattern is deliberately loose.
    re_path(
        r"^(?P<slugs>[^/]+)/$",
        cache_anonymous(
            views.ComparisonDetailView.as_view(),
            params=["only", views.DETAILS_PARAM],
            param_prefixes=[scoring.WEIGHT_PREFIX],  # reader weights: ?w-<criterion>=0..3
        ),
        name="detail",
    ),
]

"""Changes pages, feeds and watch toggles of frameworks and comparisons,
in the ``frameworks`` and ``comparison`` namespaces (``config/urls.py``)."""

from django.urls import path, re_path

from core.cache import cache_anonymous

from . import feeds, views

framework_patterns = [
    path(
        "frameworks/<slug:slug>/changes/",
        cache_anonymous(views.FrameworkChangesView.as_view(), params=["page", "since"]),
        name="changes",
    ),
    path(
        "frameworks/<slug:slug>/feed/",
        cache_anonymous(feeds.FrameworkChangesFeed()),
        name="feed",
    ),
    path("frameworks/<slug:slug>/watch/", views.watch, name="watch"),
]

comparison_patterns = [
    re_path(
        r"^(?P<slugs>[^/]+)/changes/$",
        cache_anonymous(views.ComparisonChangesView.as_view(), params=["page", "since"]),
        name="changes",
    ),
    re_path(r"^(?P<slugs>[^/]+)/feed/$", cache_anonymous(feeds.comparison_feed), name="feed"),
    re_path(r"^(?P<slugs>[^/]+)/watch/$", views.watch_comparison, name="watch"),
]

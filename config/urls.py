"""Root URLs. The comparisons app's own routes live in ``compare_patterns``
under the ``comparison`` namespace (comparison:index, comparison:detail)."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from comparison import feeds, scoring, views
from comparison.forms import PICKER_FIELDS
from comparison.sitemaps import sitemaps
from core.cache import cache_anonymous
from core.middleware import frameable
from members.urls import account_patterns

compare_patterns = [
    path(
        "",
        cache_anonymous(views.CompareIndexView.as_view(), params=PICKER_FIELDS),
        name="index",
    ),
    # The table as data: /compare/django-vs-flask.json or .csv (an unknown
    # suffix is a 404 page; slugs never hold a dot).
    re_path(
        r"^(?P<slugs>[^/.]+)\.(?P<fmt>[^/.]+)$",
        cache_anonymous(views.ComparisonExportView.as_view(), params=["only"]),
        name="export",
    ),
    # A compact card for iframes: the only pages other sites may frame.
    re_path(
        r"^(?P<slugs>[^/]+)/embed/$",
        frameable(cache_anonymous(views.ComparisonEmbedView.as_view())),
        name="embed",
    ),
    re_path(
        r"^(?P<slugs>[^/]+)/changes/$",
        cache_anonymous(views.ComparisonChangesView.as_view(), params=["page", "since"]),
        name="changes",
    ),
    re_path(r"^(?P<slugs>[^/]+)/feed/$", cache_anonymous(feeds.comparison_feed), name="feed"),
    re_path(r"^(?P<slugs>[^/]+)/watch/$", views.watch_comparison, name="watch"),
    # Anything up to the next slash: bad names get a helpful 404, not the
    # generic one, so the pattern is deliberately loose.
    re_path(
        r"^(?P<slugs>[^/]+)/$",
        cache_anonymous(
            views.ComparisonDetailView.as_view(),
            params=["only"],
            param_prefixes=[scoring.WEIGHT_PREFIX],  # reader weights: ?w-<criterion>=0..3
        ),
        name="detail",
    ),
]

#: "Suggest an edit" of one assessment cell or one statistic, and the
#: member's own suggestions (never cached: members only).
suggestion_patterns = [
    path(
        "frameworks/<slug:slug>/criteria/<slug:criterion>/suggest/",
        views.suggest_edit,
        name="assessment",
    ),
    path(
        "frameworks/<slug:slug>/statistics/<str:statistic>/suggest/",
        views.suggest_edit,
        name="statistic",
    ),
    path("suggestions/mine/", views.my_suggestions, name="mine"),
]

urlpatterns = [
    path("", cache_anonymous(views.HomeView.as_view()), name="home"),
    path("compare/", include((compare_patterns, "comparison"))),
    path("", include("frameworks.urls")),
    path("", include((suggestion_patterns, "suggestions"))),
    path("api/", include("api.urls")),
    path("feeds/comparisons/", views.ComparisonFeed(), name="feed"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("accounts/", include(account_patterns)),
    path("members/", include("members.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Uploaded logos on `make run`; in production the web server serves MEDIA_ROOT.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The site's error pages, from handlers that never read the request body again.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

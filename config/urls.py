"""Root URLs: each namespace composed, in one place, from the apps that
serve it (docs/architecture.md): ``frameworks`` from the catalogue, its
pages and its history; ``comparison`` likewise."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

import comparison.urls
import frameworks.urls
import history.urls
import pages.urls
from comparison.views import ComparisonFeed
from config.env import S3_MEDIA_BACKEND
from core import media
from members.urls import account_patterns

framework_patterns = [
    *frameworks.urls.urlpatterns,
    *history.urls.framework_patterns,
    *pages.urls.framework_patterns,
]
comparison_patterns = [
    *comparison.urls.urlpatterns,
    *history.urls.comparison_patterns,
    *pages.urls.comparison_patterns,  # last: its address pattern is the loosest
]

urlpatterns = [
    *pages.urls.urlpatterns,
    path("compare/", include((comparison_patterns, "comparison"))),
    path("", include((framework_patterns, "frameworks"))),
    path("", include((comparison.urls.suggestion_patterns, "suggestions"))),
    path("api/", include("api.urls")),
    path("", include("assistants.urls")),
    path("feeds/comparisons/", ComparisonFeed(), name="feed"),
    path("accounts/", include(account_patterns)),
    path("members/", include("members.urls")),
    path("admin/", admin.site.urls),
]

if settings.STORAGES["default"]["BACKEND"] != S3_MEDIA_BACKEND:
    # Logos in local storage, with their type, a sandbox and a year's cache
    # (a web server in front may serve MEDIA_ROOT itself: docs/operations.md).
    # A bucket serves its own.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media")
    )

# The site's error pages, from handlers that never read the request body again.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

from django.urls import path, re_path

from . import views
from .http import PAGE_PARAMS, api_view

app_name = "api"

urlpatterns = [
    path("", views.schema, name="schema"),
    path("v1/", api_view(views.root, cache=False), name="root"),
    path(
        "v1/frameworks/",
        api_view(views.framework_list, params=views.FRAMEWORK_LIST_PARAMS),
        name="frameworks",
    ),
    path("v1/frameworks/<slug:slug>/", api_view(views.framework_detail), name="framework"),
    path("v1/criteria/", api_view(views.criterion_list, params=PAGE_PARAMS), name="criteria"),
    path(
        "v1/comparisons/", api_view(views.comparison_list, params=PAGE_PARAMS), name="comparisons"
    ),
    # Any 2 to 4 frameworks, as on /compare/: bad names get a JSON 404.
    re_path(
        r"^v1/comparisons/(?P<slugs>[^/]+)/$",
        api_view(views.comparison_detail, params=["only"]),
        name="comparison",
    ),
]

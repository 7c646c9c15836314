"""The comparisons' own routes (``comparison`` namespace, composed in
``config/urls.py`` with the comparison page and its history), and the
suggested edits (``suggestions``)."""

from django.urls import path, re_path

from core.cache import cache_anonymous

from . import views
from .forms import PICKER_FIELDS, VERSION_FIELDS

urlpatterns = [
    path(
        "",
        cache_anonymous(
            views.CompareIndexView.as_view(), params=[*PICKER_FIELDS, *VERSION_FIELDS, "cursor"]
        ),
        name="index",
    ),
    # The table as data: /compare/django-vs-flask.json or .csv, pinned ones
    # too (/compare/django-5.2-vs-flask.json). An unknown suffix is a 404
    # page; a suffix holds no digit, so "-3.1" (no slash yet) is no suffix.
    re_path(
        r"^(?P<slugs>[^/]+)\.(?P<fmt>[^/.0-9]+)$",
        cache_anonymous(views.ComparisonExportView.as_view(), params=["only"]),
        name="export",
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

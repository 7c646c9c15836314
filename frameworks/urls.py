from django.urls import path

from comparison.feeds import FrameworkChangesFeed
from core.cache import cache_anonymous

from . import views
from .filters import FrameworkFilter

app_name = "frameworks"

urlpatterns = [
    path(
        "frameworks/",
        cache_anonymous(
            views.FrameworkListView.as_view(), params=[*FrameworkFilter.base_filters, "page"]
        ),
        name="list",
    ),
    path(
        "frameworks/<slug:slug>/",
        cache_anonymous(views.FrameworkDetailView.as_view()),
        name="detail",
    ),
    path("frameworks/<slug:slug>/badge.svg", views.badge, name="badge"),
    path(
        "frameworks/<slug:slug>/changes/",
        cache_anonymous(views.FrameworkChangesView.as_view(), params=["page", "since"]),
        name="changes",
    ),
    path("frameworks/<slug:slug>/feed/", cache_anonymous(FrameworkChangesFeed()), name="feed"),
    path("frameworks/<slug:slug>/watch/", views.watch, name="watch"),
    path("frameworks/<slug:slug>/suggest/", views.suggest, name="suggest"),
    path(
        "categories/<slug:slug>/",
        cache_anonymous(views.CategoryDetailView.as_view()),
        name="category",
    ),
    path("procons/<id:pk>/vote/", views.vote, name="vote"),
    path(
        "procons/<id:pk>/votes/",
        cache_anonymous(views.ProConVotesView.as_view()),
        name="procon_votes",
    ),
    path("decisions/new/", views.DecisionCreateView.as_view(), name="decision_create"),
    path(
        "decisions/<id:pk>/",
        cache_anonymous(views.DecisionDetailView.as_view()),
        name="decision",
    ),
    path("decisions/<id:pk>/seen/", views.decision_seen, name="decision_seen"),
]

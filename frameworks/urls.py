"""The catalogue's own routes, in the ``frameworks`` namespace that
``config/urls.py`` composes with the pages and history of frameworks."""

from django.urls import path

from core.cache import cache_anonymous

from . import views

urlpatterns = [
    path("frameworks/<slug:slug>/badge.svg", views.badge, name="badge"),
    path(
        "frameworks/names.json",
        cache_anonymous(views.framework_names, params=["q"]),
        name="names",
    ),
    path("procons/<id:pk>/vote/", views.vote, name="vote"),
    path(
        "procons/<id:pk>/votes/",
        cache_anonymous(views.ProConVotesView.as_view()),
        name="procon_votes",
    ),
    path("decisions/new/", views.DecisionCreateView.as_view(), name="decision_create"),
    path("decisions/<id:pk>/seen/", views.decision_seen, name="decision_seen"),
]

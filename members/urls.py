"""The members' pages (``members:...``) and the account pages.

Account pages keep Django's global names (``login``, ``password_reset``...),
which ``django.contrib.auth``'s views reverse without a namespace; the root
URLconf mounts ``account_patterns`` under ``accounts/``.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "members"

account_patterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("delete/", views.DeleteAccountView.as_view(), name="delete_account"),
    # Password reset by email: Django's views, the site's templates.
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("decisions/<id:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<id:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<id:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<id:pk>/report/", views.comment_report, name="comment_report"),
    path("follow/<slug:slug>/", views.follow, name="follow"),
    path("stack/<slug:slug>/", views.stack, name="stack"),
    path("<str:username>/", views.MemberDetailView.as_view(), name="detail"),
]

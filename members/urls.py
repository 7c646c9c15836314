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
]

urlpatterns = []

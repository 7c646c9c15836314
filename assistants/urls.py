from django.urls import path

from core.cache import cache_anonymous

from . import views

app_name = "assistants"

urlpatterns = [
    path("mcp/", views.mcp_endpoint, name="mcp"),
    # Clients are often configured without the slash, and a redirect would
    # turn their POST into a GET.
    path("mcp", views.mcp_endpoint),
    path("llms.txt", cache_anonymous(views.llms_txt), name="llms"),
]

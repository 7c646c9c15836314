from django.apps import AppConfig


class AssistantsConfig(AppConfig):
    """What the site offers coding assistants: the MCP server (/mcp/) and
    /llms.txt. The top layer: it reads the API and the apps below it, and
    nothing imports it. Named for its readers, not "mcp", which would shadow
    the SDK's package."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "assistants"

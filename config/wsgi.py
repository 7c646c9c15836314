"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _compile_templates():
    """Before the first request, not during it (core.jinja2)."""
    from core.jinja2 import compile_templates

    compile_templates()


_compile_templates()

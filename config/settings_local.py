"""Settings for a laptop: the production settings, with DEBUG on unless the
environment says otherwise.

``manage.py`` uses this module, so the README's commands
(``manage.py createsuperuser``, ``load_demo``, ``runserver``) work on a fresh
clone without a SECRET_KEY. The WSGI and ASGI entry points (gunicorn,
``make serve``) use ``config.settings``, which refuses to start with
DEBUG off and no SECRET_KEY. A management command runs in production mode
with ``DEBUG=0`` (and a SECRET_KEY) or
``DJANGO_SETTINGS_MODULE=config.settings``; ``make serve`` sets both.

Mail goes to the console unless EMAIL_URL or EMAIL_HOST names a server.
"""

import os

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: F403

if not (os.environ.get("EMAIL_URL") or os.environ.get("EMAIL_HOST")):
    # Mail (password reset) is printed in the server's output.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

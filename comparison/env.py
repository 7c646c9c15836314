"""Reading configuration from the environment.

Its own module, free of Django, so that ``gunicorn.conf.py`` reads switches
such as ``BEHIND_TLS_PROXY`` exactly as the settings do.
"""

import os


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]

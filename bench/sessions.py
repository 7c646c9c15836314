"""Signed-in members for the load benchmarks (bench/run.py, bench/cluster.py):
sessions made in the session store, as a log-in makes them, without
sending passwords through the site. Django must be set up first."""

from importlib import import_module


def signed_in(prefix, count):
    """``(user, session key, csrf token)`` of ``count`` members named
    ``<prefix>-<n>``, each with a new session."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.middleware.csrf import _get_new_csrf_string

    store = import_module(settings.SESSION_ENGINE).SessionStore
    members = []
    for n in range(count):
        user, _ = get_user_model().objects.get_or_create(username=f"{prefix}-{n}")
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "core.backends.MemberBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        members.append((user, session.session_key, _get_new_csrf_string()))
    return members

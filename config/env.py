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


#: EMAIL_URL schemes: (backend, default port, implicit TLS, STARTTLS).
EMAIL_SCHEMES = {
    "smtp": ("django.core.mail.backends.smtp.EmailBackend", 25, False, False),
    "submission": ("django.core.mail.backends.smtp.EmailBackend", 587, False, True),
    "smtp+tls": ("django.core.mail.backends.smtp.EmailBackend", 587, False, True),
    "smtps": ("django.core.mail.backends.smtp.EmailBackend", 465, True, False),
    "console": ("django.core.mail.backends.console.EmailBackend", None, False, False),
}


def email_settings(url):
    """Django's EMAIL_* settings from one address, for example
    ``smtp://user:pass@mail.example.com:587?tls=1`` (STARTTLS),
    ``smtps://user:pass@host`` (TLS from the start, port 465) or
    ``console://`` (print mail). User and password are percent-decoded, so a
    password may hold ``@`` or ``:`` written as ``%40`` and ``%3A``."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in EMAIL_SCHEMES:
        raise ValueError(
            f"EMAIL_URL: unknown scheme {parts.scheme!r}; use one of {', '.join(EMAIL_SCHEMES)}."
        )
    backend, default_port, use_ssl, use_tls = EMAIL_SCHEMES[scheme]
    result = {"EMAIL_BACKEND": backend}
    if default_port is None:
        return result
    query = {key.lower(): values[-1] for key, values in parse_qs(parts.query).items()}
    truthy = {"1", "true", "yes", "on"}
    if "tls" in query:
        use_tls = query["tls"].lower() in truthy
    if "ssl" in query:
        use_ssl = query["ssl"].lower() in truthy
    if use_tls and use_ssl:
        raise ValueError("EMAIL_URL: choose STARTTLS (tls) or implicit TLS (ssl), not both.")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("EMAIL_URL: the port must be a number from 1 to 65535.") from None
    if not parts.hostname:
        raise ValueError("EMAIL_URL: name the mail server, e.g. smtp://mail.example.com:587.")
    result.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port or default_port,
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_TLS=use_tls,
        EMAIL_USE_SSL=use_ssl,
    )
    if "timeout" in query:
        result["EMAIL_TIMEOUT"] = float(query["timeout"])
    return result


def email_settings_from_environment(environ=None):
    """EMAIL_URL when set; otherwise Django's own EMAIL_* variables (each
    optional: Django's defaults are SMTP on localhost:25)."""
    environ = os.environ if environ is None else environ
    url = environ.get("EMAIL_URL", "").strip()
    if url:
        return email_settings(url)
    result = {}
    for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        if environ.get(name):
            result[name] = environ[name]
    if environ.get("EMAIL_PORT"):
        result["EMAIL_PORT"] = int(environ["EMAIL_PORT"])
    for name in ("EMAIL_USE_TLS", "EMAIL_USE_SSL"):
        if environ.get(name, "").strip():
            result[name] = environ[name].strip().lower() in {"1", "true", "yes", "on"}
    if environ.get("EMAIL_TIMEOUT"):
        result["EMAIL_TIMEOUT"] = float(environ["EMAIL_TIMEOUT"])
    return result

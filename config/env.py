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


#: Media on an S3-compatible store: django-storages' S3 storage, with the
#: headers the site's media need (core/media.py).
S3_MEDIA_BACKEND = "core.media.S3MediaStorage"
#: The options MEDIA_STORAGE_URL may carry in its query, as S3Storage names them.
S3_URL_OPTIONS = ("endpoint_url", "region_name", "custom_domain", "default_acl", "addressing_style")
#: The AWS_* variables django-storages' users know, read when MEDIA_STORAGE_URL is unset.
S3_VARIABLES = {
    "AWS_S3_ENDPOINT_URL": "endpoint_url",
    "AWS_S3_REGION_NAME": "region_name",
    "AWS_S3_CUSTOM_DOMAIN": "custom_domain",
    "AWS_DEFAULT_ACL": "default_acl",
    "AWS_S3_ADDRESSING_STYLE": "addressing_style",
    "AWS_LOCATION": "location",
}
#: S3's rule for bucket names: 3 to 63 lowercase letters, digits, "." and "-".
S3_BUCKET_PATTERN = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"


def media_storage(url):
    """Django's ``STORAGES["default"]`` for ``MEDIA_STORAGE_URL``, such as
    ``s3://logos-bucket/site-a?endpoint_url=http://127.0.0.1:9100&region_name=us-east-1``
    (bucket, optional key prefix, S3Storage options). Credentials come from
    boto3's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY),
    never from the address. A ValueError says what is wrong."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "s3":
        raise ValueError(
            "MEDIA_STORAGE_URL must start with s3:// (any S3-compatible store: "
            "AWS S3, Cloudflare R2, MinIO), e.g. s3://bucket?endpoint_url=https://..."
        )
    if "@" in parts.netloc:
        raise ValueError(
            "MEDIA_STORAGE_URL must not hold credentials: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY instead."
        )
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ValueError(f"MEDIA_STORAGE_URL: cannot read its query {parts.query!r}.") from None
    options = {}
    for key, values in query.items():
        if key not in S3_URL_OPTIONS:
            raise ValueError(
                f"MEDIA_STORAGE_URL: unknown option {key!r}; use {', '.join(S3_URL_OPTIONS)}."
            )
        if len(values) > 1:
            raise ValueError(f"MEDIA_STORAGE_URL: {key} is given twice.")
        options[key] = values[0]
    options["location"] = parts.path.strip("/")
    return s3_media_storage(parts.netloc, options, "MEDIA_STORAGE_URL")


def s3_media_storage(bucket, options, source):
    """``STORAGES["default"]`` for one bucket and S3Storage options, checked."""
    import re
    from urllib.parse import urlsplit

    if not re.fullmatch(S3_BUCKET_PATTERN, bucket):
        raise ValueError(
            f"{source}: {bucket!r} is not a bucket name (3 to 63 lowercase letters, "
            'digits, "." and "-").'
        )
    options = {key: value for key, value in options.items() if value}
    endpoint = options.get("endpoint_url")
    if endpoint is not None:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(
                f"{source}: endpoint_url must be an http:// or https:// address, not {endpoint!r}."
            )
    # Logos are public: plain addresses, the same on every page render (a
    # signed one would change with each render and expire in cached pages).
    return {
        "BACKEND": S3_MEDIA_BACKEND,
        "OPTIONS": {"bucket_name": bucket, "querystring_auth": False, **options},
    }


def media_storage_from_environment(environ=None):
    """MEDIA_STORAGE_URL when set; otherwise AWS_STORAGE_BUCKET_NAME with the
    other AWS_S3_* variables (``S3_VARIABLES``); otherwise local files in
    MEDIA_ROOT."""
    environ = os.environ if environ is None else environ
    url = environ.get("MEDIA_STORAGE_URL", "").strip()
    if url:
        return media_storage(url)
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if bucket:
        options = {option: environ.get(name, "").strip() for name, option in S3_VARIABLES.items()}
        return s3_media_storage(bucket, options, "AWS_STORAGE_BUCKET_NAME")
    return {"BACKEND": "django.core.files.storage.FileSystemStorage"}

"""Uploaded media (framework logos): the types the site stores, and how
they are served.

Media go through Django's storage API only (``default_storage``), so the
same code writes to local files (``MEDIA_ROOT``, the default) or to an
S3-compatible bucket through django-storages (``MEDIA_STORAGE_URL``,
config/env.py). Names are content-hashed (``frameworks/logos.py``), so a
stored file never changes and is served with a year's cache lifetime.

An SVG is never served as active content: on local files ``serve`` adds a
sandboxing Content-Security-Policy; on a bucket, where no such header can
be set, ``S3MediaStorage`` stores it as a download (``Content-Disposition:
attachment``), which an ``<img>`` still shows but a browser opening its
address does not render.
"""

import posixpath

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from storages.backends.s3 import S3Storage

#: The media types the site stores, by file extension: nothing else is served.
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
#: A stored name never changes content: browsers and proxies keep it a year.
IMMUTABLE = "public, max-age=31536000, immutable"
#: No script, no fetch, no form, no plugin, even when an SVG is opened
#: directly; inline styles only, which SVGs use for their colours.
MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def media_type(name):
    """The media type a stored name is served with, or None."""
    return MEDIA_TYPES.get(posixpath.splitext(name)[1].lstrip(".").lower())


class S3MediaStorage(S3Storage):
    """django-storages' S3 storage: every object cached for a year, SVGs
    stored as downloads. (The type, ContentType, is the checked one the
    content carries: frameworks.logos.store_logo.)"""

    def get_object_parameters(self, name):
        params = {"CacheControl": IMMUTABLE, **super().get_object_parameters(name)}
        if media_type(name) == MEDIA_TYPES["svg"]:
            params["ContentDisposition"] = "attachment"
        return params


def serve(request, name):
    """A stored file from local storage (``make run``, a single machine):
    with its own type, a year's cache lifetime and a sandbox. Unknown types,
    missing files and names that leave the media folder are a 404."""
    content_type = media_type(name)
    if content_type is None or "\x00" in name:
        raise Http404("No such file.")
    try:
        with default_storage.open(name) as stored:
            body = stored.read()
    except OSError as error:
        # Missing, or a name the file system refuses. A name leaving the
        # media folder ("../") is Django's SuspiciousFileOperation: a 400.
        raise Http404("No such file.") from error
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = IMMUTABLE
    response["Content-Security-Policy"] = MEDIA_CSP
    return response

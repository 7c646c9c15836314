"""Framework logos: what is accepted, and how it is stored.

One check for every way in (the admin's upload, the catalogue file):
``check_logo`` takes the file's bytes and returns its kind, or raises a
ValidationError that says what is wrong. Accepted:

- PNG, JPEG or WebP, as Pillow reads it (the content, not the name), of at
  most ``Image.MAX_IMAGE_PIXELS`` pixels: a small file declaring a huge
  image (a decompression bomb) is refused;
- an SVG holding no script, no event attribute (``onload=``), no
  ``<foreignObject>`` or HTML, no DOCTYPE or processing instruction, and no
  reference outside itself (``href``, ``xlink:href`` or CSS ``url()`` to
  anything but ``#id``; ``@import``). Such an SVG is refused with the list of
  what was found, not rewritten: a curator re-exports it, and what is
  stored is what they uploaded.

Everything is at most ``MAX_LOGO_BYTES``. A stored logo is named by its
content, ``logos/<first 16 hex digits of its SHA-256>.<kind>``: the same
file uploaded twice is one stored object, and a name never changes content,
so it is served with a year's cache lifetime (core/media.py).
"""

import hashlib
import io
import re
import warnings
import xml.parsers.expat
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import FieldFile
from PIL import Image, UnidentifiedImageError

from core.media import MEDIA_TYPES

MAX_LOGO_BYTES = 512 * 1024
LOGO_FOLDER = "logos"
#: Pillow's formats the site takes, and the extension each is stored under.
RASTER_KINDS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
#: SMIL elements that can set another attribute (an href, an onclick).
ANIMATIONS = {"animate", "set", "animateMotion", "animateTransform"}
#: CSS that reaches outside the file: url() to anything but "#id", @import,
#: image-set() (which takes bare strings), and hex escapes that could spell
#: any of them.
EXTERNAL_CSS = re.compile(
    r"url\(\s*(?!['\"]?\s*#)[^)]*\)|@import|image-set\(|\\[0-9a-f]", re.IGNORECASE
)

NOT_AN_IMAGE = "Upload a PNG, JPEG, WebP or SVG image: this file is none of them."


@dataclass(frozen=True)
class Logo:
    data: bytes
    kind: str  # the extension: png, jpg, webp or svg

    @property
    def content_type(self):
        return MEDIA_TYPES[self.kind]

    @property
    def name(self):
        digest = hashlib.sha256(self.data).hexdigest()[:16]
        return f"{LOGO_FOLDER}/{digest}.{self.kind}"


def check_logo(data):
    """The logo in ``data`` (bytes), or a ValidationError saying why not."""
    _check_size(len(data))
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        _check_svg(data)
        return Logo(data, "svg")
    return Logo(data, _raster_kind(data))


def _check_size(size):
    if size > MAX_LOGO_BYTES:
        raise ValidationError(
            f"A logo may be at most {MAX_LOGO_BYTES // 1024} KB; this file is "
            f"{size / 1024:,.0f} KB.",
            code="too_large",
        )


def _raster_kind(data):
    try:
        with warnings.catch_warnings():
            # Over MAX_IMAGE_PIXELS Pillow warns; twice over it raises.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(RASTER_KINDS)) as image:
                image.verify()
                return RASTER_KINDS[image.format]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"This image declares more than {Image.MAX_IMAGE_PIXELS:,} pixels: too many "
            "for a logo (it may be a decompression bomb).",
            code="bomb",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Not one of the formats, or a damaged file (Pillow's verify raises
        # any of these).
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None


def _check_svg(data):
    problems = _svg_problems(data)
    if problems:
        raise ValidationError(
            "This SVG is refused: it holds %(found)s. Save it without these (or export a "
            "PNG) and upload it again.",
            code="active_svg",
            params={"found": "; ".join(problems)},
        )


class _Stop(Exception):
    """Stops reading an SVG at the first construct that must not be read on."""


def _svg_problems(data):
    """What makes an SVG unsafe to serve, in words; [] for a clean one. Not
    an SVG at all (not XML, or another root element) is a ValidationError."""
    found = {}  # problem -> examples, in the order found

    def note(problem, example):
        examples = found.setdefault(problem, [])
        if example not in examples and len(examples) < 3:
            examples.append(example)

    def refuse(what):
        def handler(*args):
            note(what, "")
            raise _Stop  # before an entity can expand

        return handler

    elements = []
    styles = []
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    # No DTD: it is how entities expand ("billion laughs") or reach outside.
    parser.StartDoctypeDeclHandler = refuse("a DOCTYPE")
    parser.EntityDeclHandler = refuse("an entity declaration")
    parser.ProcessingInstructionHandler = refuse("a processing instruction")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(name, attributes):
        namespace, _, local = name.rpartition(" ")
        elements.append(local)
        if len(elements) == 1 and (namespace, local) != (SVG_NAMESPACE, "svg"):
            raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
        if local == "script":
            note("a <script> element", "")
        elif local == "foreignObject" or namespace == XHTML_NAMESPACE:
            note("embedded HTML", f"<{local}>")
        for key, value in attributes.items():
            attribute = key.rpartition(" ")[2]
            if attribute.lower().startswith("on"):
                note("event attributes", attribute)
            elif (attribute == "href" and not value.strip().startswith("#")) or (
                EXTERNAL_CSS.search(value)
            ):
                note("external references", f'{attribute}="{value[:60]}"')
        target = attributes.get("attributeName", "").rpartition(":")[2].lower()
        if local in ANIMATIONS and (target == "href" or target.startswith("on")):
            note("animations that set links or event attributes", f"<{local}>")

    def text(content):
        if elements and elements[-1] == "style":
            styles.append(content)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: elements.pop()
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _Stop:
        pass
    except xml.parsers.expat.ExpatError:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None
    css = "".join(styles)
    outside = EXTERNAL_CSS.search(css)
    if outside:
        note("external references", css[outside.start() :][:60].strip())
    return [
        f"{problem} ({', '.join(examples)})" if any(examples) else problem
        for problem, examples in found.items()
    ]


def store_logo(logo, storage):
    """Store a checked logo under its content's name, once; returns the name."""
    if storage.exists(logo.name):
        return logo.name
    content = ContentFile(logo.data)
    # The type the storage records (S3's ContentType) is the checked one,
    # never the type the uploading browser claimed.
    content.content_type = logo.content_type
    return storage.save(logo.name, content)


def validate_logo(value):
    """The model field's validator: checks a new upload; a logo already
    stored was checked when it was stored (and is not read again)."""
    if value and not getattr(value, "_committed", True):
        _check_size(value.size)  # before reading a large upload into memory
        value.seek(0)
        check_logo(value.read())


class LogoFieldFile(FieldFile):
    def save(self, name, content, save=True):
        content.seek(0)
        logo = check_logo(content.read(MAX_LOGO_BYTES + 1))  # the validator's check, again
        self.name = store_logo(logo, self.storage)
        setattr(self.instance, self.field.attname, self.name)
        self._committed = True
        if save:
            self.instance.save()


class LogoField(models.FileField):
    """A FileField whose uploads are checked by ``check_logo`` and stored
    under content-hashed names (``store_logo``)."""

    attr_class = LogoFieldFile

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("upload_to", f"{LOGO_FOLDER}/")
        kwargs.setdefault("validators", [validate_logo])
        kwargs.setdefault(
            "help_text",
            f"PNG, JPEG, WebP or SVG (without script or external links), at most "
            f"{MAX_LOGO_BYTES // 1024} KB. Shown at up to 64 px: a square logo looks best.",
        )
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        # The file picker offers images only; the content is what is checked.
        field.widget.attrs.setdefault("accept", ",".join(MEDIA_TYPES.values()))
        return field

"""Logos in the catalogue file: carried in full, checked on import like an
upload, and the round trip stays byte for byte (comparison/catalogue_io.py)."""

import base64
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comparison import catalogue_io
from frameworks.models import Framework
from tests.comparison.test_catalogue_io import empty_database
from tests.images import CLEAN_SVG, bomb, raster, svg

pytestmark = pytest.mark.django_db


def entry(data, digest=None):
    return {
        "name": "logos/anything.png",
        "sha256": digest or hashlib.sha256(data).hexdigest(),
        "data": base64.b64encode(data).decode(),
    }


def with_logo(slug, data):
    framework = Framework.objects.get(slug=slug)
    framework.logo = SimpleUploadedFile("upload.bin", data)
    framework.save()
    return framework


def test_export_carries_the_logo_and_the_round_trip_is_identical(demo, media):
    django = with_logo("django", raster("PNG"))
    with_logo("flask", CLEAN_SVG)
    first = catalogue_io.dumps(catalogue_io.export_catalogue())
    logos = {f["slug"]: f["logo"] for f in json.loads(first)["frameworks"]}

    assert logos["django"] == {
        "name": django.logo.name,
        "sha256": hashlib.sha256(raster("PNG")).hexdigest(),
        "data": base64.b64encode(raster("PNG")).decode(),
    }
    assert logos["pyramid"] is None

    empty_database()
    for name in media.listdir("logos")[1]:
        media.delete(f"logos/{name}")
    catalogue_io.import_catalogue(first)

    assert catalogue_io.dumps(catalogue_io.export_catalogue()) == first
    assert Framework.objects.get(slug="django").logo.name == django.logo.name
    assert len(media.listdir("logos")[1]) == 2


def test_null_removes_a_logo_and_a_file_without_the_key_keeps_it(demo, media):
    with_logo("django", raster("PNG"))
    document = catalogue_io.export_catalogue()
    (django,) = [f for f in document["frameworks"] if f["slug"] == "django"]

    del django["logo"]
    catalogue_io.import_catalogue(catalogue_io.dumps(document))
    kept = Framework.objects.get(slug="django").logo.name
    django["logo"] = None
    catalogue_io.import_catalogue(catalogue_io.dumps(document))

    assert kept.startswith("logos/")
    assert not Framework.objects.get(slug="django").logo


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        ("logos/x.png", r"\.logo: must be an object, not str"),
        ({**entry(raster("PNG")), "data": "not base64!"}, r"\.logo\.data: must be the file in"),
        (entry(raster("PNG"), digest="0" * 64), r"\.logo\.sha256: is not the SHA-256"),
        ({**entry(raster("PNG")), "url": "https://x"}, r"\.logo\.url: is not a field"),
        ({"sha256": "0", "data": ""}, r"\.logo\.name: is missing"),
        (entry(b"plain text"), r"\.logo\.data: Upload a PNG, JPEG, WebP or SVG"),
        (entry(svg("<script>alert(1)</script>")), r"\.logo\.data: This SVG is refused"),
        (entry(bomb()), r"\.logo\.data: This image declares more than"),
        (entry(b"\0" * (512 * 1024 + 1)), r"\.logo\.data: A logo may be at most 512 KB"),
    ],
)
def test_a_bad_logo_refuses_the_file_and_stores_nothing(demo, media, logo, message):
    document = catalogue_io.export_catalogue()
    document["frameworks"][0]["logo"] = logo

    with pytest.raises(catalogue_io.CatalogueError, match=rf"frameworks\[0\]{message}"):
        catalogue_io.import_catalogue(catalogue_io.dumps(document))

    assert media.listdir("") == ([], [])
    assert not Framework.objects.exclude(logo="").exists()

"""Media: served from local storage with a sandbox and a year's cache, and
stored on an S3-compatible bucket (moto's server on 127.0.0.1) with the
right headers (core/media.py)."""

import json
import uuid

import boto3
import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from config.env import media_storage
from core.media import IMMUTABLE, MEDIA_CSP
from frameworks.logos import check_logo
from frameworks.models import Framework
from tests.admin_helpers import admin_url
from tests.factories import FrameworkFactory
from tests.images import CLEAN_SVG, raster

pytestmark = pytest.mark.django_db

PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::BUCKET/*",
        }
    ],
}


# -- local storage ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"), [(raster("PNG"), "image/png"), (CLEAN_SVG, "image/svg+xml")]
)
def test_a_stored_logo_is_served_sandboxed_and_cached_for_a_year(client, media, data, content_type):
    name = media.save(check_logo(data).name, SimpleUploadedFile("x", data))

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert response.content == data
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == IMMUTABLE
    assert response["Content-Security-Policy"] == MEDIA_CSP
    assert "script" not in MEDIA_CSP and "sandbox" in MEDIA_CSP
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/media/logos/missing.png",
        "/media/logos/page.html",  # a type the site never stores
        "/media/logos/noextension",
        "/media/../config/settings.py",
        "/media/logos/%2e%2e/%2e%2e/x.png",
    ],
)
def test_other_media_addresses_are_a_404_or_400(client, media, path):
    media.save("logos/page.html", SimpleUploadedFile("x", b"<script>alert(1)</script>"))

    response = client.get(path)

    assert response.status_code in {400, 404}


def test_a_name_leaving_the_media_folder_is_refused_on_local_files(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    (tmp_path / "secret.png").write_bytes(raster("PNG"))

    response = client.get("/media/../secret.png")
    escaped = client.get("/media/logos/..%2f..%2fsecret.png")

    assert response.status_code in {400, 404}
    assert escaped.status_code == 400  # Django's SuspiciousFileOperation


# -- an S3-compatible bucket ------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh bucket on the local S3 server, as MEDIA_STORAGE_URL names it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    name = f"logos-{uuid.uuid4().hex}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    # Logos are public: anyone may read the objects (docs/operations.md).
    client.put_bucket_policy(Bucket=name, Policy=json.dumps(PUBLIC_READ).replace("BUCKET", name))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(
            f"s3://{name}/site?endpoint_url={s3_endpoint}&region_name=us-east-1"
        ),
    }
    return client, name


@pytest.mark.parametrize(
    ("data", "content_type", "disposition"),
    [
        (raster("PNG"), "image/png", None),
        (raster("WEBP"), "image/webp", None),
        (CLEAN_SVG, "image/svg+xml", "attachment"),
    ],
)
def test_an_uploaded_logo_lands_in_the_bucket_with_its_headers(
    admin_client, framework_add_data, bucket, data, content_type, disposition
):
    client, name = bucket
    # The browser's claimed type is ignored: the checked one is stored.
    framework_add_data["logo"] = SimpleUploadedFile("logo.bin", data, "text/html")

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 302
    logo = Framework.objects.get(slug="django").logo
    assert logo.name == check_logo(data).name
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == [f"site/{logo.name}"]
    stored = client.get_object(Bucket=name, Key=keys[0])
    assert stored["Body"].read() == data
    assert stored["ContentType"] == content_type
    assert stored["CacheControl"] == IMMUTABLE
    assert stored.get("ContentDisposition") == disposition
    # Pages link the object itself, without a signature that would expire.
    assert logo.url.startswith(f"{client.meta.endpoint_url}/{name}/site/logos/")
    assert "Signature" not in logo.url and "?" not in logo.url


def test_a_refused_upload_leaves_the_bucket_empty(admin_client, framework_add_data, bucket):
    client, name = bucket
    framework_add_data["logo"] = SimpleUploadedFile("x.png", b"not an image")

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 200
    assert client.list_objects_v2(Bucket=name)["KeyCount"] == 0


def test_the_same_logo_twice_is_one_object(bucket):
    client, name = bucket
    data = raster("PNG")
    first = FrameworkFactory(logo=SimpleUploadedFile("a.png", data))
    second = FrameworkFactory(logo=SimpleUploadedFile("b.png", data))

    assert first.logo.name == second.logo.name
    assert client.list_objects_v2(Bucket=name)["KeyCount"] == 1
    assert first.logo.storage.exists(first.logo.name)
    # The object is what a reader's browser fetches.
    fetched = httpx.get(first.logo.url, trust_env=False)
    assert fetched.status_code == 200 and fetched.content == data
    assert fetched.headers["Cache-Control"] == IMMUTABLE
    assert fetched.headers["Content-Type"] == "image/png"

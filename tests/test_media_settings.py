"""MEDIA_STORAGE_URL, or the AWS_* variables, become STORAGES["default"]."""

import pytest

from config.env import S3_MEDIA_BACKEND, media_storage, media_storage_from_environment

LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_bucket_with_a_prefix_and_a_local_endpoint():
    url = "s3://stackcompare-media/site-a/?endpoint_url=http://127.0.0.1:9100&region_name=us-east-1"

    assert media_storage(url) == {
        "BACKEND": S3_MEDIA_BACKEND,
        "OPTIONS": {
            "bucket_name": "stackcompare-media",
            "location": "site-a",
            "endpoint_url": "http://127.0.0.1:9100",
            "region_name": "us-east-1",
            # Public logos: plain, stable addresses in cached pages.
            "querystring_auth": False,
        },
    }


def test_a_bare_bucket_is_aws_s3_with_boto3s_own_defaults():
    assert media_storage("s3://media.example.com") == {
        "BACKEND": S3_MEDIA_BACKEND,
        "OPTIONS": {"bucket_name": "media.example.com", "querystring_auth": False},
    }


def test_a_cdn_domain_and_an_acl_pass_through():
    options = media_storage(
        "s3://logos?custom_domain=cdn.example.com&default_acl=public-read&addressing_style=virtual"
    )["OPTIONS"]

    assert options["custom_domain"] == "cdn.example.com"
    assert options["default_acl"] == "public-read"
    assert options["addressing_style"] == "virtual"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/var/media", "must start with s3://"),
        ("https://bucket.s3.amazonaws.com", "must start with s3://"),
        ("s3://", "is not a bucket name"),
        ("s3://My_Bucket", "is not a bucket name"),
        ("s3://ab", "is not a bucket name"),
        ("s3://key:secret@bucket", "must not hold credentials"),
        ("s3://bucket?endpoint=http://x", "unknown option 'endpoint'"),
        ("s3://bucket?access_key=AKIA", "unknown option 'access_key'"),
        ("s3://bucket?region_name=a&region_name=b", "region_name is given twice"),
        ("s3://bucket?endpoint_url=127.0.0.1:9100", "endpoint_url must be an http"),
        ("s3://bucket?endpoint_url=ftp://host", "endpoint_url must be an http"),
        ("s3://bucket?endpoint_url", "cannot read its query"),
    ],
)
def test_a_bad_address_says_what_is_wrong(url, message):
    with pytest.raises(ValueError, match=message):
        media_storage(url)


def test_without_settings_media_are_local_files():
    assert media_storage_from_environment({}) == LOCAL
    assert media_storage_from_environment({"MEDIA_STORAGE_URL": " "}) == LOCAL


def test_the_aws_variables_django_storages_users_know():
    environ = {
        "AWS_STORAGE_BUCKET_NAME": "logos",
        "AWS_S3_ENDPOINT_URL": "https://account.r2.cloudflarestorage.com",
        "AWS_S3_REGION_NAME": "auto",
        "AWS_LOCATION": "media",
    }

    assert media_storage_from_environment(environ) == {
        "BACKEND": S3_MEDIA_BACKEND,
        "OPTIONS": {
            "bucket_name": "logos",
            "endpoint_url": "https://account.r2.cloudflarestorage.com",
            "region_name": "auto",
            "location": "media",
            "querystring_auth": False,
        },
    }


def test_media_storage_url_wins_over_the_aws_variables():
    environ = {"MEDIA_STORAGE_URL": "s3://from-url", "AWS_STORAGE_BUCKET_NAME": "from-variable"}

    assert media_storage_from_environment(environ)["OPTIONS"]["bucket_name"] == "from-url"


def test_a_bad_aws_bucket_variable_is_named():
    with pytest.raises(ValueError, match="AWS_STORAGE_BUCKET_NAME: 'Bad_Name'"):
        media_storage_from_environment({"AWS_STORAGE_BUCKET_NAME": "Bad_Name"})

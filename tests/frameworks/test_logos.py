"""Framework logos: what a curator may upload, how it is stored, and the
pages that show it (frameworks/logos.py)."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from frameworks.logos import MAX_LOGO_BYTES, check_logo
from frameworks.models import Framework
from tests.admin_helpers import admin_url
from tests.factories import FrameworkFactory
from tests.images import CLEAN_SVG, bomb, raster, svg

pytestmark = pytest.mark.django_db


def hashed(data, kind):
    return f"logos/{hashlib.sha256(data).hexdigest()[:16]}.{kind}"


# -- the check ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (raster("PNG"), "png"),
        (raster("JPEG"), "jpg"),
        (raster("WEBP"), "webp"),
        (CLEAN_SVG, "svg"),
        (b"\xef\xbb\xbf" + CLEAN_SVG, "svg"),  # a byte-order mark first
        (b"\n  " + svg("<rect/>"), "svg"),  # blank lines first, no XML declaration
    ],
)
def test_images_are_recognised_by_content_and_named_by_it(data, kind):
    logo = check_logo(data)

    assert logo.kind == kind
    assert logo.name == hashed(data, kind)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text, named logo.png", "none of them"),
        (b"GIF89a" + raster("GIF")[6:], "none of them"),  # an image, not of the four kinds
        (raster("PNG")[:40], "none of them"),  # a damaged PNG
        (b"<html><body>hello</body></html>", "none of them"),  # XML-ish, not an SVG
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", "none of them"),  # not well-formed
        (raster("PNG", size=(1200, 900)) + b"\0" * MAX_LOGO_BYTES, "at most 512 KB"),
        (bomb(), "decompression bomb"),  # over twice MAX_IMAGE_PIXELS: Pillow's error
        (bomb(10_000, 10_000), "decompression bomb"),  # just over it: Pillow's warning
        (svg("<script>alert(1)</script>"), "a <script> element"),
        (
            svg('<rect onclick="alert(1)"/>', 'onload="alert(1)"'),
            "event attributes (onload, onclick)",
        ),
        (svg('<image xlink:href="https://evil.example/t.png"/>'), "external references"),
        (svg('<use href="other.svg#icon"/>'), 'external references (href="other.svg#icon")'),
        (svg('<a href="javascript:alert(1)"><rect/></a>'), "external references"),
        (svg('<rect style="fill: url(https://evil.example/p)"/>'), "external references"),
        (svg("<style>@import 'https://evil.example/a.css';</style>"), "external references"),
        (svg('<rect fill="url( http://evil.example/#x)"/>'), "external references"),
        (svg("<style>rect { fill: \\75 rl(https://evil.example/) }</style>"), "external"),
        (svg("<style>svg { background: image-set('https://e.example/' 1x) }</style>"), "ext"),
        (svg("<foreignObject><p>hi</p></foreignObject>"), "embedded HTML (<foreignObject>"),
        (svg('<h:iframe xmlns:h="http://www.w3.org/1999/xhtml"/>'), "embedded HTML (<iframe>)"),
        (svg('<set attributeName="href" to="javascript:alert(1)"/>'), "animations that set"),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaa">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&a;&a;</svg>',
            "a DOCTYPE",
        ),
        (
            b'<?xml-stylesheet href="https://evil.example/a.css"?>'
            b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "a processing instruction",
        ),
    ],
)
def test_refused_files_say_why(data, message):
    with pytest.raises(ValidationError) as raised:
        check_logo(data)

    assert message in " ".join(raised.value.messages)


def test_a_refused_svg_lists_everything_it_found():
    data = svg('<script>x</script><image href="https://a.example/x"/>', 'onload="x"')

    with pytest.raises(ValidationError) as raised:
        check_logo(data)

    (message,) = raised.value.messages
    assert "event attributes (onload)" in message
    assert "a <script> element" in message
    assert 'external references (href="https://a.example/x")' in message


# -- the admin ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "kind"),
    [
        ("django.png", raster("PNG"), "png"),
        ("django.jpeg", raster("JPEG"), "jpg"),
        ("django.webp", raster("WEBP"), "webp"),
        ("django.svg", CLEAN_SVG, "svg"),
        ("misnamed.png", raster("JPEG"), "jpg"),  # the content decides the kind
    ],
)
def test_curator_uploads_a_logo(admin_client, framework_add_data, media, filename, data, kind):
    framework_add_data["logo"] = SimpleUploadedFile(filename, data, "text/html")

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 302
    framework = Framework.objects.get(slug="django")
    assert framework.logo.name == hashed(data, kind)
    assert media.listdir("logos")[1] == [hashed(data, kind).removeprefix("logos/")]
    with media.open(framework.logo.name) as stored:
        assert stored.read() == data


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("notes.png", b"This is a text file renamed to .png\n", "none of them"),
        ("evil.svg", svg("<script>alert(document.cookie)</script>"), "a &lt;script&gt; element"),
        ("evil.svg", svg("<rect/>", 'onload="alert(1)"'), "event attributes (onload)"),
        ("evil.svg", svg('<image href="https://evil.example/x.png"/>'), "external references"),
        ("huge.png", raster("PNG") + b"\0" * MAX_LOGO_BYTES, "at most 512 KB"),
        ("bomb.png", bomb(), "decompression bomb"),
    ],
)
def test_refused_upload_is_a_form_error_and_nothing_is_stored(
    admin_client, framework_add_data, media, filename, data, message
):
    framework_add_data["logo"] = SimpleUploadedFile(filename, data, "image/png")

    response = admin_client.post(admin_url(Framework, "add"), framework_add_data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Framework.objects.filter(slug="django").exists()
    assert media.listdir("") == ([], [])


def test_a_refused_logo_on_change_keeps_the_stored_one(admin_client, framework_add_data, media):
    framework_add_data["logo"] = SimpleUploadedFile("a.png", raster("PNG"))
    admin_client.post(admin_url(Framework, "add"), framework_add_data)
    framework = Framework.objects.get(slug="django")
    url = admin_url(Framework, "change", framework.pk)
    framework_add_data["logo"] = SimpleUploadedFile("b.svg", svg("<script>x</script>"))

    response = admin_client.post(url, framework_add_data)

    assert response.status_code == 200
    framework.refresh_from_db()
    assert framework.logo.name == hashed(raster("PNG"), "png")
    assert media.listdir("logos")[1] == [framework.logo.name.removeprefix("logos/")]


def test_the_same_file_twice_is_one_stored_object(media):
    data = raster("PNG")
    first = FrameworkFactory(logo=SimpleUploadedFile("first.png", data))
    second = FrameworkFactory(logo=SimpleUploadedFile("second.png", data))

    assert first.logo.name == second.logo.name == hashed(data, "png")
    assert media.listdir("logos")[1] == [hashed(data, "png").removeprefix("logos/")]


def test_saving_bypassing_the_form_still_checks_the_file(media):
    with pytest.raises(ValidationError):
        FrameworkFactory(logo=SimpleUploadedFile("x.png", b"not an image"))

    assert media.listdir("") == ([], [])


# -- pages ----------------------------------------------------------------------


@pytest.fixture
def with_and_without(media):
    logo = FrameworkFactory(
        name="Logoed", slug="logoed", logo=SimpleUploadedFile("l.png", raster("PNG"))
    )
    plain = FrameworkFactory(name="Plain", slug="plain", category=logo.category)
    logo.alternatives.add(plain)
    return logo, plain


def img(framework, size):
    return (
        f'<img class="logo{" logo--" + size if size else ""}" src="/media/{framework.logo.name}"'
        f' alt="" width="{ {"small": 28, "large": 64}.get(size, 44) }"'
    )


def initials(framework, size):
    return f'<span class="initials{" initials--" + size if size else ""}" data-letter="'


def test_framework_page_shows_the_logo_or_the_initials(client, with_and_without):
    logo, plain = with_and_without

    shown = client.get(logo.get_absolute_url()).content.decode()
    fallback = client.get(plain.get_absolute_url()).content.decode()

    assert img(logo, "large") in shown
    assert initials(plain, "small") in shown  # the alternative's card
    assert initials(plain, "large") in fallback
    assert img(logo, "small") in fallback  # its alternative has a logo
    assert 'class="logo logo--large"' not in fallback


def test_comparison_page_and_catalogue_show_the_logo(client, with_and_without):
    logo, plain = with_and_without
    compare = reverse("comparison:detail", args=[f"{logo.slug}-vs-{plain.slug}"])

    page = client.get(compare, follow=True).content.decode()
    catalogue = client.get(reverse("frameworks:list")).content.decode()

    assert img(logo, "") in page  # the page's head
    assert img(logo, "small") in page  # the table's header
    assert initials(plain, "small") in page
    assert img(logo, "") in catalogue
    assert initials(plain, "") in catalogue


def test_the_admin_file_picker_offers_images_and_says_what_is_accepted(admin_client):
    page = admin_client.get(admin_url(Framework, "add")).content.decode()

    assert 'accept="image/png,image/jpeg,image/webp,image/svg+xml"' in page
    assert "PNG, JPEG, WebP or SVG (without script or external links), at most 512 KB" in page

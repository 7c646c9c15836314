"""The Jinja2 environment of the public pages (core.jinja2)."""

import datetime

import pytest
from django.template import defaultfilters, engines
from django.template.loader import get_template
from django.test import RequestFactory, override_settings
from django.urls import reverse
from jinja2 import StrictUndefined, UndefinedError

from core.jinja2 import url, url_or

pytestmark = pytest.mark.django_db


def render(source, **context):
    return engines["jinja2"].from_string(source).render(context)


def test_public_templates_load_with_jinja2_and_the_admin_with_django():
    assert get_template("base.html").backend.name == "jinja2"
    assert get_template("comparison/comparison_detail.html").backend.name == "jinja2"
    assert get_template("admin/base_site.html").backend.name == "django"


def test_url_reverses_like_the_url_tag():
    assert url("home") == "/"
    assert url("frameworks:detail", "django") == "/frameworks/django/"
    assert url("frameworks:detail", slug="flask") == "/frameworks/flask/"
    assert render("{{ url('frameworks:vote', 7) }}") == reverse("frameworks:vote", args=[7])


def test_url_or_falls_back_when_the_address_does_not_reverse():
    assert url_or("/", "frameworks:detail", "~") == "/"
    assert url_or("/", "frameworks:detail", "django") == "/frameworks/django/"


def test_static_gives_the_static_url():
    assert render("{{ static('css/site.css') }}") == "/static/css/site.css"


def test_django_filters_keep_their_django_behaviour():
    created = datetime.datetime(2024, 3, 5, 23, 30, tzinfo=datetime.UTC)
    assert render('{{ d|date("M j, Y") }}', d=created) == "Mar 5, 2024"
    assert render("{{ d|date('c') }}", d=created) == defaultfilters.date(created, "c")
    assert render('{{ d|date("M Y") }}', d=datetime.date(2025, 11, 1)) == "Nov 2025"
    # Without a format: the site's DATE_FORMAT (core/formats/en/formats.py).
    assert render("{{ d|date }}", d=datetime.date(2025, 11, 1)) == "1 Nov 2025"
    assert render('{{ d|date("DATETIME_FORMAT") }}', d=created) == "5 Mar 2024, 23:30"
    assert render("{{ 1|pluralize }}{{ 2|pluralize }}") == "s"
    assert render('{{ 2|pluralize("error,errors") }}') == "errors"
    assert render("{{ text|linebreaks }}", text="a <b>\n\nc") == "<p>a &lt;b&gt;</p>\n\n<p>c</p>"
    # Django's striptags keeps line breaks (Jinja2's would collapse them).
    assert render("{{ text|striptags }}", text="<p>a</p>\n<p>b</p>") == "a\nb"
    assert render("{{ 'one two three'|truncatewords(2) }}") == "one two …"


@override_settings(USE_TZ=True, TIME_ZONE="Europe/Paris")
def test_date_shows_aware_datetimes_in_the_current_time_zone():
    created = datetime.datetime(2024, 3, 5, 23, 30, tzinfo=datetime.UTC)
    assert render('{{ d|date("M j, Y H:i") }}', d=created) == "Mar 6, 2024 00:30"


def test_app_template_libraries_and_humanize_are_loaded():
    assert render("{{ 85600|compact }} {{ none|compact }}", none=None) == "85.6K –"
    assert render("{{ '**hi**'|markdown }}") == "<p><strong>hi</strong></p>"
    assert render("{{ 1234567|intcomma }}") == "1,234,567"
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    assert render("{{ d|naturaltime }}", d=long_ago).endswith("ago")


def test_a_simple_tag_that_takes_the_context_gets_the_jinja2_context():
    request = RequestFactory().get("/frameworks/", {"q": "py", "page": "2"})
    html = engines["jinja2"].from_string("{{ query_with(page=None) }}").render(request=request)
    assert html == "?q=py"


def test_output_is_autoescaped_and_safe_strings_are_kept():
    assert render("{{ s }}", s="<script>") == "&lt;script&gt;"
    assert render("{{ '**x**'|markdown }}").startswith("<p>")


def test_tests_fail_loudly_on_a_missing_variable():
    assert engines["jinja2"].env.undefined is StrictUndefined
    with pytest.raises(UndefinedError):
        render("{{ missing.attribute }}")


def test_every_public_template_compiles():
    from pathlib import Path

    from django.conf import settings

    from core.jinja2 import compile_templates

    files = [p for p in (Path(settings.BASE_DIR) / "templates").rglob("*") if p.is_file()]
    assert compile_templates() == len(files)


def test_a_server_worker_compiles_the_templates_before_its_first_request(monkeypatch):
    import importlib

    import config.wsgi
    from core import jinja2

    calls = []
    monkeypatch.setattr(jinja2, "compile_templates", lambda: calls.append(1))
    importlib.reload(config.wsgi)

    assert calls == [1]

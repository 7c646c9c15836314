"""EMAIL_URL and the EMAIL_* variables become Django's mail settings."""

import pytest

from config.env import email_settings, email_settings_from_environment

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_smtp_with_starttls_and_an_encoded_password():
    assert email_settings("smtp://mailer:p%40ss%3Aword@mail.example.com:587?tls=1") == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "p@ss:word",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp://localhost", 25, False, False),
        ("submission://u:p@mail.example.com", 587, True, False),
        ("smtp+tls://u:p@mail.example.com", 587, True, False),
        ("smtps://u:p@mail.example.com", 465, False, True),
        ("smtp://mail.example.com:2525?ssl=yes", 2525, False, True),
    ],
)
def test_schemes_pick_port_and_encryption(url, port, tls, ssl):
    result = email_settings(url)

    assert (result["EMAIL_PORT"], result["EMAIL_USE_TLS"], result["EMAIL_USE_SSL"]) == (
        port,
        tls,
        ssl,
    )


def test_console_prints_mail():
    assert email_settings("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_a_timeout_may_be_given():
    assert email_settings("smtp://mail.example.com?timeout=5")["EMAIL_TIMEOUT"] == 5.0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.com", "unknown scheme"),
        ("smtp://", "name the mail server"),
        ("smtp://mail.example.com:99999", "port"),
        ("smtp://mail.example.com?tls=1&ssl=1", "not both"),
    ],
)
def test_a_bad_url_says_what_is_wrong(url, message):
    with pytest.raises(ValueError, match=message):
        email_settings(url)


def test_email_url_wins_over_the_separate_variables():
    environ = {"EMAIL_URL": "smtps://a:b@one.example.com", "EMAIL_HOST": "two.example.com"}

    assert email_settings_from_environment(environ)["EMAIL_HOST"] == "one.example.com"


def test_without_email_url_djangos_variables_are_read():
    environ = {
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_TLS": "1",
    }

    assert email_settings_from_environment(environ) == {
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_TLS": True,
    }


def test_nothing_set_leaves_djangos_defaults():
    assert email_settings_from_environment({}) == {}


PRINT_MAIL_SETTINGS = [
    "-c",
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS]))",
]


def mail_settings(module, **env):
    import json

    from tests.test_settings import run

    result = run(
        PRINT_MAIL_SETTINGS,
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY="x" * 50,
        EMAIL_URL=env.get("EMAIL_URL", ""),
        EMAIL_HOST=env.get("EMAIL_HOST", ""),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_make_run_prints_mail_to_the_console():
    assert mail_settings("config.settings_local")[0] == (
        "django.core.mail.backends.console.EmailBackend"
    )


def test_a_configured_server_is_used_by_make_run_too():
    assert mail_settings(
        "config.settings_local", EMAIL_URL="smtp://mail.example.com:2525?tls=1"
    ) == [SMTP, "mail.example.com", 2525, True]


def test_production_reads_email_url():
    assert mail_settings("config.settings", EMAIL_URL="smtps://u:p@mail.example.com") == [
        SMTP,
        "mail.example.com",
        465,
        False,
    ]

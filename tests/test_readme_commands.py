"""The README's commands work exactly as written on a fresh clone.

Each runs in a subprocess with a clean environment: no DEBUG, no SECRET_KEY,
no DJANGO_SETTINGS_MODULE (``manage.py`` picks the settings), only a
temporary SQLite DATABASE_URL.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

#: Everything the settings, Django or these commands read from the environment.
DROPPED = re.compile(
    r"^(DJANGO_|SECRET_KEY$|DEBUG$|ALLOWED_HOSTS$|CSRF_TRUSTED_ORIGINS$|DATABASE_|REDIS_URL$"
    r"|SECURE_|BEHIND_TLS_PROXY$|PAGE_CACHE$|WEB_CONCURRENCY$|CONN_MAX_AGE$)"
)


@pytest.fixture
def fresh_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not DROPPED.match(k)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return env


def manage(env, *args, **extra):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env | extra,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_readme_shows_the_commands_tested_here():
    assert ".venv/bin/python manage.py createsuperuser" in README
    assert ".venv/bin/python manage.py load_demo" in README
    # No bare `python manage.py`: on a fresh clone only the venv has Django.
    assert not re.search(r"(?<![/\w])python manage\.py", README)


def test_createsuperuser_works_without_secret_key_or_debug(fresh_env):
    assert manage(fresh_env, "migrate", "--noinput").returncode == 0

    created = manage(
        fresh_env,
        "createsuperuser",
        "--noinput",
        DJANGO_SUPERUSER_USERNAME="curator",
        DJANGO_SUPERUSER_EMAIL="curator@example.com",
        DJANGO_SUPERUSER_PASSWORD="plum-Sofa-glacier-42",
    )
    assert created.returncode == 0, created.stderr
    assert "Superuser created successfully." in created.stdout

    shown = manage(
        fresh_env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "u = User.objects.get(username='curator'); "
        "print(u.is_superuser, u.check_password('plum-Sofa-glacier-42'))",
    )
    assert shown.stdout.split()[-2:] == ["True", "True"], shown.stdout + shown.stderr


def test_check_and_load_demo_work_without_secret_key_or_debug(fresh_env):
    checked = manage(fresh_env, "check")
    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout

    assert manage(fresh_env, "migrate", "--noinput").returncode == 0
    loaded = manage(fresh_env, "load_demo")
    assert loaded.returncode == 0, loaded.stderr
    again = manage(fresh_env, "load_demo", "--update")
    assert again.returncode == 0, again.stderr


def test_manage_py_in_production_mode_still_needs_a_secret_key(fresh_env):
    result = manage(fresh_env, "check", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_deploy_check_passes_as_the_readme_says(fresh_env):
    result = manage(
        fresh_env,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_wsgi_application_uses_production_settings(fresh_env):
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=fresh_env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr

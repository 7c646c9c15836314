"""The commands the README and docs/ show work exactly as written on a fresh clone.

Each runs in a subprocess with a clean environment: no DEBUG, no SECRET_KEY,
no DJANGO_SETTINGS_MODULE (``manage.py`` picks the settings), only a
temporary SQLite DATABASE_URL. Every shell command the docs show is either
run here or named below as one that needs services this test does not start
(PostgreSQL, a long-running server, a browser); a new command in the docs
fails ``test_every_shell_command_in_the_docs_is_accounted_for`` until it is.
"""

import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.db import connection

from tests.fakeapi import FakeApis, Package

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
#: The README and every page of docs/, benchmarks included.
DOC_FILES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "docs" / "benchmarks" / "README.md",
]
DOCS = {path.relative_to(ROOT).as_posix(): path.read_text() for path in DOC_FILES}
ALL_DOCS = "\n".join(DOCS.values())

#: Everything the settings, Django or these commands read from the environment.
DROPPED = re.compile(
    r"^(DJANGO_|SECRET_KEY$|DEBUG$|ALLOWED_HOSTS$|CSRF_TRUSTED_ORIGINS$|DATABASE_|REDIS_URL$"
    r"|SECURE_|BEHIND_TLS_PROXY$|PAGE_CACHE$|WEB_CONCURRENCY$|CONN_MAX_AGE$|CACHE_DIR$"
    r"|GITHUB_|PYPI_URL$|PYPISTATS_URL$|NPM_|SYNC_|MEDIA_|AWS_)"
)

#: The management commands the docs show after ``.venv/bin/python manage.py``,
#: each run by a test below exactly as written.
RUN_HERE = {
    "createsuperuser",
    "load_demo",
    "load_demo --update",
    "check --deploy",
    "export_catalogue catalogue.json",
    "import_catalogue catalogue.json",
    "populate_history --auto",
    "flush_decision_views",
    "sync_stats",
    "sync_stats --only django flask",
    "sync_stats --stale-hours 20",
    "sync_stats --budget github=4500",
    "sync_stats --shard 2/7",
    "sync_stats --stale-hours 20 --budget github=4500",
}

#: Shell commands of the docs that need what this test does not start.
NEEDS_SERVICES = {
    "createdb": "creates a PostgreSQL database",
    "pg_basebackup": "copies a running PostgreSQL primary (make cluster does)",
    "pg_restore": "restores into PostgreSQL (make backup-check does)",
    "systemctl": "starts a systemd unit",
}

#: The make targets the docs show, none run here (each must exist in the Makefile).
MAKE_NOT_RUN = {
    "run": "serves until stopped; its migrate and load_demo are run here",
    "test": "is this suite (CI runs it on SQLite and PostgreSQL)",
    "serve": "serves until stopped; check --deploy and the SECRET_KEY rule are tested here",
    "sync": "reads GitHub, PyPI and npm; sync_stats is run here against local fakes",
    "bench": "needs wrk, and minutes of load on gunicorn",
    "bench-sync": "times sync_stats for 20,000 frameworks (sync_stats is run here)",
    "bench-scale": "builds catalogues of up to 20,000 frameworks (generate_catalogue is tested)",
    "audit": "needs chromium and Lighthouse from npm",
    "screenshots": "needs chromium; writes docs/screenshots/",
    "cluster": "needs root, nginx and PostgreSQL's binaries; runs until cluster-stop",
    "cluster-stop": "stops what cluster started",
    "bench-cluster": "starts a cluster and puts minutes of load and faults on it",
    "backup-check": "needs a PostgreSQL server (pg_dump, pg_restore)",
}

_MANAGE = re.compile(r"\.venv/bin/python manage\.py ([^\n`#>;&|]*)")
_FENCED_SHELL = re.compile(r"^```(?:sh|shell|bash|console)\n(.*?)^```", re.M | re.S)
_INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_ASSIGNMENT = re.compile(r"^[A-Z][A-Z0-9_]*=")


def environment(database):
    env = {k: v for k, v in os.environ.items() if not DROPPED.match(k)}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


@pytest.fixture
def fresh_env(tmp_path):
    # The commands run on a SQLite file of their own, whatever the suite's
    # database: CI runs them once, on its SQLite pass (a minute saved).
    if connection.vendor != "sqlite":
        pytest.skip("runs on a SQLite file of its own: in the SQLite pass")
    return environment(tmp_path / "db.sqlite3")


@pytest.fixture(scope="module")
def _demo_database(tmp_path_factory):
    """A SQLite file after ``migrate`` and ``load_demo`` as documented, run
    once for the tests that start from the demo."""
    path = tmp_path_factory.mktemp("demo") / "db.sqlite3"
    env = environment(path)
    migrated = manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    loaded = run_as_documented(env, "load_demo")
    assert loaded.returncode == 0, loaded.stderr
    return path


@pytest.fixture
def demo_env(fresh_env, _demo_database, tmp_path):
    """``fresh_env`` on a copy of that file."""
    shutil.copyfile(_demo_database, tmp_path / "db.sqlite3")
    return fresh_env


def manage(env, *args, cwd=ROOT, **extra):
    return subprocess.run(
        [sys.executable, ROOT / "manage.py", *args],
        cwd=cwd,
        env=env | extra,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_as_documented(env, command, cwd=ROOT, **extra):
    """``command`` is one of RUN_HERE, run as the docs write it."""
    assert command in RUN_HERE, command
    return manage(env, *shlex.split(command), cwd=cwd, **extra)


def documented_manage_commands():
    """The arguments after every ``.venv/bin/python manage.py`` in the docs."""
    return {match.strip() for match in _MANAGE.findall(ALL_DOCS)}


def shell_lines():
    """(file, line) of every command in the docs' shell blocks: comments
    dropped, continued lines joined."""
    lines = []
    for name, text in DOCS.items():
        for block in _FENCED_SHELL.findall(text):
            joined = re.sub(r"\\\n", " ", block)
            for line in joined.splitlines():
                line = re.sub(r"(^|\s)#.*$", "", line).strip()
                if line:
                    lines.append((name, line))
    return lines


def without_substitutions(line):
    """``line`` with each ``$(...)`` replaced by ``X``."""
    out, depth = [], 0
    index = 0
    while index < len(line):
        if line.startswith("$(", index):
            if depth == 0:
                out.append("X")
            depth += 1
            index += 2
            continue
        char = line[index]
        if depth and char == "(":
            depth += 1
        elif depth and char == ")":
            depth -= 1
        elif not depth:
            out.append(char)
        index += 1
    return "".join(out)


def split_assignments(line):
    """``(["VAR", "OTHER"], ["make", "serve"])`` from ``VAR=x OTHER=y make serve``."""
    words = shlex.split(without_substitutions(line))
    names = []
    while words and _ASSIGNMENT.match(words[0]):
        names.append(words.pop(0).split("=", 1)[0])
    return names, words


def make_targets():
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))


def documented_variables():
    """Variables the docs' configuration tables name, and the Makefile reads."""
    tables = re.findall(r"^\| `([^|]+)` \|", ALL_DOCS, re.M)
    names = {name for row in tables for name in re.findall(r"[A-Z][A-Z0-9_]+", row)}
    return names | set(re.findall(r"\b([A-Z][A-Z0-9_]+)\b", (ROOT / "Makefile").read_text()))


def test_readme_shows_the_commands_tested_here():
    assert ".venv/bin/python manage.py createsuperuser" in README
    assert ".venv/bin/python manage.py load_demo" in README
    # No bare `python manage.py`: on a fresh clone only the venv has Django.
    for name, text in DOCS.items():
        assert not re.search(r"(?<![/\w])python manage\.py", text), name


def test_every_manage_py_command_in_the_docs_is_run_here():
    assert documented_manage_commands() == RUN_HERE


def test_every_documented_manage_py_command_exists_and_takes_its_options():
    commands = get_commands()
    for line in documented_manage_commands():
        name, *args = shlex.split(line)
        assert name in commands, line
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        parser.parse_args(args)  # exits on an unknown option


def test_every_shell_command_in_the_docs_is_accounted_for():
    targets = make_targets()
    known_variables = documented_variables()
    for name, line in shell_lines():
        variables, words = split_assignments(line)
        for variable in variables:
            assert variable in known_variables, f"{name}: {variable} is documented nowhere"
        if not words:  # only settings, such as EMAIL_URL=...
            continue
        where = f"{name}: {line}"
        if words[:2] == [".venv/bin/python", "manage.py"]:
            assert " ".join(words[2:]) in RUN_HERE, where
        elif words[0] == "make":
            assert words[1] in targets, where
            assert words[1] in MAKE_NOT_RUN, where
            for word in words[2:]:
                assert _ASSIGNMENT.match(word), where
                assert word.split("=", 1)[0] in known_variables, where
        else:
            assert words[0] in NEEDS_SERVICES, f"{where}: run it here or explain why not"


def test_every_make_command_in_the_docs_names_a_target():
    targets = make_targets()
    shown = [
        code for code in _INLINE_CODE.findall(ALL_DOCS) if re.match(r"([A-Z_]+=\S+ )*make ", code)
    ]
    assert shown
    for code in shown:
        _, words = split_assignments(code)
        assert words[1] in targets, code
        assert words[1] in MAKE_NOT_RUN, code


def test_the_tour_in_the_readme_opens(client, demo):
    paths = re.findall(r"<http://127\.0\.0\.1:8000(/[^>]*)>", README)
    paths += re.findall(r"`(/[a-z][^`<>\s]*)`", README)
    assert "/compare/django-vs-flask/" in paths
    for path in paths:
        response = client.get(path.split("#")[0])
        # The admin sends visitors to its login page.
        assert response.status_code == (302 if path == "/admin/" else 200), path


def test_createsuperuser_works_without_secret_key_or_debug(fresh_env):
    assert manage(fresh_env, "migrate", "--noinput").returncode == 0

    # The docs show the interactive command; --noinput with these variables
    # answers its prompts.
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


def test_check_and_load_demo_work_without_secret_key_or_debug(demo_env):
    checked = manage(demo_env, "check")
    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout

    # load_demo ran as documented on this database (_demo_database); again:
    loaded = run_as_documented(demo_env, "load_demo")
    assert loaded.returncode == 0, loaded.stderr
    assert " 0 created, 0 updated, " in loaded.stdout
    again = run_as_documented(demo_env, "load_demo --update")
    assert again.returncode == 0, again.stderr


def test_the_catalogue_file_history_and_view_commands_work_as_written(demo_env, tmp_path):
    for command in (
        "export_catalogue catalogue.json",
        "import_catalogue catalogue.json",
        "populate_history --auto",
        "flush_decision_views",
    ):
        # The catalogue file lands in (and is read from) the working directory.
        result = run_as_documented(demo_env, command, cwd=tmp_path)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    assert '"format": "stackcompare-catalogue"' in (tmp_path / "catalogue.json").read_text()


def test_sync_stats_works_as_written_against_local_apis(demo_env):
    """The sync's commands, with GitHub, PyPI, npm and endoflife.date played on
    127.0.0.1."""
    apis = FakeApis().start()
    try:
        demo = tomllib.loads((ROOT / "comparison/demo/catalogue.toml").read_text())
        sources = 0
        for framework in demo["frameworks"]:
            names = [framework.get(k) for k in ("github_repo", "pypi_project", "npm_package")]
            sources += any(names)
            if framework.get("github_repo"):
                apis.add_repo(framework["github_repo"])
            if framework.get("pypi_project"):
                apis.pypi[framework["pypi_project"]] = Package()
            if framework.get("npm_package"):
                apis.npm[framework["npm_package"]] = Package()
            if framework.get("endoflife_product"):
                apis.endoflife[framework["endoflife_product"]] = [
                    {"cycle": "5.2", "releaseDate": "2025-04-02", "eol": "2028-04-30",
                     "latest": "5.2.8", "latestReleaseDate": "2025-11-05", "lts": True}
                ]  # fmt: skip
        env = demo_env | apis.urls | {"SYNC_BACKOFF": "0.01"}

        some = run_as_documented(env, "sync_stats --only django flask")
        assert some.returncode == 0, some.stdout + some.stderr
        assert "Synced 2 frameworks: 2 updated, 0 unchanged, 0 failed" in some.stdout

        every = run_as_documented(env, "sync_stats")
        assert every.returncode == 0, every.stdout + every.stderr
        assert f"Synced {sources} frameworks:" in every.stdout
        assert ", 0 failed" in every.stdout

        stale = run_as_documented(env, "sync_stats --stale-hours 20")
        assert stale.returncode == 0, stale.stdout + stale.stderr
        assert f"Synced 0 frameworks: 0 updated, 0 unchanged, 0 failed, {sources} skipped" in (
            stale.stdout
        )

        for command in (
            "sync_stats --budget github=4500",
            "sync_stats --shard 2/7",
            "sync_stats --stale-hours 20 --budget github=4500",
        ):
            done = run_as_documented(env, command)
            assert done.returncode == 0, done.stdout + done.stderr
            assert ", 0 failed" in done.stdout and "Synced " in done.stdout
    finally:
        apis.stop()


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

    assert "check --deploy" in RUN_HERE
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

"""The production server the benchmark and the audit drive: gunicorn in
production mode (DEBUG off, whitenoise, the page cache) on loopback, with
the demo catalogue in its own database. Shared by bench/run.py and
bench/audit.py."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only


def server_env(out, **extra):
    """The environment of a local production server whose files live in
    ``out`` (its SQLite database unless DATABASE_URL is set, static files)."""
    env = dict(os.environ)
    out.mkdir(parents=True, exist_ok=True)
    env.setdefault("DATABASE_URL", f"sqlite:///{out / (out.name + '.sqlite3')}")
    env.setdefault("CACHE_DIR", str(out / "cache"))  # without Redis: its own cache folder
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        SECURE_COOKIES="0",
        STATIC_ROOT=str(out / "static"),
        LOG_LEVEL="ERROR",
        **extra,
    )
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(env):
    """Migrate, load the demo catalogue and collect the static files."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "--clear")


def start_server(env, port, *, workers="1", threads="8", base=None):
    """gunicorn on HOST:port; returns once it answers (or exits the script)."""
    base = base or f"http://{HOST}:{port}"
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--bind", f"{HOST}:{port}",
        "--worker-class", "gthread",
        "--workers", str(workers),
        "--threads", str(threads),
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("The server did not start within 30 s.")


def stop_server(server):
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)

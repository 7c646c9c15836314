"""gunicorn trusts forwarded headers only when the site is behind a proxy,
gives each worker its own listening socket, and keeps what a worker
loaded at start out of the garbage collector's view.

Each test starts gunicorn with the project's ``gunicorn.conf.py`` on a free
loopback port, serving a tiny WSGI app that echoes the scheme gunicorn
decided on, and sends ``X-Forwarded-Proto: https`` from 127.0.0.1.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")

ECHO_APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["wsgi.url_scheme"].encode()]
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(tmp_path, port, workers=1, app=("echo_app", ECHO_APP), **env):
    name, source = app
    (tmp_path / f"{name}.py").write_text(source)
    clean = {k: v for k, v in os.environ.items() if k not in {"BEHIND_TLS_PROXY"}}
    clean.pop("FORWARDED_ALLOW_IPS", None)
    clean.update(env)
    return subprocess.Popen(
        [str(GUNICORN), f"{name}:app", "--config", str(ROOT / "gunicorn.conf.py"),
         "--pythonpath", str(tmp_path), "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT, env=clean, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def answer_once_up(server, request):
    """The body of ``request`` once ``server`` answers (at most 20 s)."""
    deadline = time.time() + 20
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                raise AssertionError(server.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)


def scheme_seen_by_gunicorn(tmp_path, **env):
    port = free_port()
    server = start_gunicorn(tmp_path, port, **env)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"X-Forwarded-Proto": "https"}
        )
        return answer_once_up(server, request)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("behind", [None, "0", ""])
def test_without_a_proxy_gunicorn_ignores_x_forwarded_proto_from_loopback(tmp_path, behind):
    env = {} if behind is None else {"BEHIND_TLS_PROXY": behind}

    assert scheme_seen_by_gunicorn(tmp_path, **env) == "http"


def test_behind_a_proxy_gunicorn_trusts_the_proxy_on_loopback(tmp_path):
    assert scheme_seen_by_gunicorn(tmp_path, BEHIND_TLS_PROXY="1") == "https"


def test_make_serve_leaves_the_trust_to_gunicorn_conf():
    # A --forwarded-allow-ips on the command line would override the file.
    serve = (ROOT / "Makefile").read_text().split("\nserve:", 1)[1].split("\n\n", 1)[0]

    assert "forwarded-allow-ips" not in serve
    assert "--config gunicorn.conf.py" in serve


def listening_sockets(port):
    """Listening TCP sockets on the loopback port, from /proc/net/tcp."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    wanted = f"0100007F:{port:04X}"
    return sum(1 for line in lines if line.split()[1] == wanted and line.split()[3] == "0A")


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")
def test_each_worker_listens_on_its_own_socket(tmp_path):
    # With one shared socket, a burst of keep-alive connections can all be
    # accepted by one worker while the other idles; with SO_REUSEPORT the
    # kernel spreads them over one socket per worker.
    port = free_port()
    server = start_gunicorn(tmp_path, port, workers=2)
    try:
        deadline = time.time() + 20
        while listening_sockets(port) < 2 and time.time() < deadline:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            time.sleep(0.2)

        assert listening_sockets(port) == 2
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_listening(server, port, count=1):
    deadline = time.time() + 20
    while listening_sockets(port) < count and time.time() < deadline:
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        time.sleep(0.2)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")
def test_a_second_server_on_the_same_port_refuses_to_start(tmp_path):
    """reuse_port would let it bind and take half of the first one's
    connections without a word."""
    port = free_port()
    first = start_gunicorn(tmp_path, port)
    try:
        wait_listening(first, port)
        second = start_gunicorn(tmp_path, port)
        try:
            assert second.wait(timeout=20) != 0
        finally:
            if second.poll() is None:
                second.kill()
        assert f"Another server already listens on 127.0.0.1:{port}" in (
            second.stderr.read().decode()
        )
        assert listening_sockets(port) == 1
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.read() == b"http"
    finally:
        first.terminate()
        first.wait(timeout=10)


FREEZE_APP = """
import gc

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(gc.get_freeze_count()).encode()]
"""


def test_a_worker_keeps_what_it_loaded_at_start_out_of_the_collectors_view(tmp_path):
    """A full collection stops every thread of the worker; it should not
    walk the objects that live as long as the worker."""
    port = free_port()
    server = start_gunicorn(tmp_path, port, app=("freeze_app", FREEZE_APP))
    try:
        assert int(answer_once_up(server, f"http://127.0.0.1:{port}/")) > 10_000
    finally:
        server.terminate()
        server.wait(timeout=10)

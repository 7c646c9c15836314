"""gunicorn's settings; gunicorn reads this file from the working directory
(``make serve``, ``make bench``).

gunicorn turns ``X-Forwarded-Proto: https`` (and its other forwarded
headers) into an https request when the peer is in ``forwarded_allow_ips``,
and by default it trusts loopback. A plain client on this machine could then
get https URLs and HSTS. Trust follows the switch Django uses,
``BEHIND_TLS_PROXY``: off, gunicorn trusts no peer; on, it trusts the proxy
on loopback, or the addresses in gunicorn's own ``FORWARDED_ALLOW_IPS``.
"""

import errno
import gc
import os
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from config.env import env_bool

if env_bool("BEHIND_TLS_PROXY"):
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
else:
    forwarded_allow_ips = ""

# Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads
# new connections across them. With one shared socket, whichever worker wakes
# first accepts: a proxy's or a load generator's keep-alive connections,
# opened in a burst, can all land on one worker, which then serves them alone
# on one core while the others idle (measured: 16 connections, 2 workers,
# all on one worker in 4 runs of 6, at 40 % of the throughput of an even
# split).
reuse_port = True


def on_starting(server):
    """Refuse to start where a server already listens.

    With ``reuse_port`` the kernel lets a second server bind the same port
    and then splits new connections between the two: a second ``make
    serve``, or an old release left running, would silently answer half the
    requests. A plain bind (no SO_REUSEPORT) fails while anything listens
    there. Skipped for a master that gunicorn re-executed to upgrade in
    place (USR2: it sets GUNICORN_PID), or that systemd hands sockets to."""
    if "GUNICORN_PID" in os.environ or os.environ.get("LISTEN_FDS"):
        return
    for address in server.cfg.address:
        if not isinstance(address, tuple):  # a Unix socket: no reuse_port
            continue
        host, port = address[:2]
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                raise SystemExit(
                    f"Another server already listens on {host}:{port}; stop it first "
                    "(or choose another PORT)."
                ) from None


def post_worker_init(worker):
    """Move what the worker loaded at start (Django, the apps, the models:
    about 89,000 objects) out of the garbage collector's view. They live as
    long as the worker, yet each full collection walked them all, with
    every thread of the worker stopped: under load such pauses took 84-111
    ms, and 36-50 ms with this (docs/benchmarks/2026-12-02.md)."""
    gc.freeze()

"""gunicorn's settings; gunicorn reads this file from the working directory
(``make serve``, ``make bench``).

gunicorn turns ``X-Forwarded-Proto: https`` (and its other forwarded
headers) into an https request when the peer is in ``forwarded_allow_ips``,
and by default it trusts loopback. A plain client on this machine could then
get https URLs and HSTS. Trust follows the switch Django uses,
``BEHIND_TLS_PROXY``: off, gunicorn trusts no peer; on, it trusts the proxy
on loopback, or the addresses in gunicorn's own ``FORWARDED_ALLOW_IPS``.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comparison.env import env_bool

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

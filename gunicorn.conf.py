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

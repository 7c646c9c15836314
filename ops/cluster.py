"""Several hosts on one machine (``make cluster``, ``make cluster-stop``).

    python ops/cluster.py start    # prints the address to open
    python ops/cluster.py stop     # stops all it started, removes .cluster/

It runs, on loopback, each with its pid file and log under ``.cluster/``:

- nginx as the load balancer (LB_PORT), in front of
- two app hosts, each a gunicorn with its own working folder (``app-a``,
  ``app-b``: static files, pid, log) on APP_PORTS;
- a PostgreSQL primary (5442) and a streaming replica made from it with
  ``pg_basebackup -R`` (5443), clusters of their own (initdb) run as the
  ``postgres`` user;
- Redis (6390): the cache, the write clock, rate limits, sessions' cache;
- moto's S3 server (9100) for media, with the bucket made at start.

The app hosts run with ``DEPLOYMENT_HOSTS=2``, so ``migrate`` refuses to
start them if anything would stay on a host (core/checks.py).
``bench/cluster.py`` drives it under load and faults.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("CLUSTER_DIR", ROOT / ".cluster"))
HOST = "127.0.0.1"
LB_PORT = int(os.environ.get("CLUSTER_PORT", "8450"))
APP_PORTS = {"app-a": 8451, "app-b": 8452}
PRIMARY_PORT, REPLICA_PORT = 5442, 5443
REDIS_PORT, S3_PORT = 6390, 9100
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
BIN = Path(sys.executable).parent
BUCKET = "media"
PG_USER = "postgres"


def run(*cmd, user=None, **kwargs):
    if user and os.geteuid() == 0:
        cmd = ("runuser", "-u", user, "--", *cmd)
    kwargs.setdefault("check", True)
    return subprocess.run(cmd, **kwargs)


def pg(tool, *args):
    run(str(PG_BIN / tool), *args, user=PG_USER, stdout=subprocess.DEVNULL)


def database_url(port):
    return f"postgres://{PG_USER}@{HOST}:{port}/site"


def environment(**extra):
    """What every app host (and manage.py for them) runs with."""
    secret = STATE / "secret_key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(50))
    release = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secret.read_text(),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        SECURE_COOKIES="0",
        BEHIND_TLS_PROXY="1",  # the client is what nginx appends to X-Forwarded-For
        DEPLOYMENT_HOSTS=str(len(APP_PORTS)),
        RELEASE=f"cluster-{release or 'dev'}",  # both hosts name cached pages alike
        DATABASE_URL=database_url(PRIMARY_PORT),
        DATABASE_REPLICA_URL=database_url(REPLICA_PORT),
        REDIS_URL=f"redis://{HOST}:{REDIS_PORT}/0",
        MEDIA_STORAGE_URL=(
            f"s3://{BUCKET}?endpoint_url=http://{HOST}:{S3_PORT}&region_name=us-east-1"
        ),
        AWS_ACCESS_KEY_ID="cluster",
        AWS_SECRET_ACCESS_KEY="cluster-secret",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    env.update(extra)
    return env


def wait_for(what, ready, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start within {seconds} s; see {STATE}/*.log")


def answers(url):
    try:
        urllib.request.urlopen(url, timeout=1).read()
        return True
    except OSError:
        return False


def start_postgres():
    """A primary (initdb) and its streaming replica (pg_basebackup -R)."""
    data = STATE / "pg"
    data.mkdir(parents=True, exist_ok=True)
    shutil.chown(data, PG_USER, PG_USER)
    primary, replica = data / "primary", data / "replica"
    pg("initdb", "-D", str(primary), "-U", PG_USER, "--auth=trust", "-E", "UTF8")
    with open(primary / "postgresql.conf", "a") as conf:
        conf.write(
            f"port = {PRIMARY_PORT}\nlisten_addresses = '{HOST}'\n"
            f"unix_socket_directories = '{data}'\nwal_level = replica\n"
            "max_wal_senders = 5\nhot_standby = on\nmax_connections = 200\n"
        )
    pg("pg_ctl", "-D", str(primary), "-l", str(data / "primary.log"), "-w", "start")
    pg("createdb", "-h", HOST, "-p", str(PRIMARY_PORT), "-U", PG_USER, "site")
    # A fast checkpoint: the default spreads it over minutes.
    pg("pg_basebackup", "-h", HOST, "-p", str(PRIMARY_PORT), "-U", PG_USER,
       "-D", str(replica), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
    with open(replica / "postgresql.conf", "a") as conf:
        conf.write(f"port = {REPLICA_PORT}\n")
    pg("pg_ctl", "-D", str(replica), "-l", str(data / "replica.log"), "-w", "start")


def start_redis():
    folder = STATE / "redis"
    folder.mkdir(exist_ok=True)
    run("redis-server", "--bind", HOST, "--port", str(REDIS_PORT), "--daemonize", "yes",
        "--pidfile", str(folder / "redis.pid"), "--logfile", str(folder / "redis.log"),
        "--dir", str(folder), "--save", "", "--appendonly", "no")  # fmt: skip


def start_s3():
    """moto's S3 server, and the media bucket."""
    log = open(STATE / "moto.log", "w")  # noqa: SIM115 (the server's, kept open)
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", HOST, "-p", str(S3_PORT)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    (STATE / "moto.pid").write_text(str(server.pid))
    wait_for("moto", lambda: answers(f"http://{HOST}:{S3_PORT}/moto-api/"))
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=f"http://{HOST}:{S3_PORT}", region_name="us-east-1",
        aws_access_key_id="cluster", aws_secret_access_key="cluster-secret",
    )  # fmt: skip
    s3.create_bucket(Bucket=BUCKET)
    # Pages link logos by plain address (docs/operations.md, "Media"): anyone reads.
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{BUCKET}/*"}],
    }))  # fmt: skip


def manage(env, *args):
    run(str(BIN / "python"), "manage.py", *args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def start_app(name, env, *, workers=2, threads=8):
    """One app host: gunicorn, its static files and logs in its own folder."""
    folder = STATE / name
    folder.mkdir(exist_ok=True)
    env = env | {"STATIC_ROOT": str(folder / "static")}
    manage(env, "collectstatic", "--noinput", "-v0")
    run(str(BIN / "gunicorn"), "config.wsgi", "--config", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{APP_PORTS[name]}", "--worker-class", "gthread",
        "--workers", str(workers), "--threads", str(threads), "--daemon",
        "--pid", str(folder / "gunicorn.pid"), "--error-logfile", str(folder / "error.log"),
        "--control-socket", str(folder / "gunicorn.ctl"),
        cwd=ROOT, env=env)  # fmt: skip
    wait_for(name, lambda: answers(f"http://{HOST}:{APP_PORTS[name]}/robots.txt"))


NGINX_CONF = """\
worker_processes 2;
pid {state}/nginx/nginx.pid;
error_log {state}/nginx/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {state}/nginx/body;
    proxy_temp_path {state}/nginx/proxy;
    fastcgi_temp_path {state}/nginx/fastcgi;
    uwsgi_temp_path {state}/nginx/uwsgi;
    scgi_temp_path {state}/nginx/scgi;
    upstream app_hosts {{
{servers}
        keepalive 32;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://app_hosts;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A host that refuses or does not answer: the next one. nginx
            # retries a POST only when it was never sent (refused connection).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def start_nginx():
    folder = STATE / "nginx"
    folder.mkdir(exist_ok=True)
    servers = "\n".join(
        f"        server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in APP_PORTS.values()
    )
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(state=STATE, servers=servers, host=HOST, port=LB_PORT))
    run("nginx", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"))
    wait_for("nginx", lambda: answers(f"http://{HOST}:{LB_PORT}/robots.txt"))


def start(**extra):
    """Start everything; ``extra`` adds to the app hosts' environment."""
    if STATE.exists():
        raise SystemExit(f"{STATE} exists: a cluster runs (make cluster-stop first).")
    if not shutil.which("nginx"):
        run("apt-get", "install", "-y", "-qq", "nginx", stdout=subprocess.DEVNULL)
    STATE.mkdir(parents=True)
    start_postgres()
    start_redis()
    start_s3()
    env = environment(**extra)
    manage(env, "migrate", "--noinput")  # runs the checks: refuses host-local state
    if env.get("LOAD_DEMO", "1") == "1":
        manage(env, "load_demo")
    for name in APP_PORTS:
        start_app(name, env)
    start_nginx()
    return env


def pid_of(path):
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def kill(path, sig=signal.SIGTERM):
    """Signal the process named in a pid file and wait for it to end."""
    pid = pid_of(path)
    if pid is None:
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    gone(pid)


def gone(pid, wait=10):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def stop(remove=True):
    """Stop everything ``start`` started, then remove the state folder."""
    if not STATE.exists():
        print("No cluster runs.")
        return
    nginx = STATE / "nginx"
    pid = pid_of(nginx / "nginx.pid")
    if pid is not None:
        run("nginx", "-p", str(nginx), "-c", str(nginx / "nginx.conf"), "-s", "quit",
            check=False)  # fmt: skip
        gone(pid)
    for name in APP_PORTS:
        kill(STATE / name / "gunicorn.pid")
    kill(STATE / "redis" / "redis.pid")
    kill(STATE / "moto.pid")
    for server in ("replica", "primary"):
        data = STATE / "pg" / server
        if (data / "postmaster.pid").exists():
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    if remove:
        shutil.rmtree(STATE)
        print(f"Cluster stopped; {STATE} removed.")


def main():
    action = sys.argv[1] if len(sys.argv) > 1 else "start"
    if action == "stop":
        return stop()
    if action != "start":
        raise SystemExit(__doc__)
    try:
        start()
    except BaseException:
        print(f"Start failed: stopping what started; logs stay in {STATE}.", file=sys.stderr)
        stop(remove=False)
        raise
    print(f"Cluster up: open http://{HOST}:{LB_PORT}/ (nginx -> app hosts on ports "
          f"{', '.join(map(str, APP_PORTS.values()))}; state in {STATE}). "
          "make cluster-stop ends it.")  # fmt: skip


if __name__ == "__main__":
    main()

"""A backup must restore to the same catalogue (``make backup-check``).

On the PostgreSQL server DATABASE_URL names (its database name is used as
a prefix; nothing of it is touched): a fresh database gets the demo
catalogue; ``pg_dump -Fc`` dumps it; ``pg_restore`` restores the dump into
a second, fresh database; ``export_catalogue`` of both must be equal byte
for byte. Both databases are dropped at the end. Exits 1 on a difference.
docs/operations.md, "Backups", says how to run the same steps by hand.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (its server is used).")
    db = dj_database_url.parse(url)
    server = {"PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432),
              "PGUSER": db["USER"] or "postgres", "PGPASSWORD": db["PASSWORD"] or ""}  # fmt: skip
    source, restored = f"{db['NAME']}_backup_source", f"{db['NAME']}_backup_restored"
    env = os.environ | server
    pg_env = env | {"PGDATABASE": "postgres", "PGOPTIONS": "-c client_min_messages=warning"}

    def psql(sql):
        subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-qc", sql], env=pg_env, check=True)

    def site(name, *args):
        site_url = "postgres://{PGUSER}:{PGPASSWORD}@{PGHOST}:{PGPORT}/".format(**server) + name
        site_env = env | {"DATABASE_URL": site_url, "DEBUG": "1", "DATABASE_POOL": "0"}
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=site_env, check=True,
            capture_output=True,
        ).stdout  # fmt: skip

    for name in (source, restored):
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        psql(f'CREATE DATABASE "{source}"')
        site(source, "migrate", "--noinput")
        site(source, "load_demo")
        before = site(source, "export_catalogue", "-")
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "site.dump"
            subprocess.run(["pg_dump", "-Fc", "-f", str(dump), source], env=pg_env, check=True)
            psql(f'CREATE DATABASE "{restored}"')
            subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", restored,
                            str(dump)], env=pg_env, check=True)  # fmt: skip
            size = dump.stat().st_size
        after = site(restored, "export_catalogue", "-")
    finally:
        for name in (source, restored):
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"Dump: {size:,} bytes; catalogue export: {len(before):,} bytes before, "
          f"{len(after):,} after restore.")  # fmt: skip
    if before != after or not before:
        raise SystemExit("The restored database's catalogue differs from the original.")
    print("Restored catalogue identical, byte for byte.")


if __name__ == "__main__":
    main()

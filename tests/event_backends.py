"""Event store backends for the tests: SQLite always, and a throwaway PostgreSQL server.

The PostgreSQL server is Debian's `postgresql` package, started once per test process by initdb
and pg_ctl on a free port in a temporary folder. Where its binaries are missing the PostgreSQL
cases fail; LEVEL0_TEST_POSTGRES=0 leaves them out.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_servers import free_port

POSTGRES = os.environ.get("LEVEL0_TEST_POSTGRES", "1") != "0"
# Every PostgreSQL case runs in one xdist worker, so one server serves them all.
BACKENDS = ["sqlite"] + ([pytest.param("postgresql", marks=pytest.mark.xdist_group("postgres"))] if POSTGRES else [])
_SERVER = pytest.StashKey["PostgresServer"]()


class PostgresServer:
    """A PostgreSQL server of its own in a temporary folder, trusting local connections as `level0`."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError(
                "PostgreSQL server binaries are missing (no /usr/lib/postgresql/*/bin/initdb): install Debian's "
                "postgresql package (.ci/run does), or set LEVEL0_TEST_POSTGRES=0 to leave these tests out"
            )
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="level0-pg-"))
        self.port = free_port()
        # PostgreSQL refuses to run as root; CI runs as root, so the server runs as `postgres`.
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", "level0", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start"
        )

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_user, str(self.bin / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")

    def url(self, database: str) -> str:
        return f"postgresql://level0@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=level0 dbname=postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self) -> str:
        name = f"events_{uuid.uuid4().hex[:12]}"
        self._admin(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def postgres_server(request: pytest.FixtureRequest) -> PostgresServer:
    """Return this test process's PostgreSQL server, starting it on first use."""
    config = request.config
    server = config.stash.get(_SERVER, None)
    if server is None:
        server = PostgresServer()
        config.stash[_SERVER] = server
        config.add_cleanup(server.stop)
    return server


def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield an empty event store's URL for the fixture's backend parameter; drop it afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'events.db'}"
        return
    server = postgres_server(request)
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)

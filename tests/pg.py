"""A throwaway PostgreSQL server for the storage tests, and stores on both databases.

Starts Debian's PostgreSQL once per test session (`initdb` + `pg_ctl` on a temporary data
directory, loopback only, a free port, run as the `postgres` user when the tests run as root,
because PostgreSQL refuses to run as root). Each test gets its own fresh database. Without the
server the tests skip loudly; under CI=true they fail (`tests.conftest.missing`).

Fixtures: `pg_server` (session), `pg_url` (a fresh empty database), `any_store` (a migrated
Store, parametrized over sqlite and postgresql).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import missing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    datadir: Path
    run_as: list[str]
    bindir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def admin_execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.admin_execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _start() -> tuple[PgServer | None, str]:
    """Start a server; (server, "") or (None, why not)."""
    bindir = _pg_bin()
    if bindir is None:
        return None, "PostgreSQL (Debian package `postgresql`) is not installed"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "the psycopg package is not installed"
    run_as: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="firedrill-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            return None, "tests run as root and there is no `postgres` user to run the server as"
        if runuser is None:
            return None, "tests run as root and `runuser` is missing"
        run_as = [runuser, "-u", "postgres", "--"]
        os.chown(root, pw.pw_uid, pw.pw_gid)
    datadir = root / "data"
    port = _free_port()
    user = "firedrill"
    init = subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if init.returncode != 0:
        return None, f"initdb failed: {init.stderr.strip()[-500:]}"
    # Loopback only, socket in our own folder (not /var/run/postgresql), durability off: the data is
    # thrown away, and fsync would only slow the suite.
    opts = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=120"
    )
    start = subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            opts,
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if start.returncode != 0:
        log = (
            (root / "server.log").read_text(errors="replace")[-800:] if (root / "server.log").exists() else ""
        )
        return None, f"pg_ctl start failed: {start.stderr.strip()[-300:]} {log}"
    return PgServer("127.0.0.1", port, user, datadir, run_as, bindir), ""


def _stop(server: PgServer) -> None:
    subprocess.run(
        [
            *server.run_as,
            str(server.bindir / "pg_ctl"),
            "-D",
            str(server.datadir),
            "-m",
            "fast",
            "-w",
            "stop",
        ],
        capture_output=True,
        timeout=60,
    )
    shutil.rmtree(server.datadir.parent, ignore_errors=True)


_STATE: dict[str, object] = {}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (started on first use)."""
    if "server" not in _STATE:
        server, why = _start()
        _STATE["server"] = server
        _STATE["why"] = why
    server = _STATE["server"]
    if server is None:
        missing(f"no throwaway PostgreSQL server: {_STATE['why']}")
    yield server  # type: ignore[misc]


def pytest_sessionfinish(session, exitstatus):
    server = _STATE.pop("server", None)
    if isinstance(server, PgServer):
        _stop(server)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a fresh, empty PostgreSQL database for this test."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store_url(request, tmp_path) -> str:
    """A URL of an empty database, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'firedrill.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_store(any_store_url: str):
    """A migrated Store, on SQLite and on PostgreSQL."""
    from simulator.store import open_store

    store = open_store(any_store_url)
    yield store
    store.dispose()

"""The database engine and session handling, for SQLite and PostgreSQL alike.

SQLite gets WAL mode, a busy timeout and foreign keys on every connection, so twenty trainees
writing at once wait briefly instead of seeing "database is locked". The schema is created and
upgraded by Alembic migrations (`simulator/store/migrations`), never by ad-hoc DDL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DATABASE_URL_ENV = "FIREDRILL_DATABASE_URL"


class Base(DeclarativeBase):
    """Declarative base for every table; each store module adds its own tables to it."""


def default_sqlite_path() -> Path:
    """`data/firedrill.db` under the working directory. `make run` (and every make target) runs in
    the checkout, so that is the checkout's git-ignored data/; an installed firedrill keeps its
    database in the folder it is started from. Absolute, so a later chdir does not move it."""
    return Path.cwd() / "data" / "firedrill.db"


def database_url() -> str:
    """`FIREDRILL_DATABASE_URL`, else SQLite in `default_sqlite_path()`."""
    return os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{default_sqlite_path()}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        # A URI filename (`file:…?mode=ro&uri=true`) names a file that must already exist: making
        # its "parent" would create a stray `file:` folder in the working directory.
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Store:
    """A handle on one database: an engine plus a session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()

"""Schema creation and upgrades with Alembic, on SQLite and PostgreSQL alike.

Owns bringing any database to the newest revision in `simulator/store/migrations/versions`
(`upgrade`), comparing a database with the models (`schema_differences`), and generating the next
revision (`python -m simulator.store.migrate revision -m "what changed"`). It never creates tables
ad hoc; a database made by the pre-Alembic `create_all` is completed and stamped once.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import Base, Store, database_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# One upgrade at a time per process (AppTest, the CLI and the server may open stores in threads);
# across processes PostgreSQL takes an advisory lock and SQLite its write lock.
_LOCK = threading.Lock()
_PG_LOCK_KEY = 0x46495245  # "FIRE": any constant works, every firedrill server uses the same one
log = logging.getLogger("firedrill.migrate")


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """A store on `url` (FIREDRILL_DATABASE_URL, else the default SQLite file), its schema brought
    to the newest migration first unless `create=False`."""
    store = Store(url or database_url())
    if create:
        upgrade(store)
    return store


def load_models() -> None:
    """Import every store module so all tables are registered on Base.metadata. By name, found on
    disk: the package lists its modules, and this module must not import the package back."""
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name not in ("db", "migrate", "migrations") and not info.name.startswith("_"):
            importlib.import_module(f"{__package__}.{info.name}")


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        # ConfigParser interpolation would read a '%' in a password as a placeholder.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head", *, complete: bool = True) -> None:
    """Bring the database to `revision` (default: the newest). Safe to call on every start.

    With `complete`, a model table that no revision creates yet (someone added a model and has not
    generated its revision) is created anyway, with a warning naming it, so the app keeps working;
    `tests/postgres/test_store_backends.py` runs with complete=False and fails until the revision exists."""
    from alembic import command
    from sqlalchemy import inspect, text

    load_models()
    with _LOCK, store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several replicas starting together: the first migrates, the others wait and find it done.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        names = set(inspect(conn).get_table_names())
        cfg = alembic_config(store.url, conn)
        if names and "alembic_version" not in names:
            _adopt_legacy(conn, cfg, names)
        else:
            command.upgrade(cfg, revision)
        if complete and revision == "head":
            _create_unmigrated_tables(conn)


def _create_unmigrated_tables(conn: Connection) -> None:
    from sqlalchemy import inspect

    have = set(inspect(conn).get_table_names())
    missing = [t for t in Base.metadata.sorted_tables if t.name not in have]
    if missing:
        log.warning(
            "tables without a migration, created directly: %s — generate a revision with "
            "`python -m simulator.store.migrate revision -m ...`",
            ", ".join(t.name for t in missing),
        )
        Base.metadata.create_all(conn, tables=missing)


def _adopt_legacy(conn: Connection, cfg: Any, names: set[str]) -> None:
    """A database made by `create_all` before migrations existed: add what is missing, then mark it
    as the initial revision and apply anything newer. Data is kept."""
    from alembic import command
    from alembic.script import ScriptDirectory

    log.warning("database without a migration history (%d tables): completing and stamping it", len(names))
    Base.metadata.create_all(conn)
    base = ScriptDirectory.from_config(cfg).get_base()
    assert base is not None, "the migrations folder has an initial revision"
    command.stamp(cfg, base)
    command.upgrade(cfg, "head")


def schema_differences(store: Store) -> list[Any]:
    """What differs between the database and the models (empty when the migrations are complete)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    load_models()
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": Base.metadata})
        return [d for d in compare_metadata(ctx, Base.metadata) if not _ignorable(d)]


def _ignorable(diff: Any) -> bool:
    # Alembic's own bookkeeping table is not a model.
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "alembic_version"


def new_revision(message: str) -> str:
    """Autogenerate the next revision from the models against a fresh SQLite at head; returns its path."""
    from alembic import command

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'rev.db'}")
        try:
            if head_revision() is not None:
                upgrade(store)
            with store.engine.begin() as conn:
                script = command.revision(alembic_config(store.url, conn), message=message, autogenerate=True)
        finally:
            store.dispose()
    return str(script.path)  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m simulator.store.migrate", description="firedrill schema migrations (Alembic)"
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("revision", help="autogenerate the next revision from the models")
    r.add_argument("-m", "--message", required=True)
    u = sub.add_parser("upgrade", help="bring FIREDRILL_DATABASE_URL (or --url) to the newest revision")
    u.add_argument("--url")
    args = p.parse_args(argv)
    if args.cmd == "revision":
        print(new_revision(args.message))
        return 0
    store = Store(args.url or database_url())
    try:
        upgrade(store)
        print(f"at revision {current_revision(store)}")
    finally:
        store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

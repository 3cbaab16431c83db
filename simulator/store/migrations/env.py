"""Alembic environment for firedrill: the models of every store module, on SQLite or PostgreSQL.

Run programmatically by `simulator.store.migrate` (which hands over an open connection in
`config.attributes["connection"]`); there is no alembic.ini. SQLite gets batch mode so later
revisions can alter tables the only way SQLite allows (copy and swap).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from simulator.store.db import Base
from simulator.store.migrate import load_models

load_models()
config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: no sqlalchemy.url and no connection given")
    engine = create_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

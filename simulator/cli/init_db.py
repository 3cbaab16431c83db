"""`firedrill init-db`: create or upgrade the database and load the built-in content."""

from __future__ import annotations

import argparse

from ..services.catalogue import BUILTIN_SCENARIO_DIR, sync_builtin
from ..services.database import database_url, open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init-db", help="create/upgrade the database and load the built-in scenarios")
    p.add_argument("--url", help="database URL (default: FIREDRILL_DATABASE_URL or data/firedrill.db)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    url = args.url or database_url()
    store = open_store(url)
    try:
        loaded = sync_builtin(store, BUILTIN_SCENARIO_DIR)
    finally:
        store.dispose()
    shown = url.split("@")[-1] if "@" in url else url
    print(f"database ready: {shown}" + (f" ({loaded} built-in scenarios)" if loaded is not None else ""))
    return 0

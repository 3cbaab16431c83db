"""Opening the database for an entry point (the CLI, the server): the URL from the environment
or the default file, the schema brought up to date. Entry points get their `Store` here and
hand it to the other services."""

from __future__ import annotations

from ..store import Store, database_url, open_store

__all__ = ["Store", "database_url", "open_store"]

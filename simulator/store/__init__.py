"""Persistence: the only part of firedrill that talks to a database (SQLAlchemy 2).

Owns the engine (SQLite in ./data/ by default, PostgreSQL when FIREDRILL_DATABASE_URL says so), the
table models and the repository functions pages and the CLI call. No other core module imports
this package: callers load values here, hand them to pure core functions, and save what comes back.
Each area has its own module (attempts, people, scenarios, curriculum); `db` holds the engine.
"""

from .db import Base, Store, database_url
from .migrate import open_store

__all__ = ["Base", "Store", "database_url", "open_store"]

"""Schema creation and upgrades.

Until the Alembic migration chain is in place this creates the tables from the models; the
`upgrade` entry point is what every caller uses, so switching to Alembic changes only this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .db import Store


def load_models() -> None:
    """Import every store module so all tables are registered on Base.metadata."""
    from .. import store as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in ("db", "migrate") and not info.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")


def upgrade(store: Store) -> None:
    from .db import Base

    load_models()
    Base.metadata.create_all(store.engine)

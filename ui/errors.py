"""What a person sees when the database fails under a page: a clear message, never a traceback.

Owns translating storage failures (a stopped PostgreSQL server, an unwritable or full SQLite file,
a lock that outlived the busy timeout) into one sentence about what happened to their work. The
unit of work that failed was rolled back by `Store.session`, so nothing is half-written.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError


def describe_storage_error(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).lower()
    if "disk is full" in text or "no space left" in text or "disk full" in text:
        cause = "the server's disk is full"
    elif "readonly" in text or "read-only" in text or "permission denied" in text:
        cause = "the database file cannot be written"
    elif "locked" in text:
        cause = "the database stayed busy for too long"
    elif isinstance(exc, OperationalError) or "connection" in text or "server closed" in text:
        cause = "the database server cannot be reached"
    else:
        cause = "the database refused the change"
    return (
        f"Your last change was not saved: {cause}. Nothing was half-written — everything saved "
        "before it is intact. Try again in a moment; if it keeps happening, tell your trainer or "
        "administrator."
    )


STORAGE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, DBAPIError, SQLAlchemyError)

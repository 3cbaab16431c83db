"""What a person sees when the database fails under a page: a clear message, never a traceback.

Owns translating storage failures (a stopped PostgreSQL server, an unwritable or full SQLite file,
a lock that outlived the busy timeout) into one sentence about what happened to their work, and
`storage_guard`, the one way a page runs a unit of work that may meet one. The unit of work that
failed was rolled back by `Store.session`, so nothing is half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
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


@dataclass
class GuardedWork:
    """What `storage_guard` saw: whether the storage failed under the work it guarded."""

    failed: bool = False


@contextmanager
def storage_guard(*, stop: bool = False, warn: bool = False) -> Iterator[GuardedWork]:
    """Run a unit of work so that a storage failure becomes one sentence on the page, never a
    traceback: an error (a warning with `warn`, for a side record the person did not ask to
    save), logged for the operator. With `stop` the script run ends there; otherwise the page
    goes on and the caller reads `failed` to skip what assumed the work was saved."""
    work = GuardedWork()
    try:
        yield work
    except STORAGE_ERRORS as exc:
        work.failed = True
        logging.getLogger("firedrill").warning("storage error: %s", exc)
        show = st.warning if warn else st.error
        show(describe_storage_error(exc), icon=":material/database:")
        if stop:
            st.stop()

"""UTC handling shared by the store modules (SQLite returns naive datetimes for timezone columns)."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(dt: datetime) -> datetime:
    """`dt` as an aware UTC datetime: SQLite hands back naive values even for timezone=True columns,
    and everything firedrill stores is UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)

"""The app's wall clock: the one place the UI reads the time.

The core never reads a clock (`simulator/` takes `now` as an argument); pages and widgets call
`now()` here and pass the value down, or pass `now` itself to a widget that saves later.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware in UTC (every stored time is UTC)."""
    return datetime.now(UTC)

"""Prometheus-style durations ("30s", "5m", "1h30m") as pydantic field types.

Owns parsing and printing durations in every file format; values are seconds (float) so the
numeric core can use them directly. `Offset` also accepts a leading minus, for times before a
scenario's start (a deploy two hours earlier is `-2h`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0, "y": 31536000.0}
_DURATION_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_ALLOWED = "a duration like 30s, 5m, 1h30m or 2d (units ms, s, m, h, d, w, y)"
# Prometheus stores a duration as int64 nanoseconds and refuses anything longer ("duration out of
# range"); so does firedrill, so that `99999999999y` is a clear error rather than an overflow later.
MAX_DURATION_MS = (2**63 - 1) // 1_000_000
MAX_DURATION_TEXT = "292y"


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus duration string; raises ValueError naming what is allowed."""
    if not isinstance(text, str):
        raise ValueError(f"expected {_ALLOWED}")
    s = text.strip()
    m = _DURATION_RE.match(s)
    if not s or not m or not any(m.groups()):
        raise ValueError(f"bad duration {text!r}; allowed: {_ALLOWED}")
    parts = [int(g) if g else 0 for g in m.groups()]
    y, w, d, h, mi, sec, ms = parts
    # Summed in whole milliseconds (exact integers) so the range check cannot itself overflow.
    total_ms = ((((y * 365 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + sec) * 1000 + ms
    if total_ms > MAX_DURATION_MS:
        raise ValueError(
            f"duration {s!r} is out of range; at most {MAX_DURATION_TEXT} (about 292 years) is allowed"
        )
    return total_ms / 1000.0


def format_duration(seconds: float) -> str:
    """Shortest Prometheus spelling of a duration: 90 -> '1m30s', 0 -> '0s'."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    ms_total = round(seconds * 1000)
    if ms_total == 0:
        return "0s"
    out = ""
    for unit, size_ms in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        n, ms_total = divmod(ms_total, size_ms)
        if n:
            out += f"{n}{unit}"
    return out


def _duration(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected {_ALLOWED}")
    if isinstance(value, (int, float)) and value == 0:
        return 0.0
    return parse_duration(value)


def _offset(value: Any) -> float:
    if isinstance(value, str) and value.strip().startswith("-"):
        return -_duration(value.strip()[1:])
    return _duration(value)


_SCHEMA = {"type": "string", "pattern": r"^(\d+(ms|s|m|h|d|w|y))+$", "examples": ["30s", "5m", "1h30m"]}
_OFFSET_SCHEMA = {"type": "string", "pattern": r"^-?(\d+(ms|s|m|h|d|w|y))+$", "examples": ["20m", "-2h"]}

Duration = Annotated[
    float,
    BeforeValidator(_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(_SCHEMA),
]
"""A non-negative duration in seconds, written like `5m`."""

Offset = Annotated[
    float,
    BeforeValidator(_offset),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(_OFFSET_SCHEMA),
]
"""A time relative to a scenario's start, in seconds; may be negative (`-2h`)."""

"""Timing helpers and the machine description every benchmark result is written with."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    # /proc may be missing or unusual (not Linux): the description is then simply shorter
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.system()}"


def timed(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def save(name: str, result: dict) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps({"machine": machine(), **result}, indent=2))


async def release_together(
    trainees: Sequence, tasks: Sequence[asyncio.Task], gate: asyncio.Event, ready_within: float, poll: float
) -> float:
    """Wait (at most `ready_within` s) until every simulated trainee is signed in and on the Drill
    page (`.ready`) or has given up, open `gate` so all drills start together, and return the wall
    seconds until every trainee's task is done."""
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline and not all(
        t.ready or task.done() for t, task in zip(trainees, tasks, strict=True)
    ):
        await asyncio.sleep(poll)
    t0 = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    return time.perf_counter() - t0

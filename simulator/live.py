"""What a live drill view needs, computed only when something changed.

Owns the per-attempt cache of drill states (keyed by the log's last sequence number and the
trace tick, so an action or the clock crossing a sample invalidates it and nothing else does),
and `next_change`, the next simulated moment at which what the trainee sees changes (a page, a
chat message, an alert changing state, the time-left warning, the end). A live page sleeps until
then instead of recomputing the drill every second. Pure and deterministic: no clock, no store.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from .drill import Drill, DrillState, Event, state_at, world

# The trainee is warned this many simulated seconds before the scenario's time runs out.
TIME_LEFT_WARNING = 300.0


def last_seq(events: Sequence[Event]) -> int:
    """The log's version for the live view: the newest sequence number of an event that changes
    what the trainee sees. A `clock.seen` heartbeat changes nothing on screen (it only tells the
    clock a server held the session), so it does not invalidate the cached state and schedule."""
    return max((e.seq for e in events if e.kind != "clock.seen"), default=0)


def trace_tick(drill: Drill, now: float) -> int:
    """The index of the trace sample the drill is at: the live view's unit of simulated time."""
    now = max(0.0, min(float(now), drill.duration))
    return math.floor(now / float(drill.scenario.clock.step) + 1e-9)


def tick_start(drill: Drill, tick: int) -> float:
    return min(drill.duration, tick * float(drill.scenario.clock.step))


def state_moment(drill: Drill, events: Sequence[Event], tick: int) -> float:
    """The simulated moment the cached state shows: the tick's start, or the latest event in the
    tick when later (an action taken mid-tick, say while paused, shows at once). A function of
    the log and the tick alone, so the same key always gives the same state."""
    start = tick_start(drill, tick)
    end = tick_start(drill, tick + 1)
    inside = [e.at_offset for e in events if start <= e.at_offset < end]
    return max([start, *inside])


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    size: int


class StateCache:
    """Drill states by (attempt, last event seq, trace tick), least recently used dropped first.

    The state is computed at `state_moment` (the tick's start, or its latest event), so the same
    log and tick always give the same state whichever moment inside the tick asked. Thread-safe: one cache serves every
    session of a server process."""

    def __init__(self, max_entries: int = 512) -> None:
        self._states: OrderedDict[tuple[Hashable, int, int], DrillState] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def state(self, attempt: Hashable, drill: Drill, events: Sequence[Event], now: float) -> DrillState:
        tick = trace_tick(drill, now)
        key = (attempt, last_seq(events), tick)
        with self._lock:
            hit = self._states.get(key)
            if hit is not None:
                self._states.move_to_end(key)
                self.hits += 1
                return hit
        state = state_at(drill, events, state_moment(drill, events, tick))
        with self._lock:
            self.misses += 1
            self._states[key] = state
            while len(self._states) > self._max:
                self._states.popitem(last=False)
        return state

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self.hits, self.misses, len(self._states))


def change_points(drill: Drill, events: Sequence[Event]) -> tuple[float, ...]:
    """Every simulated moment at which the live view changes, given the log so far (a later
    action changes the log and so the answer): pages, chat lines, alert state changes, the
    time-left warning and the end."""
    horizon = state_at(drill, events, drill.duration)
    times = {p.at for p in horizon.pages}
    times.update(m.at for m in horizon.chat)
    applied = tuple(sorted(horizon.incident.mitigations))
    times.update(tr.at for tr in world(drill, applied).timeline.transitions())
    times.add(max(0.0, drill.duration - TIME_LEFT_WARNING))
    times.add(drill.duration)
    return tuple(sorted(t for t in times if 0.0 <= t <= drill.duration))


class ChangeSchedule:
    """`change_points` per (attempt, last seq), shared by every session like `StateCache`."""

    def __init__(self, max_entries: int = 256) -> None:
        self._points: OrderedDict[tuple[Hashable, int], tuple[float, ...]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def next_change(
        self, attempt: Hashable, drill: Drill, events: Sequence[Event], now: float
    ) -> float | None:
        """The first change point after the trace tick holding `now` (None: nothing more changes).

        Tick-aligned like `StateCache`: a page at 535 s with a 15 s step shows from 540 s."""
        key = (attempt, last_seq(events))
        with self._lock:
            points = self._points.get(key)
        if points is None:
            points = change_points(drill, events)
            with self._lock:
                self._points[key] = points
                while len(self._points) > self._max:
                    self._points.popitem(last=False)
        current = trace_tick(drill, now)
        for t in points:
            tick = trace_tick(drill, t)
            if t > tick_start(drill, tick) + 1e-9:
                tick += 1  # a moment inside a tick shows from the next one
            if tick > current:
                return tick_start(drill, tick)
        return None

"""The investigation consoles a trainee uses on shift: dashboards, logs, database, deploys, status.

Owns `ConsoleWorld`, the view of a scenario as of the drill's current time that every console
reads, and the names of the events a console reports. Each console lives in its own module; none
of them decides whether an action was right (the drill and scoring do that).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from ..scenario import LoadedScenario, Mitigation, Scenario
from ..timeseries import Trace

# Console names, as `Diagnosis.evidence` in a scenario's answer spells them.
DASHBOARDS = "dashboards"
LOGS = "logs"
DATABASE = "database"
DEPLOYS = "deploys"
INFRASTRUCTURE = "infrastructure"
CONSOLES = (DASHBOARDS, LOGS, DATABASE, DEPLOYS, INFRASTRUCTURE)

# Event kinds a console reports through `on_event(kind, detail)`; `detail["console"]` names it.
LOOK = "console_look"  # opened a console or changed what it shows
QUERY = "console_query"  # ran a search, an SQL statement or a PromQL expression
ACTION = "console_action"  # terminated a backend or reverted a deploy: a possible mitigation


@dataclass(frozen=True, eq=False)
class ConsoleWorld:
    """A scenario as the trainee can see it at `now` (seconds from the scenario start).

    `trace` may be the whole run: consoles only ever read `visible_trace`, cut at `now`.
    `killed_pids` are backends already terminated or cancelled, `reverted` the shas already
    reverted, `mitigations` the mitigation ids already applied, `ended_effects` the incident
    effect ids a mitigation stopped, with the offset at which they stopped.
    """

    loaded: LoadedScenario
    trace: Trace
    now: float
    seed: int
    killed_pids: frozenset[int] = frozenset()
    reverted: frozenset[str] = frozenset()
    mitigations: tuple[str, ...] = ()
    ended_effects: tuple[tuple[str, float], ...] = field(default=())

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    @property
    def wall_now(self) -> datetime:
        return self.scenario.clock.start + timedelta(seconds=self.now)

    def wall(self, offset: float) -> datetime:
        return self.scenario.clock.start + timedelta(seconds=offset)

    @cached_property
    def visible_trace(self) -> Trace:
        return self.trace.until(self.now)

    def effect_end(self, effect_id: str | None) -> float | None:
        """When a mitigation stopped incident effect `effect_id`, or None if it still runs."""
        if effect_id is None:
            return None
        for eid, at in self.ended_effects:
            if eid == effect_id:
                return at
        return None


def mitigation_by_id(scenario: Scenario, mitigation_id: str | None) -> Mitigation | None:
    for m in scenario.answer.mitigations:
        if m.id == mitigation_id:
            return m
    return None


def derived_seed(seed: int, name: str) -> int:
    """A 63-bit seed for (seed, name), stable across runs and Python versions (never `hash()`)."""
    digest = hashlib.sha256(f"{seed}\x00consoles\x00{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)

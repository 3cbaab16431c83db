"""The investigation consoles a trainee uses on shift: dashboards, logs, database, deploys, status.

Owns `ConsoleWorld`, the view of a scenario as of the drill's current time that every console
reads, and the names of the events a console reports. Each console lives in its own module; none
of them decides whether an action was right (the drill and scoring do that).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from ..scenario import DbSession, Deploy, LoadedScenario, Mitigation, Scenario
from ..timeseries import Trace

# Console names, as `Diagnosis.evidence` in a scenario's answer spells them.
DASHBOARDS = "dashboards"
LOGS = "logs"
DATABASE = "database"
DEPLOYS = "deploys"
INFRASTRUCTURE = "infrastructure"
CONSOLES = (DASHBOARDS, LOGS, DATABASE, DEPLOYS, INFRASTRUCTURE)

# Event kinds a console reports through `on_event(kind, detail)`. Every detail has "console"
# (one of CONSOLES) and "detail" (one line for the debrief's evidence trail). They mirror the
# drill's actions: LOOK is `actions.Look(console, detail)`, MITIGATE is
# `actions.Mitigate(mitigation=detail["mitigation"])`; CONSOLE_ACTION is a terminate or revert
# that stands for no mitigation of the scenario (the drill may record it as a look).
LOOK = "look"
MITIGATE = "mitigate"
CONSOLE_ACTION = "console_action"


@dataclass(frozen=True, eq=False)
class ConsoleWorld:
    """A scenario as the trainee can see it at `now` (seconds from the scenario start).

    `trace` may be the whole run (already reflecting applied mitigations): consoles only ever
    read `visible_trace`, cut at `now`. `mitigations` are the mitigation ids applied so far,
    as ids or as `(offset, id)` pairs (what `drill.applied_mitigations` returns); a console
    derives from them which backends are gone, which deploys were reverted and which evidence
    stopped. `killed_pids` and `reverted` add backends terminated and shas reverted that stand
    for no mitigation (the Sandbox keeps those itself).
    """

    loaded: LoadedScenario
    trace: Trace
    now: float
    seed: int
    killed_pids: frozenset[int] = frozenset()
    reverted: frozenset[str] = frozenset()
    mitigations: tuple[str | tuple[float, str], ...] = ()

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

    @cached_property
    def applied(self) -> tuple[tuple[float, str], ...]:
        """Applied mitigations as (offset, id), none later than `now`; an id given without a
        time counts from `now`."""
        out = []
        for m in self.mitigations:
            if isinstance(m, str):
                out.append((self.now, m))
            elif float(m[0]) <= self.now:
                out.append((float(m[0]), str(m[1])))
        return tuple(sorted(out))

    @cached_property
    def ended_effects(self) -> dict[str, float]:
        """Incident effect id -> offset at which it is over: when an applied mitigation ended it,
        plus that mitigation's recovery time (the metrics take as long to return to normal)."""
        out: dict[str, float] = {}
        for at, mid in self.applied:
            m = mitigation_by_id(self.scenario, mid)
            if m is None:
                continue
            for eid in m.ends:
                out.setdefault(eid, at + m.recovery)
        return out

    @cached_property
    def gone_pids(self) -> frozenset[int]:
        """Backends no longer there: terminated directly, or by an applied kill mitigation."""
        applied = {mid for _, mid in self.applied}
        pids = set(self.killed_pids)
        db = self.scenario.evidence.database
        for s in db.sessions if db else ():
            if session_mitigation(self.scenario, s) in applied:
                pids.update(range(s.pid, s.pid + s.connections))
        return frozenset(pids)

    @cached_property
    def reverted_at(self) -> dict[str, float]:
        """Short or full sha -> offset it was reverted at (directly, or by a revert mitigation)."""
        out = {sha: self.now for sha in self.reverted}
        for at, mid in self.applied:
            for d in self.scenario.evidence.deploys:
                if deploy_mitigation(self.scenario, d) == mid:
                    out.setdefault(d.sha, at)
        return out


def session_mitigation(scenario: Scenario, session: DbSession) -> str | None:
    """The mitigation that terminating this scenario session stands for.

    A session names it in `mitigation`; when no session of the scenario names one, an active
    session maps to the scenario's only `kill_query` mitigation (if it has exactly one).
    """
    if session.mitigation:
        return session.mitigation
    db = scenario.evidence.database
    if db and any(s.mitigation for s in db.sessions):
        return None
    kill = [m.id for m in scenario.answer.mitigations if m.kind == "kill_query"]
    return kill[0] if session.state == "active" and len(kill) == 1 else None


def deploy_mitigation(scenario: Scenario, deploy: Deploy) -> str | None:
    """The mitigation reverting this scenario deploy stands for: named on the deploy, or a
    `revert` mitigation whose label or id mentions its short sha."""
    if deploy.mitigation:
        return deploy.mitigation
    short = deploy.sha[:7]
    for m in scenario.answer.mitigations:
        if m.kind == "revert" and (short in m.label or short in m.id):
            return m.id
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

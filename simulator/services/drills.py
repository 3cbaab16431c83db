"""One trainee's drill attempt as a use case: start it, record actions on its clock, pause or end
it, finish and score it, and re-score it for the debrief.

Each function loads the attempt's event log from `simulator.store.attempts` (the repository),
asks the pure core what it means (`simulator.drill.DrillClock`, `simulator.scoring`) and appends
or saves the result. The read-only queries pages need are re-exported here so a page talks to
this module only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import content
from ..actions import Action, action_payload, load_responses
from ..drill import Drill, DrillClock, Event
from ..policy import Policy
from ..reports import Debrief, debrief
from ..scenario import parse_scenario
from ..scoring import Scorecard, score_drill
from ..store import Store
from ..store.attempts import (
    Attempt,
    ScoredAttempt,
    append_event,
    attempts_for_user,
    create_attempt,
    events_for,
    events_for_clock,
    finish_attempt,
    get_attempt,
    scored_attempts,
)
from ..store.report_notes import MAX_REPORT, save_own_report
from ..yamlio import FormatError

__all__ = [
    "MAX_REPORT",
    "Attempt",
    "DrillReview",
    "ScoredAttempt",
    "attempts_for_user",
    "clock_control",
    "drill_for",
    "events_for",
    "events_for_clock",
    "finish_and_score",
    "get_attempt",
    "now_offset",
    "record_action",
    "record_heartbeat",
    "review",
    "save_own_report",
    "scored_attempts",
    "start_attempt",
]

# The built-in pack (package data): where a stored scenario's `include`s are resolved from.
BUILTIN_SCENARIO_DIR = content.SHIPPED_SCENARIO_DIR
CLOCK_CONTROLS = ("clock.pause", "clock.resume", "clock.speed", "clock.end")


def drill_for(
    attempt: Attempt, scenario_dir: str | Path | None = None, policy: Policy | None = None, team: Any = None
) -> Drill:
    """The `Drill` exactly as the attempt ran it: the stored scenario text, its seed, the policy."""
    base = Path(scenario_dir) if scenario_dir is not None else BUILTIN_SCENARIO_DIR
    loaded = parse_scenario(
        attempt.scenario_text, attempt.scenario_source or f"{attempt.scenario_id}.yaml", base
    )
    return Drill.create(loaded, attempt.seed, policy, team)


def start_attempt(
    store: Store,
    *,
    user_id: int | None,
    username: str,
    drill: Drill,
    speed: float,
    now: datetime,
    clock_id: int | None = None,
) -> int:
    """Create the attempt and, unless it runs on a shared clock, start its own clock now."""
    aid = create_attempt(
        store,
        user_id=user_id,
        username=username,
        loaded=drill.loaded,
        seed=drill.seed,
        policy_hash=drill.policy.content_hash,
        speed=speed,
        now=now,
        clock_id=clock_id,
    )
    if clock_id is None:
        append_event(
            store, aid, Event(0, 0.0, "clock.start", {"speed": float(speed), "offset": 0.0}, "trainee", now)
        )
    return aid


def now_offset(store: Store, attempt_id: int, drill: Drill, now: datetime) -> float:
    """Simulated seconds into the attempt at wall time `now`."""
    return DrillClock.from_events(events_for(store, attempt_id), drill.duration).offset_at(now)


def record_action(
    store: Store, attempt_id: int, drill: Drill, action: Action, now: datetime, actor: str = "trainee"
) -> Event:
    """Stamp an action with the simulated time now and commit it. Refused once the drill has ended."""
    att = get_attempt(store, attempt_id)
    if att is None:
        raise KeyError(attempt_id)
    clock = DrillClock.from_events(events_for(store, attempt_id), drill.duration)
    if clock.ended or att.status != "running":
        raise ValueError("this drill has ended; no more actions can be recorded")
    payload = action_payload(action)
    kind = payload.pop("action")
    if clock.out_of_time(now) and kind != "write_report":
        # Stamping it at the scenario's last second would score it as if it had happened then.
        raise ValueError(
            f"Drill time is over (the scenario ended at {drill.hhmm(drill.duration)}), so this can no "
            "longer happen in it. Write your post-incident report, then finish and open the debrief."
        )
    return append_event(store, attempt_id, Event(0, clock.offset_at(now), kind, payload, actor, now))


def record_heartbeat(store: Store, attempt_id: int, drill: Drill, now: datetime, *, resumed: bool) -> Event:
    """Note that a live page holds the attempt now (`clock.seen`): time nobody held it does not
    count on its clock. `resumed` marks a new server session picking the drill up."""
    clock = DrillClock.from_events(events_for(store, attempt_id), drill.duration)
    return append_event(
        store,
        attempt_id,
        Event(0, clock.offset_at(now), "clock.seen", {"resumed": bool(resumed)}, "system", now),
    )


def clock_control(
    store: Store, attempt_id: int, kind: str, now: datetime, speed: float | None = None
) -> Event:
    """Pause, resume, change speed or end an attempt's own clock (a cohort's clock is the trainer's)."""
    if kind not in CLOCK_CONTROLS:
        raise ValueError(f"unknown clock control {kind!r} (allowed: {', '.join(CLOCK_CONTROLS)})")
    att = get_attempt(store, attempt_id)
    if att is None:
        raise KeyError(attempt_id)
    if att.clock_id is not None and kind != "clock.end":
        raise ValueError("this drill runs on the cohort's shared clock")
    # Only the offset is wanted here, so no scenario is needed: a clock that never runs out.
    clock = DrillClock.from_events(events_for(store, attempt_id), 10**9)
    payload: dict[str, Any] = {"speed": float(speed)} if kind == "clock.speed" and speed is not None else {}
    return append_event(store, attempt_id, Event(0, clock.offset_at(now), kind, payload, "trainee", now))


def finish_and_score(store: Store, attempt_id: int, drill: Drill, now: datetime) -> dict[str, Any]:
    """End the clock (if running), score the log and store the scorecard."""
    events = events_for(store, attempt_id)
    if not DrillClock.from_events(events, drill.duration).ended:
        att = get_attempt(store, attempt_id)
        if att is not None and att.clock_id is None:
            clock_control(store, attempt_id, "clock.end", now)
        else:
            append_event(
                store,
                attempt_id,
                Event(0, now_offset(store, attempt_id, drill, now), "clock.end", {}, "trainee", now),
            )
        events = events_for(store, attempt_id)
    card = score_drill(drill, events).to_dict()
    reports = [e for e in events if e.kind == "write_report"]
    finish_attempt(
        store,
        attempt_id,
        score=card,
        now=now,
        report_markdown=reports[-1].payload.get("markdown", "") if reports else None,
    )
    return card


@dataclass(frozen=True)
class DrillReview:
    """A finished attempt re-scored from its log, as the debrief shows it."""

    events: list[Event]
    card: Scorecard
    expert: Any
    debrief: Debrief


def review(
    store: Store, attempt_id: int, drill: Drill, scenario_dir: str | Path | None = None
) -> DrillReview:
    """Re-score the attempt's log (the same scoring as `finish_and_score`, so the debrief shows the
    stored score) and lay it beside the scenario's expert path when the pack has one."""
    events = events_for(store, attempt_id)
    card = score_drill(drill, events)
    base = Path(scenario_dir) if scenario_dir is not None else BUILTIN_SCENARIO_DIR
    expert_file = base / f"{drill.scenario.id}.expert.yaml"
    expert = None
    if expert_file.is_file():
        try:
            expert = load_responses(
                expert_file.read_text(encoding="utf-8"), str(expert_file), drill.scenario
            ).timed()
        except FormatError:
            # A broken expert file is reported by `firedrill validate`; the debrief goes on without it.
            expert = None
    return DrillReview(events, card, expert, debrief(drill, events, card, expert))

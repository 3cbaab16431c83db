"""Cohort drills as use cases: a trainer schedules a drill for a cohort on one shared clock, starts,
pauses, resumes and ends it; each trainee joins with one attempt of their own; at the end every
attempt still running is finished and scored against the scenario version it ran.

The state machine (`next_status`) is pure; the rows are read and written through
`simulator.store.cohorts` and the shared clock through `simulator.store.attempts`. The cohort
queries pages need are re-exported here so a page talks to this module only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..accounts import AccountError
from ..drill import Drill
from ..store import Store
from ..store import attempts as attempt_repo
from ..store import cohorts as cohort_repo
from ..store._time import as_utc
from ..store.audit import record_audit
from ..store.cohorts import (
    Cohort,
    CohortDrill,
    add_member,
    cohort_drills,
    cohort_members,
    cohorts_of,
    create_cohort,
    drill_participants,
    get_cohort,
    get_cohort_drill,
    list_cohorts,
    open_drills_for,
    participant_attempt,
    remove_member,
    set_cohort_start,
)
from . import drills

__all__ = [
    "CONTROLS",
    "Cohort",
    "CohortDrill",
    "add_member",
    "cohort_drills",
    "cohort_members",
    "cohorts_of",
    "control_cohort_drill",
    "create_cohort",
    "drill_participants",
    "get_cohort",
    "get_cohort_drill",
    "join_cohort_drill",
    "list_cohorts",
    "next_status",
    "open_drills_for",
    "participant_attempt",
    "participant_scores",
    "remove_member",
    "schedule_cohort_drill",
    "score_cohort_drill",
    "set_cohort_start",
]

# Which trainer control is allowed from which status, and where it leads:
# scheduled → running ⇄ paused → ended (ending is allowed from any status but ended).
_TRANSITIONS: dict[str, dict[str, str]] = {
    "start": {"scheduled": "running"},
    "pause": {"running": "paused"},
    "resume": {"paused": "running"},
    "end": {"scheduled": "ended", "running": "ended", "paused": "ended"},
}
CONTROLS = tuple(_TRANSITIONS)


def next_status(control: str, status: str) -> str:
    """The drill's status after the trainer's `control`, or AccountError saying why not."""
    if control not in _TRANSITIONS:
        raise AccountError(f"unknown control {control!r} (allowed: {', '.join(CONTROLS)})")
    new = _TRANSITIONS[control].get(status)
    if new is None:
        raise AccountError(f"cannot {control} a drill that is {status}")
    return new


def schedule_cohort_drill(
    store: Store,
    cohort_id: int,
    scenario_id: str,
    seed: int,
    actor: str,
    now: datetime,
    speed: float = 1.0,
    scheduled_for: datetime | None = None,
) -> CohortDrill:
    """A drill for the whole cohort on one shared clock (not started until the trainer starts it)."""
    cohort = get_cohort(store, cohort_id)
    if cohort is None:
        raise AccountError("no such cohort")
    if speed <= 0:
        raise AccountError("the speed must be positive")
    clock_id = attempt_repo.create_cohort_clock(
        store,
        name=f"{cohort.name}: {scenario_id}",
        scenario_id=scenario_id,
        speed=float(speed),
        now=as_utc(now),
    )
    drill = cohort_repo.insert_cohort_drill(
        store,
        cohort_id=cohort.id,
        scenario_id=scenario_id,
        seed=seed,
        speed=speed,
        clock_id=clock_id,
        actor=actor,
        now=now,
        scheduled_for=scheduled_for,
    )
    record_audit(
        store,
        actor,
        "schedule_cohort_drill",
        cohort.name,
        f"drill {drill.id}: {scenario_id}, seed {seed}, speed {speed:g}×",
        at=now,
    )
    return drill


def control_cohort_drill(store: Store, drill_id: int, control: str, actor: str, now: datetime) -> CohortDrill:
    """start | pause | resume | end, on the shared clock every trainee's attempt follows.

    The status changes first, under a row lock, so two trainers pressing Start at once start the
    clock once (the second is told the drill is already running)."""
    if control not in _TRANSITIONS:
        raise AccountError(f"unknown control {control!r} (allowed: {', '.join(CONTROLS)})")
    drill = cohort_repo.update_cohort_drill_status(
        store, drill_id, lambda status: next_status(control, status), now
    )
    at = as_utc(now)
    if control == "start":
        attempt_repo.start_clock(store, drill.clock_id, at)
    elif control == "pause":
        attempt_repo.pause_clock(store, drill.clock_id, at)
    elif control == "resume":
        attempt_repo.resume_clock(store, drill.clock_id, at)
    elif control == "end" and drill.started_at is not None:
        attempt_repo.end_clock(store, drill.clock_id, at)
    record_audit(store, actor, f"{control}_cohort_drill", f"drill {drill_id}", f"now {drill.status}", at=now)
    return drill


def join_cohort_drill(
    store: Store, drill_id: int, user_id: int, username: str, drill_engine: Drill, now: datetime
) -> int:
    """The attempt this trainee works in the cohort drill, created on first join (joining again
    returns the same attempt, so a reload or a second tab never forks the trainee's log)."""
    cd = get_cohort_drill(store, drill_id)
    if cd is None:
        raise AccountError("no such cohort drill")
    existing = participant_attempt(store, drill_id, user_id)
    if existing is not None:
        return existing
    if not cd.joinable:
        raise AccountError("this drill has ended")
    if not cohort_repo.is_member(store, cd.cohort_id, user_id):
        raise AccountError("you are not a member of this drill's cohort")
    if not cohort_repo.add_participant(store, cd.id, user_id, now):
        # The other tab won the race; take its attempt if it has one by now.
        existing = participant_attempt(store, drill_id, user_id)
        if existing is not None:
            return existing
        raise AccountError("joining is in progress in another tab; try again in a moment")
    aid = drills.start_attempt(
        store,
        user_id=user_id,
        username=username,
        drill=drill_engine,
        speed=cd.speed,
        now=as_utc(now),
        clock_id=cd.clock_id,
    )
    cohort_repo.set_participant_attempt(store, cd.id, user_id, aid)
    record_audit(store, username, "join_cohort_drill", f"drill {drill_id}", f"attempt {aid}", at=now)
    return aid


def score_cohort_drill(store: Store, drill_id: int, now: datetime) -> dict[str, dict[str, Any]]:
    """Finish and score every joined attempt still running, each against the scenario version it
    ran: the attempt stored that version's text when its trainee joined, so a trainer editing the
    scenario mid-drill changes nobody's score, and the debrief (which re-scores from the same
    stored text) shows the score that was stored. Returns username → scorecard for those scored."""
    scored: dict[str, dict[str, Any]] = {}
    for username, aid in drill_participants(store, drill_id).items():
        att = drills.get_attempt(store, aid)
        if att is None or att.status != "running":
            continue
        scored[username] = drills.finish_and_score(store, aid, drills.drill_for(att), now)
    return scored


def participant_scores(store: Store, drill_id: int) -> dict[str, dict[str, Any] | None]:
    """username → the stored scorecard of each trainee who joined (None until it is scored)."""
    scores: dict[str, dict[str, Any] | None] = {}
    for username, aid in drill_participants(store, drill_id).items():
        att = drills.get_attempt(store, aid)
        scores[username] = att.score if att is not None else None
    return scores

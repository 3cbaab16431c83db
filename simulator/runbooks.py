"""Runbook exercises: the runbook file format, a stateful step-by-step run, and per-step scoring.

Owns `data/runbooks/*.yaml` (the seed's four runbooks as practice exercises: actions with their
simulated results, the expected steps in order, verification steps and the traps a careless
engineer falls into) and the pure engine that replays a trainee's actions and scores them.
It does not store runs (see `simulator.store.curriculum`) nor render them (pages/runbooks.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from . import content
from .yamlio import load_model_file, load_model_text

# Where they are read from at import time; `load_runbooks()` asks `simulator.content` at each call.
DEFAULT_DIR = content.path("runbooks")
ID_RE = r"^[a-z0-9][a-z0-9_-]*$"
State = dict[str, bool | str | int]

IN_ORDER = 1.0  # a step done once everything before it is done
OUT_OF_ORDER = 0.5  # done, but before a step it depends on: the right command at the wrong time
TRAP_PENALTY = 0.25  # per trap, on top of failing the exercise


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Output(Model):
    """A simulated result, shown when the state matches `when` (all keys equal)."""

    when: dict[str, bool | str | int] = Field(default_factory=dict)
    text: str


class Trap(Model):
    """A mistake this action can be. With `unless`, it is a trap only when the state does not match
    (restarting while still in the load balancer); without it, doing the action at all is the trap
    (revoking the wrong key)."""

    unless: dict[str, bool | str | int] | None = None
    message: str = Field(description="What went wrong, shown to the trainee")
    sets: dict[str, bool | str | int] = Field(default_factory=dict, description="The damage done")


class Action(Model):
    id: str = Field(pattern=ID_RE)
    label: str = Field(description="What the trainee picks, e.g. 'Drain api-2 from the load balancer'")
    command: str = Field("", description="The command it stands for, shown as code")
    requires: dict[str, bool | str | int] = Field(
        default_factory=dict, description="State needed for the action to take effect"
    )
    blocked: str = Field("", description="Result shown when `requires` is not met (nothing changes)")
    sets: dict[str, bool | str | int] = Field(default_factory=dict)
    outputs: list[Output] = Field(min_length=1, description="First match wins; end with one without `when`")
    trap: Trap | None = None


class StepSpec(Model):
    id: str = Field(pattern=ID_RE)
    title: str
    action: str = Field(description="The action that completes this step")
    verify: bool = Field(False, description="A verification step: checks the outcome rather than changes it")
    after: list[str] | None = Field(
        None, description="Steps that must come first; default: every earlier step"
    )
    why: str = Field("", description="Shown in the debrief: why this step, why here")


class Runbook(Model):
    id: str = Field(pattern=ID_RE)
    title: str
    summary: str
    situation: str = Field(description="What the trainee is told when the exercise starts")
    environment: str = Field(
        "dev", description="Where this is practised: dev, staging (the seed's 'practice in dev')"
    )
    pass_mark: float = Field(0.8, ge=0, le=1)
    state: dict[str, bool | str | int] = Field(default_factory=dict)
    actions: list[Action] = Field(min_length=2)
    steps: list[StepSpec] = Field(min_length=2)

    @model_validator(mode="after")
    def _references(self) -> Runbook:
        problems: list[str] = []
        action_ids = [a.id for a in self.actions]
        if len(action_ids) != len(set(action_ids)):
            problems.append("action ids must be unique")
        step_ids = [s.id for s in self.steps]
        if len(step_ids) != len(set(step_ids)):
            problems.append("step ids must be unique")
        for i, s in enumerate(self.steps):
            if s.action not in action_ids:
                problems.append(f"step {s.id!r} names unknown action {s.action!r}")
            for dep in s.after or []:
                if dep not in step_ids[:i]:
                    problems.append(f"step {s.id!r} comes after {dep!r}, which is not an earlier step")
        known = set(self.state)
        for a in self.actions:
            for key in [
                *a.requires,
                *a.sets,
                *(k for o in a.outputs for k in o.when),
                *((a.trap.unless or {}) if a.trap else {}),
                *(a.trap.sets if a.trap else {}),
            ]:
                if key not in known:
                    problems.append(f"action {a.id!r} uses state {key!r}, which `state:` does not declare")
            if a.outputs[-1].when:
                problems.append(f"action {a.id!r}: the last output must have no `when` (the fallback)")
        if not any(s.verify for s in self.steps):
            problems.append("a runbook needs at least one verification step")
        if problems:
            raise ValueError("; ".join(sorted(set(problems))))
        return self

    def action(self, action_id: str) -> Action:
        for a in self.actions:
            if a.id == action_id:
                return a
        raise KeyError(action_id)

    @property
    def traps(self) -> list[Action]:
        return [a for a in self.actions if a.trap]


def validate_runbook_text(text: str, source: str = "<runbook>", base_dir: Path | None = None) -> Runbook:
    return load_model_text(Runbook, text, source)


def json_schema() -> dict[str, Any]:
    return Runbook.model_json_schema()


def load_runbook(path: Path | str) -> Runbook:
    return load_model_file(Runbook, Path(path))


def load_runbooks(folder: Path | str | None = None) -> dict[str, Runbook]:
    """Every runbook in the folder, by id (file order)."""
    out: dict[str, Runbook] = {}
    for path in sorted(Path(folder or content.path("runbooks")).glob("*.y*ml")):
        rb = load_runbook(path)
        out[rb.id] = rb
    return out


# --- a run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionResult:
    """What happened when the trainee did one action."""

    action_id: str
    label: str
    command: str
    output: str
    took_effect: bool
    trap: str | None = None


@dataclass(frozen=True)
class RunbookRun:
    """A run is its action log plus the state that log produced; both replay from action ids."""

    runbook_id: str
    state: Mapping[str, bool | str | int]
    log: tuple[ActionResult, ...] = ()
    finished: bool = False

    @property
    def actions(self) -> list[str]:
        return [r.action_id for r in self.log]


def _matches(state: Mapping[str, Any], cond: Mapping[str, Any]) -> bool:
    return all(state.get(k) == v for k, v in cond.items())


def start(runbook: Runbook) -> RunbookRun:
    return RunbookRun(runbook.id, dict(runbook.state))


def perform(runbook: Runbook, run: RunbookRun, action_id: str) -> RunbookRun:
    """Do one action: check the trap against the state *before* it, apply it, show its result."""
    if run.finished:
        raise ValueError("this runbook run is finished; start a new one")
    action = runbook.action(action_id)  # KeyError for an unknown action is a programming error
    state = dict(run.state)
    trap_message: str | None = None
    if action.trap and (action.trap.unless is None or not _matches(state, action.trap.unless)):
        trap_message = action.trap.message
    if _matches(state, action.requires):
        state.update(action.sets)
        if trap_message and action.trap:
            state.update(action.trap.sets)
        output = next(o.text for o in action.outputs if _matches(state, o.when))
        took_effect = True
    else:
        output = action.blocked or "Nothing happened: this cannot be done yet."
        took_effect = False
        trap_message = None  # a blocked action did no damage
    result = ActionResult(action.id, action.label, action.command, output.strip(), took_effect, trap_message)
    return RunbookRun(run.runbook_id, state, (*run.log, result), False)


def finish(run: RunbookRun) -> RunbookRun:
    return RunbookRun(run.runbook_id, run.state, run.log, True)


def replay(runbook: Runbook, action_ids: Iterable[str], *, finished: bool = True) -> RunbookRun:
    run = start(runbook)
    for a in action_ids:
        run = perform(runbook, run, a)
    return finish(run) if finished else run


# --- scoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepScore:
    step: StepSpec
    credit: float
    note: str


@dataclass(frozen=True)
class RunbookScore:
    runbook_id: str
    steps: tuple[StepScore, ...]
    traps: tuple[str, ...]
    score: float
    passed: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def as_detail(self) -> dict[str, Any]:
        return {
            "steps": {s.step.id: s.credit for s in self.steps},
            "traps": list(self.traps),
            "reasons": list(self.reasons),
        }


def score_run(runbook: Runbook, run: RunbookRun) -> RunbookScore:
    """Per-step credit: 1 when done after the steps it depends on, 0.5 when done out of order,
    0 when never done. Any trap fails the exercise; so does a missing verification step."""
    done_at: dict[str, list[int]] = {}
    for i, r in enumerate(run.log):
        if r.took_effect:
            done_at.setdefault(r.action_id, []).append(i)
    first_done: dict[str, int] = {}
    scores: list[StepScore] = []
    for idx, step in enumerate(runbook.steps):
        deps = step.after if step.after is not None else [s.id for s in runbook.steps[:idx]]
        times = done_at.get(step.action, [])
        if not times:
            scores.append(StepScore(step, 0.0, "not done"))
            continue
        # Credit the first performance that came after every prerequisite step was done.
        ready_at = max((first_done.get(d, 10**9) for d in deps), default=-1)
        in_order = [t for t in times if t > ready_at]
        if in_order and ready_at < 10**9:
            first_done[step.id] = in_order[0]
            scores.append(StepScore(step, IN_ORDER, "done in order"))
        else:
            first_done[step.id] = times[0]
            missing = [d for d in deps if first_done.get(d, 10**9) > times[0]]
            scores.append(StepScore(step, OUT_OF_ORDER, "done before " + ", ".join(missing)))
    traps = tuple(r.trap for r in run.log if r.trap)
    mean = sum(s.credit for s in scores) / len(scores)
    score = max(0.0, mean - TRAP_PENALTY * len(traps))
    reasons: list[str] = []
    if traps:
        reasons.append(f"fell into {len(traps)} trap(s)")
    unverified = [s.step.title for s in scores if s.step.verify and s.credit < IN_ORDER]
    if unverified:
        reasons.append("verification not done after the change: " + "; ".join(unverified))
    if score < runbook.pass_mark:
        reasons.append(f"score {score:.0%} is below the pass mark {runbook.pass_mark:.0%}")
    return RunbookScore(runbook.id, tuple(scores), traps, round(score, 4), not reasons, tuple(reasons))


def expert_path(runbook: Runbook) -> list[str]:
    """The action ids of the steps in order: the model answer (trainer-only in the UI)."""
    return [s.action for s in runbook.steps]

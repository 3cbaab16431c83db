"""Checking a scenario's variants: does the answer stay right when the incident moves?

Owns `check_variants` (sample variants, check the same alerts fire as in the written scenario and
that the expert response, moved with the incident, still passes) and `expert_score`. It sits above
the drill and scoring; `simulator.variants` only builds variants, so the drill can use it without
importing scoring back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .alerts import scenario_timeline
from .drill import Drill, action_event, load_default_policy, load_default_team
from .scenario import LoadedScenario
from .scoring import score_drill
from .traces import generate_trace
from .variants import VariantKnobs, shift_actions, variant_of, variant_seeds


@dataclass(frozen=True)
class VariantCheck:
    knobs: VariantKnobs
    alerts_expected: tuple[str, ...]
    alerts_fired: tuple[str, ...]
    expert_passed: bool | None  # None: no expert response to run
    expert_score: float | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def fired_alert_names(loaded: LoadedScenario) -> tuple[str, ...]:
    timeline = scenario_timeline(loaded, generate_trace(loaded.scenario))
    return tuple(
        sorted({a.name for a in timeline.alerts if any(ep.firing_at is not None for ep in a.episodes)})
    )


def expert_score(loaded: LoadedScenario, responses: Any, shift: float = 0.0) -> tuple[bool, float, list[str]]:
    """Score a scripted response headless on `loaded` (already a variant), moved by `shift`."""
    drill = Drill.create(
        loaded, seed=loaded.scenario.seed, policy=load_default_policy(), team=load_default_team()
    )
    events: list = []
    for at, action in shift_actions(responses.timed(), shift, drill.duration):
        events.append(action_event(events, at, action, getattr(responses, "actor", "trainee")))
    card = score_drill(drill, events)
    return bool(card.passed), float(card.score), list(card.reasons)


def check_variants(
    loaded: LoadedScenario,
    responses: Any | None,
    samples: int = 5,
    seeds: Sequence[int] | None = None,
    scorer: Callable[[LoadedScenario, Any, float], tuple[bool, float, list[str]]] | None = None,
) -> list[VariantCheck]:
    """Sample variants and check that the answer stays right: the same alerts fire as in the
    written scenario, and the expert response (moved with the incident) still passes."""
    expected = fired_alert_names(loaded)
    score = scorer or expert_score
    out: list[VariantCheck] = []
    for seed in seeds if seeds is not None else variant_seeds(loaded.scenario, samples):
        vloaded, knobs = variant_of(loaded, seed)
        fired = fired_alert_names(vloaded)
        problems: list[str] = []
        if set(fired) != set(expected):
            missing = sorted(set(expected) - set(fired))
            extra = sorted(set(fired) - set(expected))
            if missing:
                problems.append(f"{', '.join(missing)} no longer fires")
            if extra:
                problems.append(
                    f"{', '.join(extra)} fires only in this variant (a red herring must stay benign)"
                )
        passed = total = None
        if responses is not None:
            passed, total, reasons = score(vloaded, responses, knobs.shift)
            if not passed:
                problems.append("the expert response fails: " + "; ".join(reasons[:3]))
        out.append(VariantCheck(knobs, expected, fired, passed, total, tuple(problems)))
    return out

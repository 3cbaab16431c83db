"""How an alert fires: turn a metric's level, duration and noise and predict whether and when its
rule fires, then let the real alert engine decide.

Owns the sandbox metrics and their rules, the trace shaped by the trainee's knobs, running the
real engine (`simulator.alerts.evaluate_rules`) over it, the challenges and judging an attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .. import alerts
from ..durations import format_duration
from ..rules import AlertingRule, RuleGroup
from ..timeseries import Series, Trace
from . import ExerciseResult, ItemResult, rng_for
from .alert_catalogue import threshold_of

SANDBOX_START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SANDBOX_LENGTH = 30 * 60.0
SANDBOX_STEP = 15.0
SANDBOX_EFFECT_START = 5 * 60.0


@dataclass(frozen=True)
class SandboxMetric:
    key: str
    metric: str
    baseline: float
    unit: str
    rule: AlertingRule


SANDBOX_METRICS: dict[str, SandboxMetric] = {
    "latency": SandboxMetric(
        "latency",
        "api_latency_p95_seconds",
        0.09,
        "s",
        AlertingRule.model_validate(
            {
                "alert": "LatencyP95High",
                "expr": 'api_latency_p95_seconds{service="api"} > 0.5',
                "for": "5m",
                "labels": {"severity": "high"},
                "annotations": {"summary": "P95 above 500 ms for 5 minutes"},
            }
        ),
    ),
    "errors": SandboxMetric(
        "errors",
        "api_error_ratio",
        0.0005,
        "ratio",
        AlertingRule.model_validate(
            {
                "alert": "APIErrorRateElevated",
                "expr": 'api_error_ratio{service="api"} > 0.01',
                "for": "2m",
                "labels": {"severity": "high"},
                "annotations": {"summary": "Error ratio above 1% for 2 minutes"},
            }
        ),
    ),
    "pool": SandboxMetric(
        "pool",
        "db_connection_pool_utilization",
        0.35,
        "ratio",
        AlertingRule.model_validate(
            {
                "alert": "DBConnectionPoolHigh",
                "expr": 'db_connection_pool_utilization{service="api"} > 0.8',
                "for": "3m",
                "labels": {"severity": "medium"},
                "annotations": {"summary": "Pool above 80% for 3 minutes"},
            }
        ),
    ),
    "down": SandboxMetric(
        "down",
        "up",
        1.0,
        "",
        AlertingRule.model_validate(
            {
                "alert": "ServiceDown",
                "expr": 'up{service="api"} == 0',
                "for": "1m",
                "labels": {"severity": "critical"},
                "annotations": {"summary": "Target down for 1 minute"},
            }
        ),
    ),
}


@dataclass(frozen=True)
class Knobs:
    """What the trainee sets: the level during the effect, how long it lasts, relative noise, and
    how often rules are evaluated."""

    metric: str
    level: float
    duration: float  # seconds
    noise: float = 0.0  # relative sigma
    evaluation_interval: float = 30.0


@dataclass(frozen=True)
class SandboxOutcome:
    fired: bool
    first_firing: float | None  # seconds from the trace start
    pending_at: float | None
    exceeded_threshold: bool
    trace: Trace


def sandbox_trace(knobs: Knobs, seed: int = 0) -> Trace:
    m = SANDBOX_METRICS[knobs.metric]
    n = int(SANDBOX_LENGTH // SANDBOX_STEP) + 1
    t = np.arange(n) * SANDBOX_STEP
    level = np.full(n, m.baseline)
    inside = (t >= SANDBOX_EFFECT_START) & (t < SANDBOX_EFFECT_START + knobs.duration)
    level[inside] = knobs.level
    if knobs.noise > 0 and m.key != "down":
        rng = rng_for(seed, f"sandbox.{m.key}")
        level = level * (1 + rng.normal(0.0, knobs.noise, n))
    if m.unit == "ratio":
        level = np.clip(level, 0.0, 1.0)
    level = np.clip(level, 0.0, None)
    series = Series(
        m.metric,
        (("service", "api"),),
        level.astype(float),
        np.ones(n, dtype=bool),
        np.zeros(n, dtype=bool),
        "gauge",
        m.rule.annotations.get("summary", ""),
        m.unit,
    )
    return Trace.build(SANDBOX_START, SANDBOX_STEP, n, [series])


def run_sandbox(knobs: Knobs, seed: int = 0) -> SandboxOutcome:
    """Evaluate the metric's rule with the real alert engine over the knob-shaped trace."""
    m = SANDBOX_METRICS[knobs.metric]
    trace = sandbox_trace(knobs, seed)
    group = RuleGroup(name="sandbox", interval=format_duration(knobs.evaluation_interval), rules=[m.rule])
    timeline = alerts.evaluate_rules([group], trace, knobs.evaluation_interval)
    fired_at: float | None = None
    pending_at: float | None = None
    for alert in getattr(timeline, "alerts", []):
        for ep in getattr(alert, "episodes", []):
            f = getattr(ep, "firing_at", None)
            p = getattr(ep, "pending_at", getattr(ep, "active_at", None))
            if f is not None and (fired_at is None or f < fired_at):
                fired_at = float(f)
            if p is not None and (pending_at is None or p < pending_at):
                pending_at = float(p)
    values = trace.series[0].values
    thr = float(threshold_of(m.rule.expr).split()[1])  # type: ignore[union-attr]
    exceeded = bool(np.any(values == thr)) if "==" in m.rule.expr else bool(np.any(values > thr))
    return SandboxOutcome(fired_at is not None, fired_at, pending_at, exceeded, trace)


@dataclass(frozen=True)
class Challenge:
    id: str
    metric: str
    goal: str  # "fire" | "exceed_without_firing"
    text: str


SANDBOX_CHALLENGES: tuple[Challenge, ...] = (
    Challenge("latency_fires", "latency", "fire", "Make LatencyP95High fire (P95 > 500 ms for 5 m)."),
    Challenge(
        "latency_holds",
        "latency",
        "exceed_without_firing",
        "Push P95 above 500 ms but keep LatencyP95High from firing: how short must the spike be?",
    ),
    Challenge("errors_fires", "errors", "fire", "Make APIErrorRateElevated fire."),
    Challenge("pool_noise", "pool", "fire", "Make DBConnectionPoolHigh fire with noise of at least 0.1."),
    Challenge("down_fires", "down", "fire", "Make ServiceDown fire (level 0 means the target is down)."),
)


@dataclass(frozen=True)
class SandboxAttempt:
    challenge: str
    knobs: Knobs
    predicted_fires: bool
    predicted_minute: float | None = None  # minutes from start when the trainee expects firing


def judge_attempt(
    attempt: SandboxAttempt, outcome: SandboxOutcome, minute_tolerance: float = 1.0
) -> ItemResult:
    ch = next(c for c in SANDBOX_CHALLENGES if c.id == attempt.challenge)
    if attempt.knobs.metric != ch.metric:
        return ItemResult(ch.id, False, 0.0, f"this challenge is about the {ch.metric} metric")
    if ch.id == "pool_noise" and attempt.knobs.noise < 0.1:
        return ItemResult(ch.id, False, 0.0, "set noise to at least 0.1 for this challenge")
    achieved = outcome.fired if ch.goal == "fire" else (outcome.exceeded_threshold and not outcome.fired)
    predicted = attempt.predicted_fires == outcome.fired
    if (
        predicted
        and outcome.fired
        and attempt.predicted_minute is not None
        and outcome.first_firing is not None
    ):
        predicted = abs(attempt.predicted_minute - outcome.first_firing / 60.0) <= minute_tolerance
    when = (
        f"fired at minute {outcome.first_firing / 60:.1f}"
        if outcome.first_firing is not None
        else "did not fire"
    )
    if achieved and predicted:
        return ItemResult(ch.id, True, 1.0, f"done: it {when}, as you predicted")
    if achieved:
        return ItemResult(ch.id, False, 0.5, f"goal reached, but your prediction was off: it {when}")
    return ItemResult(ch.id, False, 0.0, f"not yet: it {when}")


def grade_sandbox(best: Mapping[str, ItemResult], pass_mark: float = 0.8) -> ExerciseResult:
    items = tuple(best.get(c.id, ItemResult(c.id, False, 0.0, "not attempted")) for c in SANDBOX_CHALLENGES)
    return ExerciseResult("day2.alert_sandbox", items, pass_mark)

"""The shadow shift: a compressed multi-hour replay of alert traffic to judge.

Owns generating a shift (noise, false positives, routine warnings and one real incident whose
alerts cascade), judging each alert (real? actionable? severity?) and the readiness bar from
reference/scoring.md: at least 80% judged correctly over at least 10 alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import ExerciseResult, ItemResult, rng_for

MIN_ALERTS = 10
READINESS = 0.80
SHIFT_START = datetime(2026, 3, 12, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ShadowAlert:
    id: str
    at: datetime
    alert: str
    labels: str
    value: str
    context: str
    real: bool
    actionable: bool
    severity: str | None  # the true severity when real and actionable
    why: str


@dataclass(frozen=True)
class Judgement:
    real: bool
    actionable: bool
    severity: str | None = None


# (alert, labels, value, context, real, actionable, severity, why)
_NOISE = (
    (
        "CPUHigh",
        "instance=api-3",
        "CPU 86%",
        "The 06:30 report batch runs on api-3 every morning; latency normal.",
        False,
        False,
        None,
        "Daily batch, known pattern, no user impact.",
    ),
    (
        "ServiceDown",
        "instance=api-1 job=node",
        "up == 0 for 1m",
        "Only the node exporter scrape failed; API traffic on api-1 normal.",
        False,
        False,
        None,
        "The exporter, not the service: a scrape false positive.",
    ),
    (
        "LatencyP95High",
        "service=reporting-replica",
        "P95 1.8 s",
        "Inside the 02:00/08:00 backup window; reporting replica only.",
        False,
        False,
        None,
        "Known backup-window pattern on a non-customer replica.",
    ),
    (
        "DiskSpaceLow",
        "instance=es-logs-2",
        "disk 81%",
        "Growing 0.5% a day; retention job tonight.",
        True,
        False,
        None,
        "Real but not actionable now: note it, ticket it (LOW/MEDIUM, no page).",
    ),
    (
        "CertificateExpiringSoon",
        "host=staging.fraiseql.com",
        "expires in 6 days",
        "Auto-renewal scheduled tonight.",
        True,
        False,
        None,
        "True, self-healing, staging: nothing to do.",
    ),
    (
        "APIErrorRateElevated",
        "service=api",
        "0.7% for 40s",
        "One pod restarting during a rolling deploy; resolved by itself.",
        False,
        False,
        None,
        "A deploy blip shorter than any impact.",
    ),
    (
        "RedisMemoryHigh",
        "instance=redis-1",
        "memory 82%",
        "Eviction policy allkeys-lru; hit rate steady at 97%.",
        True,
        False,
        None,
        "Working as designed; watch, do not act.",
    ),
    (
        "QueueBacklog",
        "queue=emails",
        "1 200 messages",
        "Marketing send scheduled at 09:00; draining at 400/min.",
        False,
        False,
        None,
        "Expected burst from a scheduled send.",
    ),
)
# The real incident: a cascade. The first alert is the one to act on; the others confirm it.
_INCIDENT = (
    (
        "DBConnectionPoolHigh",
        "service=api db=primary",
        "pool 91% for 2m",
        "Query volume 4× baseline; pg_stat_activity: 38 connections held by one client's bulk query.",
        True,
        True,
        "HIGH",
        "Real, customer-affecting soon: act now (HIGH: P95 rising, errors 1–5% next).",
    ),
    (
        "APIErrorRateElevated",
        "service=api",
        "2.1% for 3m",
        "Errors are 'could not obtain connection' — the same pool exhaustion.",
        True,
        True,
        "HIGH",
        "Same incident, now with 1–5% errors: HIGH.",
    ),
    (
        "LatencyP95High",
        "service=api",
        "P95 780 ms for 5m",
        "Latency rose with the pool saturation.",
        True,
        True,
        "HIGH",
        "P95 > 500 ms for > 5 min: HIGH, part of the same incident.",
    ),
)


@dataclass(frozen=True)
class ShadowShift:
    start: datetime
    hours: int
    alerts: tuple[ShadowAlert, ...]


def generate_shift(seed: int, hours: int = 8, noise_alerts: int = 9) -> ShadowShift:
    """A shift of `noise_alerts` routine/false alerts plus the three-alert real incident, in time order."""
    rng = rng_for(seed, "day5.shadow")
    span = hours * 3600
    picks = [
        _NOISE[int(i) % len(_NOISE)] for i in rng.permutation(max(noise_alerts, len(_NOISE)))[:noise_alerts]
    ]
    items: list[tuple[float, tuple]] = [(float(rng.uniform(0, span)), p) for p in picks]
    incident_at = float(rng.uniform(span * 0.3, span * 0.8))
    for k, p in enumerate(_INCIDENT):
        items.append((incident_at + 120 * k + float(rng.uniform(0, 60)), p))
    items.sort(key=lambda x: x[0])
    alerts = tuple(
        ShadowAlert(f"a{n + 1:02d}", SHIFT_START + timedelta(seconds=round(t)), *p)
        for n, (t, p) in enumerate(items)
    )
    return ShadowShift(SHIFT_START, hours, alerts)


def judge_one(alert: ShadowAlert, j: Judgement | None) -> ItemResult:
    if j is None:
        return ItemResult(alert.id, False, 0.0, "not judged")
    problems = []
    if j.real != alert.real:
        problems.append("it was " + ("real" if alert.real else "a false positive"))
    if j.actionable != alert.actionable:
        problems.append("it was " + ("actionable" if alert.actionable else "not actionable"))
    if alert.actionable and j.actionable and (j.severity or "").upper() != alert.severity:
        problems.append(f"severity was {alert.severity}")
    ok = not problems
    return ItemResult(
        alert.id, ok, 1.0 if ok else 0.0, ("correct — " if ok else "; ".join(problems) + " — ") + alert.why
    )


def grade_shift(
    shift: ShadowShift, judgements: Mapping[str, Judgement], pass_mark: float = READINESS
) -> ExerciseResult:
    """All-or-nothing per alert; unjudged alerts count as wrong. Readiness also needs ≥ 10 alerts judged."""
    items = tuple(judge_one(a, judgements.get(a.id)) for a in shift.alerts)
    judged = sum(1 for a in shift.alerts if a.id in judgements)
    failures = (
        ()
        if judged >= MIN_ALERTS
        else (f"only {judged} alerts judged; readiness needs at least {MIN_ALERTS}",)
    )
    missed_real = [
        a.id
        for a in shift.alerts
        if a.actionable and not (judgements.get(a.id) or Judgement(False, False)).actionable
    ]
    detail = {"judged": judged, "alerts": len(shift.alerts), "missed_actionable": missed_real}
    return ExerciseResult("day5.shadow_shift", items, pass_mark, failures, detail)

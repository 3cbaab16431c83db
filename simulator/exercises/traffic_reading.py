"""Reading a day of production traffic: availability and error budget against the SLO, and the
dashboard panels.

Owns a generated day of API traffic (hourly requests, failures and P95 latency with one bad hour)
from which the trainee computes availability and error budget and answers questions from the
Production Health charts; firedrill computes the same numbers and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from ..timeseries import Series, Trace
from . import Question, rng_for

# --- a day of traffic for SLO arithmetic and dashboard reading -------------------------------------

TRAFFIC_DAY_START = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)


def day_of_traffic(seed: int) -> Trace:
    """24 hourly buckets: requests, failed requests and P95 latency, with one bad hour.

    Counts are per hour (gauges) so a trainee can add them up from the table under the chart."""
    # The stream keeps its first name so a seed gives the same day of traffic it always has.
    rng = rng_for(seed, "day1.traffic")
    hours = np.arange(24)
    base = 30000 * (1 + 0.45 * np.cos(2 * np.pi * (hours - 15) / 24))
    requests = np.round(base * rng.normal(1.0, 0.04, 24))
    ratio = np.clip(rng.normal(0.0004, 0.0001, 24), 0.0001, None)
    bad = int(rng.integers(9, 20))
    ratio[bad] = float(rng.uniform(0.02, 0.05))
    ratio[bad + 1] = ratio[bad] / 4
    errors = np.round(requests * ratio)
    latency = np.round(rng.normal(90, 6, 24) + 40 * (requests / requests.max()))
    latency[bad] = float(np.round(rng.uniform(600, 1400)))
    latency[bad + 1] = float(np.round(latency[bad] / 3))
    present = np.ones(24, dtype=bool)
    stale = np.zeros(24, dtype=bool)
    series = [
        Series(
            "requests_per_hour",
            (("service", "api"),),
            requests.astype(float),
            present,
            stale,
            "gauge",
            "Requests served in the hour",
            "requests",
        ),
        Series(
            "failed_requests_per_hour",
            (("service", "api"),),
            errors.astype(float),
            present.copy(),
            stale.copy(),
            "gauge",
            "Requests answered 5xx in the hour",
            "requests",
        ),
        Series(
            "latency_p95_ms",
            (("service", "api"),),
            latency.astype(float),
            present.copy(),
            stale.copy(),
            "gauge",
            "95th percentile latency over the hour",
            "ms",
        ),
    ]
    return Trace.build(TRAFFIC_DAY_START, 3600.0, 24, series)


def _values(trace: Trace, name: str) -> np.ndarray:
    return trace.by_name(name)[0].values


@dataclass(frozen=True)
class SloFacts:
    total: int
    failed: int
    availability_pct: float
    budget_requests: float
    budget_consumed_pct: float
    met: bool


def slo_facts(trace: Trace, slo_pct: float) -> SloFacts:
    total = int(_values(trace, "requests_per_hour").sum())
    failed = int(_values(trace, "failed_requests_per_hour").sum())
    availability = 100.0 * (total - failed) / total
    budget = total * (1 - slo_pct / 100.0)
    consumed = 100.0 * failed / budget if budget else float("inf")
    return SloFacts(total, failed, availability, budget, consumed, availability >= slo_pct)


def error_budget_questions(trace: Trace, slo_pct: float = 99.9) -> list[Question]:
    f = slo_facts(trace, slo_pct)
    return [
        Question(
            "availability",
            "Over these 24 hours, what was the availability (successful / total requests), in %? "
            "Give three decimals.",
            answer_value=round(f.availability_pct, 3),
            tolerance=0.005,
            unit="%",
            explanation=f"{f.total - f.failed} of {f.total} requests succeeded",
        ),
        Question(
            "budget",
            f"With an SLO of {slo_pct}%, how many failed requests did the error budget allow for this day?",
            answer_value=round(f.budget_requests, 1),
            tolerance=0.01,
            relative=True,
            unit="requests",
            explanation=f"{f.total} × (1 − {slo_pct}/100)",
        ),
        Question(
            "consumed",
            "What share of that error budget was consumed, in %?",
            answer_value=round(f.budget_consumed_pct, 1),
            tolerance=0.02,
            relative=True,
            unit="%",
            explanation=f"{f.failed} failed / {f.budget_requests:.1f} allowed",
        ),
        Question(
            "met", f"Was the {slo_pct}% SLO met for the day?", options=("Yes", "No"), answer=0 if f.met else 1
        ),
    ]


def dashboard_questions(trace: Trace) -> list[Question]:
    req = _values(trace, "requests_per_hour")
    err = _values(trace, "failed_requests_per_hour")
    lat = _values(trace, "latency_p95_ms")
    ratio = err / req
    peak_hour = int(np.argmax(req))
    worst = int(np.argmax(ratio))
    over_500 = [h for h in range(24) if lat[h] > 500]
    hours = tuple(f"{h:02d}:00" for h in range(24))
    return [
        Question(
            "peak_hour", "Traffic panel: in which hour was traffic highest?", options=hours, answer=peak_hour
        ),
        Question(
            "worst_hour",
            "Errors panel: in which hour was the error ratio highest?",
            options=hours,
            answer=worst,
            explanation=f"{ratio[worst]:.2%} of requests failed",
        ),
        Question(
            "worst_ratio",
            "Errors panel: what was that hour's error ratio, in %?",
            answer_value=round(100 * float(ratio[worst]), 2),
            tolerance=0.05,
            unit="%",
        ),
        Question(
            "peak_latency",
            "Latency panel: what was the highest hourly P95 latency, in ms?",
            answer_value=float(lat.max()),
            tolerance=0.02,
            relative=True,
            unit="ms",
        ),
        Question(
            "latency_severity",
            "By the seed's severity table, P95 above 500 ms for more than 5 minutes is…",
            options=("CRITICAL", "HIGH", "MEDIUM", "LOW"),
            answer=1,
            explanation=f"hours over 500 ms: {', '.join(hours[h] for h in over_500) or 'none'}",
        ),
        Question(
            "runbooks",
            "Where do you find the runbook for an alert during an incident?",
            options=(
                "In the alert notification's runbook link (and the runbook library)",
                "Ask in #general",
                "In the Git history",
                "There are none; improvise",
            ),
            answer=0,
        ),
    ]

"""Day 1 — system overview: the service map, SLO/error-budget arithmetic, reading dashboards.

Owns the dependency map of the API (PostgreSQL, Elasticsearch, Redis, KMS) with its failure
questions, and a generated day of traffic from which the trainee computes availability and error
budget and answers dashboard questions; firedrill computes the same numbers and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from ..timeseries import Series, Trace
from . import Question, rng_for

# --- the service map --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dependency:
    name: str
    role: str
    when_down: str  # what users notice
    alert: str  # the alert that tells you
    not_affected: str  # what keeps working (the distractor most people pick)


SERVICE_MAP: tuple[Dependency, ...] = (
    Dependency(
        "PostgreSQL (RDS)",
        "the system of record: every query and mutation reads or writes it",
        "All GraphQL queries and mutations fail (5xx); the health check reports db: unreachable",
        "APIErrorRateElevated, then ServiceDown",
        "Static documentation pages still load",
    ),
    Dependency(
        "Elasticsearch",
        "full-text search and the application log store",
        "Search queries fail or time out and on-call loses log search; plain queries keep working",
        "SearchErrorRate / log ingestion lag",
        "Plain GraphQL queries by id keep working",
    ),
    Dependency(
        "Redis",
        "cache, sessions and the rate-limit counters",
        "Latency rises as every read hits the database; rate limiting fails open or closed",
        "LatencyP95High, DBConnectionPoolHigh",
        "Data is not lost: Redis holds no system-of-record data",
    ),
    Dependency(
        "KMS",
        "keys that encrypt secrets and sign API tokens",
        "New logins and API-key checks fail once cached data keys expire; encrypted fields cannot be read",
        "AuthFailureRate spike",
        "Requests with an already-validated cached session keep working for a while",
    ),
)

ARCHITECTURE = (
    "Clients → AWS load balancer → API instances (api-1..3) → PostgreSQL (primary + replicas); "
    "the API also uses Redis (cache, rate limits), Elasticsearch (search, logs) and KMS (secrets, token "
    "signing). Prometheus scrapes every instance; Alertmanager routes alerts to Slack and PagerDuty; "
    "Grafana shows the Production Health dashboard."
)

DOCUMENTATION = {
    "runbooks": "data/runbooks/ in this app (Day 3); in production the runbook link is in every alert",
    "dashboards": "Grafana → Production Health",
    "logs": "Elasticsearch (Kibana) → index api-*",
    "escalation": "PagerDuty schedule and the on-call policy (data/policy.yaml)",
}


def service_map_questions() -> list[Question]:
    qs: list[Question] = []
    effects = [d.when_down for d in SERVICE_MAP]
    for i, d in enumerate(SERVICE_MAP):
        qs.append(
            Question(
                id=f"down.{i}",
                prompt=f"{d.name} fails. What do users notice first?",
                options=tuple(effects),
                answer=i,
                explanation=d.role,
            )
        )
    # The inverse question catches "everything breaks" thinking.
    survives = [d.not_affected for d in SERVICE_MAP]
    for i, d in enumerate(SERVICE_MAP):
        qs.append(
            Question(
                id=f"survives.{i}",
                prompt=f"{d.name} fails. Which of these is still true?",
                options=tuple(survives),
                answer=i,
                explanation=d.when_down,
            )
        )
    return qs


# --- a day of traffic for SLO arithmetic and dashboard reading -------------------------------------

DAY1_START = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)


def day_of_traffic(seed: int) -> Trace:
    """24 hourly buckets: requests, failed requests and P95 latency, with one bad hour.

    Counts are per hour (gauges) so a trainee can add them up from the table under the chart."""
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
    return Trace.build(DAY1_START, 3600.0, 24, series)


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

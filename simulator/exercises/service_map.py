"""The system on call: its architecture, what each dependency does and what breaks when it fails.

Owns the dependency map of the API (PostgreSQL, Elasticsearch, Redis, KMS), the "what do users
notice / what still works" questions built from it, and where runbooks, dashboards and logs live.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import Question

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

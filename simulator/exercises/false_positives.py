"""Telling a real incident from a false positive: alerts with the context around them, to judge.

Owns the cases (a failed scrape, the backup window, a deploy blip, a self-renewing certificate,
and real incidents the evidence confirms) and the questions built from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import Question


@dataclass(frozen=True)
class AlertCase:
    id: str
    alert: str
    context: str
    real: bool
    why: str


FALSE_POSITIVE_CASES: tuple[AlertCase, ...] = (
    AlertCase(
        "fp.scrape",
        "ServiceDown (up == 0) on api-2",
        "Grafana: api-2 still serves 1/3 of traffic with normal latency; Prometheus target page shows "
        "'context deadline exceeded' for the scrape only.",
        False,
        "The scrape failed, not the service: traffic and errors are normal. Dismiss and fix the scrape.",
    ),
    AlertCase(
        "fp.backup",
        "LatencyP95High on db-reporting at 02:10 UTC",
        "The nightly backup window is 02:00–02:30; only the reporting replica is slow; API latency normal.",
        False,
        "Known pattern during the backup window on a non-customer-facing replica.",
    ),
    AlertCase(
        "fp.deploy",
        "APIErrorRateElevated for 40 s during a rolling deploy",
        "Errors were 502s from one draining pod; the alert resolved by itself before `for` elapsed elsewhere.",
        False,
        "A short deploy blip; the alert should have a `for`. Note it for tuning.",
    ),
    AlertCase(
        "real.pool",
        "DBConnectionPoolHigh at 92%",
        "Query volume 4× baseline; pg_stat_activity shows 40 connections held by one customer's bulk query.",
        True,
        "The metric is confirmed by the database itself and the cause is visible.",
    ),
    AlertCase(
        "real.errors",
        "APIErrorRateElevated 2.4%",
        "Elasticsearch shows 'could not obtain connection' errors; customers report failures in Slack.",
        True,
        "Dashboard, logs and customers agree.",
    ),
    AlertCase(
        "real.disk",
        "DiskSpaceLow 85% on pg-primary data volume",
        "Growing 3% an hour since a migration started writing a large index.",
        True,
        "Real and trending to full within hours.",
    ),
    AlertCase(
        "fp.clock",
        "CertificateExpiringSoon on staging.fraiseql.com",
        "The staging certificate is managed by a job that renews it 7 days before expiry; it renews tonight.",
        False,
        "Known, self-healing, not production: dismiss with a note.",
    ),
)


def false_positive_questions() -> list[Question]:
    return [
        Question(
            c.id,
            f"{c.alert} — {c.context} Is this a real incident?",
            ("Real incident", "False positive"),
            0 if c.real else 1,
            explanation=c.why,
        )
        for c in FALSE_POSITIVE_CASES
    ]

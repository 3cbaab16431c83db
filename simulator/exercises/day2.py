"""Day 2 — alert familiarisation: the alert catalogue and quiz, false positives, the alert
sandbox and pager practice.

Owns the catalogue built from the scenario pack's rules, the severity-classification questions
(from the seed's severity table), the sandbox that runs the real alert engine
(`simulator.alerts.evaluate_rules`) over a trace shaped by the trainee's knobs, and a small pager
state machine (acknowledge → escalate → resolve). It does not define alert semantics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..durations import format_duration
from ..rules import AlertingRule, RuleGroup
from ..scenario import LoadedScenario
from ..timeseries import Series, Trace
from . import ExerciseResult, ItemResult, Question, grade_quiz, rng_for

# --- the catalogue ----------------------------------------------------------------------------

_COMPARISON = re.compile(r"(>=|<=|==|!=|>|<)\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\)?\s*$")


@dataclass(frozen=True)
class CatalogueEntry:
    alert: str
    expr: str
    for_seconds: float
    severity: str
    summary: str
    description: str
    threshold: str | None
    why: str
    scenarios: tuple[str, ...]

    @property
    def for_text(self) -> str:
        return format_duration(self.for_seconds)


def _threshold(expr: str) -> str | None:
    m = _COMPARISON.search(" ".join(expr.split()))
    return f"{m.group(1)} {m.group(2)}" if m else None


_LABEL_WORDS = {"cve": "the CVE", "instance": "the host", "job": "the job", "service": "the service"}
_VALUE_WORDS = {
    "humanizePercentage": "X%",
    "humanizeDuration": "the measured time",
    "humanize1024": "N",
    "humanize": "N",
}


def _template_words(m: re.Match[str]) -> str:
    inner = m.group(1).strip()
    if label := re.fullmatch(r"\$labels\.(\w+)", inner):
        name = label.group(1)
        return _LABEL_WORDS.get(name, "the " + name.replace("_", " "))
    if inner.startswith("$value"):
        return next((w for f, w in _VALUE_WORDS.items() if f in inner), "N")
    return "a value"


def _untemplate(text: str) -> str:
    """An annotation's Go template in words ("{{ $value }} hosts run a version affected by
    {{ $labels.cve }}" → "N hosts run a version affected by the CVE"): the catalogue explains what
    an alert says, so it must read as a sentence, never as "… hosts … by …"."""
    out = re.sub(r"\{\{(.*?)\}\}", _template_words, text).strip()
    return out[:1].upper() + out[1:]


def alert_catalogue(pack: Mapping[str, LoadedScenario]) -> list[CatalogueEntry]:
    """Every alerting rule in the pack, once per (name, expression), with the scenarios using it."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for sid, loaded in sorted(pack.items()):
        for group in loaded.rule_groups:
            for rule in group.rules:
                if not isinstance(rule, AlertingRule):
                    continue
                key = (rule.alert, " ".join(rule.expr.split()))
                if key not in seen:
                    seen[key] = {"rule": rule, "scenarios": []}
                seen[key]["scenarios"].append(sid)
    out = []
    for (_, expr), v in sorted(seen.items()):
        rule = v["rule"]
        assert isinstance(rule, AlertingRule)
        ann = rule.annotations
        why = (
            ann.get("why")
            or ann.get("threshold_rationale")
            or (
                f"must hold for {format_duration(rule.for_)} so a single noisy sample does not page anyone"
                if rule.for_
                else "fires on the first evaluation: used only where any occurrence matters"
            )
        )
        out.append(
            CatalogueEntry(
                rule.alert,
                expr,
                rule.for_,
                rule.labels.get("severity", "").upper(),
                _untemplate(ann.get("summary", "")),
                _untemplate(ann.get("description", "")),
                _threshold(expr),
                why,
                tuple(v["scenarios"]),
            )
        )
    return out


# --- the alert and severity quiz ------------------------------------------------------------

# From the seed's severity table: (signals, severity, why).
SEVERITY_CASES: tuple[tuple[str, str, str], ...] = (
    ("The API answers nothing: 0 successful requests for 3 minutes.", "CRITICAL", "complete outage"),
    (
        "Error rate 3% for 10 minutes; about 30% of traffic sees slow responses.",
        "HIGH",
        "error rate 1–5%, 25–99% affected",
    ),
    ("P95 latency 720 ms for 8 minutes.", "HIGH", "P95 > 500 ms for > 5 min"),
    ("P95 latency 240 ms (baseline 90 ms); under 10% of requests affected.", "MEDIUM", "P95 100–500 ms"),
    ("Disk usage on a log volume at 83%, growing 1% a day.", "MEDIUM", "resource utilisation warning > 80%"),
    (
        "Legitimate customers are being rate-limited (429s) during their launch.",
        "HIGH",
        "legitimate traffic blocked",
    ),
    (
        "A security researcher reports a vulnerability; no sign of exploitation.",
        "HIGH",
        "vulnerability disclosed, not exploited",
    ),
    (
        "Audit logs show an attacker used a leaked admin credential to read data.",
        "CRITICAL",
        "breach confirmed",
    ),
    ("A nightly job's run time is trending up 5% a week; no customer impact.", "LOW", "trend observation"),
    (
        "Every query fails with 'relation does not exist' after a migration: 100% errors.",
        "CRITICAL",
        "all queries failing",
    ),
    ("Error rate 0.6% (baseline 0.05%), a handful of customers affected.", "MEDIUM", "error rate < 1%"),
    ("A runbook link in an alert points to a page that moved.", "LOW", "documentation gap"),
)
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")


def severity_questions() -> list[Question]:
    return [
        Question(f"severity.{i}", text, SEVERITIES, SEVERITIES.index(sev), explanation=why)
        for i, (text, sev, why) in enumerate(SEVERITY_CASES)
    ]


def alert_quiz_questions(catalogue: Sequence[CatalogueEntry], seed: int, per_kind: int = 4) -> list[Question]:
    """Rule questions (threshold, `for`, meaning) drawn from the pack, plus the severity cases."""
    rng = rng_for(seed, "day2.alert_quiz")
    qs: list[Question] = []
    with_threshold = [e for e in catalogue if e.threshold]
    order = [int(i) for i in rng.permutation(len(with_threshold))[:per_kind]]
    for n, i in enumerate(order):
        e = with_threshold[int(i)]
        qs.append(
            _choice(
                rng,
                f"threshold.{n}",
                f"At what threshold does {e.alert} fire?",
                e.threshold or "",
                [c.threshold or "" for c in catalogue],
                e.expr,
            )
        )
    order = [int(i) for i in rng.permutation(len(catalogue))[:per_kind]]
    for n, i in enumerate(order):
        e = catalogue[int(i)]
        qs.append(
            _choice(
                rng,
                f"for.{n}",
                f"How long must {e.alert}'s condition hold before it fires?",
                e.for_text,
                [c.for_text for c in catalogue] + ["0s", "1m", "5m", "15m"],
                e.why,
            )
        )
    with_summary = [e for e in catalogue if e.summary]
    order = [int(i) for i in rng.permutation(len(with_summary))[:per_kind]]
    for n, i in enumerate(order):
        e = with_summary[int(i)]
        qs.append(
            _choice(
                rng,
                f"meaning.{n}",
                f"What does {e.alert} mean?",
                e.summary,
                [c.summary for c in with_summary],
                e.expr,
            )
        )
    return qs + severity_questions()


def _choice(
    rng: np.random.Generator, qid: str, prompt: str, right: str, pool: Iterable[str], why: str
) -> Question:
    wrong = sorted({p for p in pool if p and p != right})
    picks = [wrong[int(i)] for i in rng.permutation(len(wrong))[:3]]
    options = [right, *picks]
    perm = [int(i) for i in rng.permutation(len(options))]
    shuffled = tuple(options[i] for i in perm)
    return Question(qid, prompt, shuffled, shuffled.index(right), explanation=why)


# --- false positives ------------------------------------------------------------------------


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


# --- the alert sandbox ------------------------------------------------------------------------

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
    from .. import alerts  # the alerts engineer's engine; imported late so Day 1 works without it

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
    thr = float(_threshold(m.rule.expr).split()[1])  # type: ignore[union-attr]
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


# --- pager practice ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PagerCase:
    id: str
    page: str
    severity: str
    ack_target_min: float
    escalate_to: str  # "" when no escalation is needed
    context: str


PAGER_CASES: tuple[PagerCase, ...] = (
    PagerCase(
        "p1",
        "ServiceDown: api — 0 successful requests",
        "CRITICAL",
        2,
        "incident_commander",
        "Every health check fails; customers report errors in Slack.",
    ),
    PagerCase(
        "p2",
        "DiskSpaceLow 82% on es-logs-2",
        "MEDIUM",
        60,
        "",
        "Growing slowly; log retention job runs tonight.",
    ),
    PagerCase(
        "p3",
        "AuthFailureRate spike from one /24 using a leaked key",
        "HIGH",
        15,
        "security_lead",
        "Audit log shows data queries from an unknown address.",
    ),
    PagerCase(
        "p4",
        "APIErrorRateElevated 3% — cause unclear after 15 minutes",
        "HIGH",
        15,
        "incident_commander",
        "You have checked logs, deploys and dependencies without finding the cause.",
    ),
)
ESCALATION_TARGETS = ("", "backup", "manager", "incident_commander", "security_lead")


def minutes_between(arrived: datetime, acknowledged: datetime) -> float:
    """How long a page waited for its acknowledgement, in minutes (never negative)."""
    return max((acknowledged - arrived).total_seconds(), 0.0) / 60.0


def format_minutes(minutes: float) -> str:
    """'45 s' under a minute, else '3.2 min': how a pager shows time-to-acknowledge."""
    return f"{minutes * 60:.0f} s" if minutes < 1 else f"{minutes:.1f} min"


@dataclass
class PagerPage:
    """A page moving triggered → acknowledged → resolved, with escalations recorded on the way."""

    case: PagerCase
    status: str = "triggered"
    acked_after_min: float | None = None
    escalated_to: list[str] = field(default_factory=list)
    verified: bool = False
    errors: list[str] = field(default_factory=list)

    def acknowledge(self, after_minutes: float) -> None:
        if self.status != "triggered":
            self.errors.append("acknowledge only a triggered page")
            return
        self.status, self.acked_after_min = "acknowledged", after_minutes

    def escalate(self, to: str) -> None:
        if self.status == "resolved":
            self.errors.append("escalating a resolved page pages someone for nothing")
            return
        self.escalated_to.append(to)

    def verify(self) -> None:
        self.verified = True

    def resolve(self) -> None:
        if self.status != "acknowledged":
            self.errors.append("resolve only after acknowledging")
            return
        if not self.verified:
            self.errors.append("resolved before verifying recovery")
        self.status = "resolved"


def pager_run(case: PagerCase, actions: Sequence[tuple[str, Any]]) -> PagerPage:
    page = PagerPage(case)
    for name, arg in actions:
        if name == "ack":
            page.acknowledge(float(arg))
        elif name == "escalate":
            page.escalate(str(arg))
        elif name == "verify":
            page.verify()
        elif name == "resolve":
            page.resolve()
        else:
            page.errors.append(f"unknown action {name!r}")
    return page


def grade_pager(runs: Mapping[str, Sequence[tuple[str, Any]]], pass_mark: float = 0.8) -> ExerciseResult:
    items = []
    for case in PAGER_CASES:
        page = pager_run(case, runs.get(case.id, ()))
        notes: list[str] = list(page.errors)
        parts = []
        parts.append(page.acked_after_min is not None and page.acked_after_min <= case.ack_target_min)
        if not parts[-1]:
            notes.append(f"acknowledge within {case.ack_target_min:g} min ({case.severity})")
        wanted = {case.escalate_to} if case.escalate_to else set()
        got = set(page.escalated_to)
        parts.append(got == wanted)
        if got != wanted:
            notes.append(
                f"escalate to {case.escalate_to or 'nobody'}; you escalated to {', '.join(sorted(got)) or 'nobody'}"
            )
        parts.append(page.status == "resolved" and page.verified and not page.errors)
        credit = sum(parts) / len(parts)
        items.append(ItemResult(case.id, credit == 1.0, round(credit, 4), "; ".join(notes) or "correct"))
    return ExerciseResult("day2.pager_practice", tuple(items), pass_mark)


def grade_alert_quiz(
    questions: Sequence[Question], answers: Mapping[str, Any], pass_mark: float = 0.9
) -> ExerciseResult:
    return grade_quiz("day2.alert_quiz", questions, answers, pass_mark)

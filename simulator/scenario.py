"""The scenario file format: pydantic models and the loader.

Owns what a scenario *is* — identity, clock, metrics, incident effects, alert rules, injects,
console evidence and the ground-truth answer — and how a YAML file becomes a validated, frozen
`Scenario`. Does not generate traces (`simulator.traces`) or evaluate rules (`simulator.alerts`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .durations import Duration, Offset
from .rules import METRIC_NAME_RE, RuleFile, RuleGroup
from .vocabulary import Role, SecurityState, Severity
from .yamlio import FormatError, Positions, Problem, load_yaml, parse_model, read_text_limited

LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
SCENARIO_ID_RE = r"^[a-z0-9][a-z0-9-]{1,62}$"


class Model(BaseModel):
    """Base for every file-format model: strict keys, frozen values."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- identity -------------------------------------------------------------------------------


class Source(Model):
    """Where a scenario comes from, e.g. the public postmortem it is modelled on."""

    title: str
    url: str | None = None
    note: str | None = None


# --- clock ----------------------------------------------------------------------------------


class Clock(Model):
    start: datetime = Field(description="Wall time the scenario starts, UTC (e.g. 2026-03-10T14:00:00Z)")
    duration: Duration = Field(description="How long the scenario runs, e.g. 1h")
    step: Duration = Field(15.0, description="Sample step of generated metrics (scrape interval)")
    evaluation_interval: Duration = Field(15.0, description="How often alert rules are evaluated")

    @field_validator("start")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("start needs a time zone; write it in UTC like 2026-03-10T14:00:00Z")
        return v.astimezone(UTC)

    @model_validator(mode="after")
    def _sane(self) -> Clock:
        if self.step <= 0 or self.evaluation_interval <= 0:
            raise ValueError("step and evaluation_interval must be positive")
        if self.duration < self.step:
            raise ValueError("duration must be at least one step")
        if self.duration / self.step > 1_000_000:
            raise ValueError("duration/step gives more than 1,000,000 samples per series; use a larger step")
        return self

    @property
    def ticks(self) -> int:
        return int(self.duration // self.step) + 1


# --- metrics --------------------------------------------------------------------------------


class DailyPattern(Model):
    """A daily traffic cycle: level × (1 + amplitude·cos(2π(t − peak)/24h))."""

    amplitude: float = Field(0.0, ge=0.0, le=1.0, description="Relative swing, 0.3 = ±30%")
    peak: str = Field(
        "14:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Time of day (UTC) of the peak"
    )


class Noise(Model):
    """AR(1) noise: each sample keeps `phi` of the previous deviation plus fresh Gaussian noise.

    `sigma` is the stationary standard deviation, relative to the level when `relative` is true.
    """

    sigma: float = Field(0.02, ge=0.0)
    phi: float = Field(0.8, ge=0.0, lt=1.0)
    relative: bool = True


class Limits(Model):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("limits.min must not exceed limits.max")
        return self


class RatioOf(Model):
    """A gauge that is one metric divided by another (e.g. error ratio = errors / requests)."""

    model: Literal["ratio"]
    numerator: str
    denominator: str


class FractionOf(Model):
    """A counter whose rate is a fraction of another counter's rate (errors out of requests).

    The metric's level *is* the fraction, so incident effects on it change the fraction.
    """

    model: Literal["fraction"]
    of: str


class LatencyFrom(Model):
    """P95 latency that rises as load approaches capacity, capped at the timeout.

    latency = base × (1 + k·u/(1−u)) with u = load/capacity, clipped to [base, timeout].
    The metric's own level multiplies the result (effects on latency scale it).
    """

    model: Literal["latency"]
    load: str
    capacity: float = Field(gt=0)
    base: float = Field(gt=0, description="Latency at no load, in the metric's unit")
    timeout: float = Field(gt=0, description="Hard cap, in the metric's unit")
    k: float = Field(0.5, ge=0)


class PoolFrom(Model):
    """Connection-pool usage by Little's law: traffic × query time, clipped at the pool size.

    `query_time` names a metric (seconds) or is a constant; the metric's level multiplies the
    query time, so an effect on the pool metric models slow queries holding connections.
    """

    model: Literal["pool"]
    traffic: str
    query_time: str | float
    size: float = Field(gt=0)
    utilization: bool = Field(False, description="Emit usage as a 0–1 fraction of size instead of a count")


class CpuFrom(Model):
    """CPU utilisation (0–1) from load: idle + (1 − idle)·load/capacity, clipped to [0, 1]."""

    model: Literal["cpu"]
    load: str
    capacity: float = Field(gt=0)
    idle: float = Field(0.05, ge=0, le=1)


Derivation = Annotated[RatioOf | FractionOf | LatencyFrom | PoolFrom | CpuFrom, Field(discriminator="model")]


class Metric(Model):
    """One series. Its *level* is what baseline, daily cycle, noise and incident effects act on:
    the value for a gauge, the rate per second for a counter, the fraction for a `fraction` counter.
    """

    name: str = Field(pattern=METRIC_NAME_RE)
    labels: dict[str, str] = Field(default_factory=dict)
    kind: Literal["gauge", "counter"] = "gauge"
    help: str = ""
    unit: str = ""
    baseline: float = 0.0
    daily: DailyPattern | None = None
    noise: Noise | None = None
    limits: Limits | None = None
    derive: Derivation | None = None
    panel: str | None = Field(None, description="Dashboard panel title this series belongs to")

    @field_validator("labels")
    @classmethod
    def _label_names(cls, v: dict[str, str]) -> dict[str, str]:
        for k in v:
            if not LABEL_NAME_RE.match(k) or k.startswith("__"):
                raise ValueError(f"label name {k!r} is not a valid Prometheus label name")
        return v

    @property
    def key(self) -> str:
        """A stable identity: name plus sorted labels, as Prometheus would print it."""
        if not self.labels:
            return self.name
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.name}{{{inner}}}"


# --- incident effects -----------------------------------------------------------------------


class _Effect(Model):
    id: str | None = Field(None, description="Name a mitigation can refer to in `answer.mitigations[].ends`")
    metric: str = Field(description='Metric name (all its series) or a full key like name{a="b"}')
    start: Offset
    end: Offset | None = Field(None, description="When the effect stops; default: the end of the scenario")


class Step(_Effect):
    """Level jumps to a new value (`to`), by a factor, or by a delta, for the window."""

    effect: Literal["step"]
    to: float | None = None
    factor: float | None = None
    delta: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        if sum(x is not None for x in (self.to, self.factor, self.delta)) != 1:
            raise ValueError("a step needs exactly one of to, factor, delta")
        return self


class Ramp(_Effect):
    """Level moves linearly from its normal value at `start` to the target at `end`, then holds
    there until `hold_until` (default: the end of the scenario)."""

    effect: Literal["ramp"]
    to: float | None = None
    factor: float | None = None
    hold_until: Offset | None = None

    @model_validator(mode="after")
    def _one(self) -> Ramp:
        if (self.to is None) == (self.factor is None):
            raise ValueError("a ramp needs exactly one of to, factor")
        if self.end is None:
            raise ValueError("a ramp needs an end (when the target is reached)")
        return self


class Spike(_Effect):
    """A short triangular peak to `to` (or × factor), centred in the window."""

    effect: Literal["spike"]
    to: float | None = None
    factor: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Spike:
        if (self.to is None) == (self.factor is None):
            raise ValueError("a spike needs exactly one of to, factor")
        if self.end is None:
            raise ValueError("a spike needs an end")
        return self


class Plateau(_Effect):
    """Level saturates: rises over `rise` and sits exactly at `limit` (default: the metric's
    limits.max), without noise, as a full pool or a capped queue reads."""

    effect: Literal["plateau"]
    limit: float | None = None
    rise: Duration = 60.0


class Outage(_Effect):
    """The series disappears: `missing` leaves gaps (seen until the 5-minute lookback runs out),
    `stale` writes a staleness marker so it vanishes at once."""

    effect: Literal["outage"]
    mode: Literal["missing", "stale"] = "stale"


class Leak(_Effect):
    """Sawtooth: level grows linearly to `to` over `period`, then a restart drops it back."""

    effect: Literal["leak"]
    to: float
    period: Duration


class Flap(_Effect):
    """Level alternates between normal and `to` (or × factor): on for `duty`·period each period."""

    effect: Literal["flap"]
    to: float | None = None
    factor: float | None = None
    period: Duration
    duty: float = Field(0.5, gt=0, lt=1)

    @model_validator(mode="after")
    def _one(self) -> Flap:
        if (self.to is None) == (self.factor is None):
            raise ValueError("a flap needs exactly one of to, factor")
        return self


class Surge(_Effect):
    """A traffic surge: level × factor, rising over `rise` and easing back over `decay` after end."""

    effect: Literal["surge"]
    factor: float = Field(gt=0)
    rise: Duration = 60.0
    decay: Duration = 120.0


Effect = Annotated[
    Step | Ramp | Spike | Plateau | Outage | Leak | Flap | Surge, Field(discriminator="effect")
]


# --- injects --------------------------------------------------------------------------------


# Injects that are a person reporting the incident: an incident no alert reports starts for the
# on-call engineer (and is timed by scoring) from the first of these.
REPORT_INJECTS = ("customer_report", "manager", "page", "email")


class Inject(Model):
    """A timed non-metric event the trainee sees: a chat message, a customer report, a manager
    asking for an ETA, a deploy record or a log line."""

    at: Offset
    kind: Literal["chat", "customer_report", "manager", "deploy", "log", "page", "email"] = "chat"
    channel: str = "#monitoring"
    author: str = "system"
    text: str


# --- console evidence -----------------------------------------------------------------------


class LogEvidence(Model):
    """Log lines that carry the clue, repeated `count` times every `every` from `at`."""

    at: Offset
    level: Literal["DEBUG", "INFO", "WARN", "ERROR", "FATAL"] = "ERROR"
    service: str = "api"
    message: str
    count: int = Field(1, ge=1, le=5000)
    every: Duration = 10.0
    fields: dict[str, str] = Field(default_factory=dict)
    effect: str | None = Field(
        None, description="Incident effect id: the lines stop when a mitigation ends it"
    )


class DbSession(Model):
    """A row of pg_stat_activity; `connections` > 1 stands for a client holding several."""

    pid: int = Field(ge=1)
    usename: str = "app"
    application_name: str = "api"
    client_addr: str = "10.0.1.15"
    state: Literal["active", "idle", "idle in transaction", "idle in transaction (aborted)"] = "active"
    query: str = ""
    started: Offset = Field(0.0, description="When the query started, relative to the scenario start")
    ended: Offset | None = None
    wait_event_type: str | None = None
    wait_event: str | None = None
    connections: int = Field(1, ge=1, le=10000)
    lock_mode: str | None = Field(None, description="Lock held, shown in pg_locks")
    lock_relation: str | None = None
    granted: bool = True
    mitigation: str | None = Field(
        None, description="Mitigation id applied when this backend is terminated or cancelled"
    )


class SlowQuery(Model):
    query: str
    calls: int = Field(ge=0)
    mean_ms: float = Field(ge=0)
    rows: int = Field(0, ge=0)
    since: Offset = 0.0


class DatabaseEvidence(Model):
    max_connections: int = Field(100, ge=1)
    sessions: list[DbSession] = Field(default_factory=list)
    slow_queries: list[SlowQuery] = Field(default_factory=list)
    background_sessions: int = Field(8, ge=0, le=500, description="Ordinary short queries to add as noise")


class Deploy(Model):
    at: Offset
    sha: str = Field(pattern=r"^[0-9a-f]{7,40}$")
    author: str
    service: str = "api"
    message: str
    files: list[str] = Field(default_factory=list)
    mitigation: str | None = Field(None, description="Mitigation id applied when this deploy is reverted")


class ComponentStatus(Model):
    component: str
    kind: Literal["compute", "database", "storage", "kms", "dns", "cache", "search", "network", "queue"] = (
        "compute"
    )
    status: Literal["operational", "degraded", "partial_outage", "major_outage", "maintenance"] = (
        "operational"
    )
    since: Offset | None = None
    until: Offset | None = None
    message: str = ""
    effect: str | None = Field(
        None, description="Incident effect id: back to operational when a mitigation ends it"
    )


class ThirdPartyStatus(Model):
    name: str
    status: Literal["operational", "degraded_performance", "partial_outage", "major_outage"] = "operational"
    since: Offset | None = None
    until: Offset | None = None
    message: str = ""


class Evidence(Model):
    logs: list[LogEvidence] = Field(default_factory=list)
    database: DatabaseEvidence | None = None
    deploys: list[Deploy] = Field(default_factory=list)
    infrastructure: list[ComponentStatus] = Field(default_factory=list)
    third_party: list[ThirdPartyStatus] = Field(default_factory=list)


# --- the answer (ground truth; trainees never see it before the debrief) --------------------


class SeverityChange(Model):
    at: Offset
    severity: Severity
    reason: str = ""
    severity_reason: str | None = Field(
        None,
        description="Policy condition or judgement (id or text) behind this level, when the classifier differs",
    )


class RequiredEscalation(Model):
    role: Role
    within: Duration = Field(description="Deadline, measured from when the first alert fired")
    reason: str = ""


class DiagnosisOption(Model):
    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    text: str


class Diagnosis(Model):
    options: list[DiagnosisOption] = Field(min_length=2)
    correct: str
    evidence: list[str] = Field(
        default_factory=list,
        description="Console looks that support the diagnosis, e.g. 'database', 'logs', 'deploys'",
    )

    @model_validator(mode="after")
    def _correct_is_an_option(self) -> Diagnosis:
        if self.correct not in {o.id for o in self.options}:
            raise ValueError(f"correct {self.correct!r} is not one of the option ids")
        return self


class Mitigation(Model):
    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    label: str
    kind: Literal[
        "restart",
        "kill_query",
        "failover_db",
        "raise_rate_limit",
        "hotfix",
        "revert",
        "scale_out",
        "revoke_key",
        "block_client",
        "other",
    ] = "other"
    outcome: Literal["correct", "harmful", "neutral"]
    ends: list[str] = Field(default_factory=list, description="Incident effect ids that stop when applied")
    recovery: Duration = Field(60.0, description="How long the metrics take to return to normal")
    adds: list[Effect] = Field(
        default_factory=list, description="Consequences, with start/end relative to when it is applied"
    )
    explanation: str = ""


class CustomerNotice(Model):
    required: bool
    within: Duration | None = Field(
        None, description="Deadline from the first alert; default from the policy"
    )


class Answer(Model):
    real: bool
    severity: Severity
    severity_reason: str | None = Field(
        None,
        description="Policy condition or judgement (id or text, e.g. core_functionality_impaired) "
        "behind the severity, required when the classifier computes another level from the signals",
    )
    severity_changes: list[SeverityChange] = Field(default_factory=list)
    security: SecurityState = SecurityState.NONE
    title: str
    root_cause: str
    contributing_factors: list[str] = Field(default_factory=list)
    impact: str = ""
    escalations: list[RequiredEscalation] = Field(default_factory=list)
    diagnosis: Diagnosis | None = None
    mitigations: list[Mitigation] = Field(default_factory=list)
    customer_notification: CustomerNotice | None = None
    expected_resolution: Duration | None = None
    debrief: str = Field("", description="What the trainer wants every trainee to take away")


# --- observable signals (what the policy classifier reads) ---------------------------------


class ObservedFact(Model):
    """A signal no metric carries, observable from `at` (until `until`): a confirmed breach,
    data loss, legitimate traffic being rate limited, a warning."""

    at: Offset
    until: Offset | None = None
    security: SecurityState | None = None
    data_loss: bool | None = None
    legit_traffic_rate_limited: bool | None = None
    warning: bool | None = None
    traffic_affected: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _says_something(self) -> ObservedFact:
        if all(getattr(self, k) is None for k in OBSERVED_FACT_SIGNALS):
            raise ValueError("a fact needs at least one of " + ", ".join(OBSERVED_FACT_SIGNALS))
        return self


OBSERVED_FACT_SIGNALS = ("security", "data_loss", "legit_traffic_rate_limited", "warning", "traffic_affected")


class SignalSources(Model):
    """How the policy's signals are read from this scenario's metrics: one PromQL expression per
    signal (the largest result series counts), plus facts for what no metric carries.

    Without this section `firedrill validate` reads the conventional series when they exist:
    error_ratio from http_request_errors_total / http_requests_total and p95_ms from
    http_request_duration_p95_seconds.
    """

    error_ratio: str | None = Field(None, description="PromQL giving the share of requests failing, 0-1")
    traffic_affected: str | None = Field(None, description="PromQL giving the share of traffic affected, 0-1")
    successful_requests: str | None = Field(None, description="PromQL giving successful requests in a window")
    p95_ms: str | None = Field(None, description="PromQL giving P95 latency in milliseconds")
    resource_utilization: str | None = Field(None, description="PromQL giving the busiest resource, 0-1")
    facts: list[ObservedFact] = Field(default_factory=list)


# --- variants (knobs sampled per run by `simulator.variants`) ----------------------------


class RedHerrings(Model):
    """Distractions a variant may add; the answer must stay right with any of them included."""

    pick: int = Field(1, ge=0, le=20, description="At most this many candidates go into one variant")
    injects: list[Inject] = Field(default_factory=list)
    logs: list[LogEvidence] = Field(default_factory=list)
    blips: list[Effect] = Field(
        default_factory=list, description="Benign metric blips that must not fire a rule"
    )


class Variants(Model):
    """Bounds within which each run may differ from the written scenario."""

    timing_jitter: Duration = Field(
        0.0, description="The incident, its injects and evidence move together by up to ± this"
    )
    noise_scale: tuple[float, float] = Field(
        (1.0, 1.0), description="Every metric's noise is scaled by a factor in [lo, hi]"
    )
    red_herrings: RedHerrings = RedHerrings()

    @model_validator(mode="after")
    def _bounds(self) -> Variants:
        lo, hi = self.noise_scale
        if lo < 0 or hi < lo or hi > 5:
            raise ValueError("noise_scale needs 0 <= lo <= hi <= 5")
        return self


# --- the scenario ---------------------------------------------------------------------------


class Scenario(Model):
    id: str = Field(pattern=SCENARIO_ID_RE)
    title: str = Field(min_length=3, max_length=120)
    summary: str
    briefing: str = Field("", description="What the trainee is told before the drill starts")
    # The real `title` names the cause; trainees see this one until the debrief.
    briefing_title: str | None = Field(
        None,
        min_length=3,
        max_length=120,
        description="Neutral title for trainees: service and symptom as first reported, never the cause",
    )
    difficulty: int = Field(ge=1, le=5)
    tags: list[str] = Field(default_factory=list)
    source: Source | None = None
    service: str = "api"
    clock: Clock
    seed: int = Field(0, ge=0, le=2**63 - 1)
    metrics: list[Metric] = Field(min_length=1)
    incident: list[Effect] = Field(default_factory=list)
    rules: RuleFile | None = None
    rule_files: list[str] = Field(default_factory=list)
    injects: list[Inject] = Field(default_factory=list)
    evidence: Evidence = Evidence()
    answer: Answer
    signals: SignalSources | None = Field(
        None, description="How the policy classifier's signals are read from the metrics"
    )
    runbook: str | None = Field(None, description="Runbook link shown in notifications")
    variants: Variants | None = Field(None, description="Timing jitter, noise and red herrings for each run")

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems: list[str] = []
        names = {m.name for m in self.metrics}
        keys = [m.key for m in self.metrics]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            problems.append(f"metrics repeat the same series: {', '.join(dupes)}")
        for m in self.metrics:
            d = m.derive
            refs: list[str] = []
            if isinstance(d, RatioOf):
                refs = [d.numerator, d.denominator]
            elif isinstance(d, FractionOf):
                refs = [d.of]
            elif isinstance(d, (LatencyFrom, CpuFrom)):
                refs = [d.load]
            elif isinstance(d, PoolFrom):
                refs = [d.traffic] + ([d.query_time] if isinstance(d.query_time, str) else [])
            for r in refs:
                if r not in names:
                    problems.append(f"metric {m.name!r} derives from unknown metric {r!r}")
        blips = self.variants.red_herrings.blips if self.variants else []
        for e in [*self.incident, *(a for m in self.answer.mitigations for a in m.adds), *blips]:
            base = e.metric.split("{", 1)[0]
            if base not in names:
                problems.append(f"incident effect refers to unknown metric {e.metric!r}")
        effect_ids = {e.id for e in self.incident if e.id}
        for mitigation in self.answer.mitigations:
            for ref in mitigation.ends:
                if ref not in effect_ids:
                    problems.append(f"mitigation {mitigation.id!r} ends unknown incident effect {ref!r}")
        if self.rules is None and not self.rule_files:
            problems.append("a scenario needs alert rules: `rules:` (groups) or `rule_files:`")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def start(self) -> datetime:
        return self.clock.start

    def metric_names(self) -> list[str]:
        return sorted({m.name for m in self.metrics})


# --- loading --------------------------------------------------------------------------------


class LoadedScenario(BaseModel):
    """A scenario with the rule files it names already read, and the hash of its exact text."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    scenario: Scenario
    rule_groups: tuple[RuleGroup, ...]
    content_hash: str
    source: str
    text: str


def content_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_scenario(text: str, source: str = "<scenario>", base_dir: Path | None = None) -> LoadedScenario:
    """Validate a scenario text; rule files are resolved relative to `base_dir` and must stay in it."""
    data, positions = load_yaml(text, source)
    if not isinstance(data, dict):
        raise FormatError([Problem(source, 1, 1, "", "a scenario file must be a mapping of sections")])
    scenario = parse_model(Scenario, data, positions, source)
    groups = list(scenario.rules.groups) if scenario.rules else []
    problems: list[Problem] = []
    for i, ref in enumerate(scenario.rule_files):
        line, col = positions.find(("rule_files", i))
        if base_dir is None:
            problems.append(
                Problem(source, line, col, f"rule_files[{i}]", "rule files need a scenario on disk")
            )
            continue
        path = _contained(base_dir, ref)
        if path is None:
            problems.append(
                Problem(
                    source, line, col, f"rule_files[{i}]", f"{ref!r} leaves the scenario folder; not allowed"
                )
            )
            continue
        try:
            rule_text = read_text_limited(path)
            rdata, rpos = load_yaml(rule_text, str(path))
            groups.extend(parse_model(RuleFile, rdata, rpos, str(path)).groups)
        except FormatError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FormatError(problems)
    _check_rule_names(groups, positions, source)
    loaded = LoadedScenario(
        scenario=scenario,
        rule_groups=tuple(groups),
        content_hash=content_hash(text),
        source=source,
        text=text,
    )
    _check_expressions(loaded, positions)
    return loaded


def _contained(base_dir: Path, ref: str) -> Path | None:
    base = base_dir.resolve()
    path = (base / ref).resolve()
    return path if path.is_relative_to(base) else None


def _check_rule_names(groups: list[RuleGroup], positions: Positions, source: str) -> None:
    seen: set[str] = set()
    for g in groups:
        if g.name in seen:
            raise FormatError(
                [Problem(source, None, None, "rules.groups", f"group name {g.name!r} is repeated")]
            )
        seen.add(g.name)


def _check_expressions(loaded: LoadedScenario, positions: Positions) -> None:
    """Every rule expression must be inside firedrill's PromQL subset; say where it is not."""
    from . import promql  # imported late: promql imports scenario types

    problems: list[Problem] = []
    for gi, g in enumerate(loaded.rule_groups):
        for ri, rule in enumerate(g.rules):
            try:
                promql.parse(rule.expr)
            except promql.PromQLError as exc:
                path = ("rules", "groups", gi, "rules", ri, "expr")
                line, col = positions.find(path) if loaded.scenario.rules else (None, None)
                problems.append(
                    Problem(loaded.source, line, col, f"rules.groups[{gi}].rules[{ri}].expr", str(exc))
                )
    if problems:
        raise FormatError(problems)


def load_scenario(path: Path | str) -> LoadedScenario:
    path = Path(path)
    return parse_scenario(read_text_limited(path), str(path), base_dir=path.parent)


def scenario_files(folder: Path) -> list[Path]:
    """Scenario files in a folder: every *.yaml except rule files, expert responses and tests."""
    out = []
    for p in sorted(folder.glob("*.yaml")):
        if p.name.endswith((".expert.yaml", ".weak.yaml", ".responses.yaml", ".rules.yaml", ".test.yaml")):
            continue
        out.append(p)
    return out


def json_schema() -> dict[str, Any]:
    return Scenario.model_json_schema(by_alias=True)

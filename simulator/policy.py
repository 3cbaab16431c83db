"""The team's incident policy (`data/policy.yaml`): severity ladder, response targets, escalation
decisions, communication rules, statuses and the post-incident report template — and the
severity classifier that reads its conditions. Does not own who is on call (`simulator.oncall`)
or when pages go out (`simulator.escalation`); both read their rules from here.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from . import content
from .durations import Duration
from .vocabulary import SEVERITIES, IncidentStatus, Role, SecurityState, Severity
from .yamlio import FormatError, Problem, load_model_file, load_model_text

# Where it is read from at import time; `load_policy()` asks `simulator.content` at each call.
DEFAULT_POLICY_PATH = content.path("policy.yaml")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- observed signals ------------------------------------------------------------------------


class Signals(_Model):
    """What a responder can observe about an incident; every key is optional.

    A key that is absent is unknown, and a condition about an unknown signal does not match.
    """

    error_ratio: float | None = Field(None, ge=0, le=1, description="Share of requests failing, 0–1")
    traffic_affected: float | None = Field(None, ge=0, le=1, description="Share of traffic affected, 0–1")
    successful_requests: int | None = Field(None, ge=0, description="Successful requests in the window")
    p95_ms: float | None = Field(None, ge=0, description="P95 latency in milliseconds")
    p95_duration_min: float | None = Field(None, ge=0, description="How long P95 has been at that level")
    resource_utilization: float | None = Field(None, ge=0, le=1, description="Busiest resource, 0–1")
    security: SecurityState = SecurityState.NONE
    data_loss: StrictBool = False
    legit_traffic_rate_limited: StrictBool = False
    warning: StrictBool = False

    @field_validator(
        "error_ratio", "traffic_affected", "p95_ms", "p95_duration_min", "resource_utilization", mode="before"
    )
    @classmethod
    def _finite_number(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("expected a number, not true/false")
        if isinstance(v, float) and v != v:
            raise ValueError("expected a number, not NaN")
        return v

    @field_validator("successful_requests", mode="before")
    @classmethod
    def _count(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("expected a count, not true/false")
        return v


SIGNAL_NAMES: tuple[str, ...] = tuple(Signals.model_fields)
_NUMERIC = {
    "error_ratio",
    "traffic_affected",
    "successful_requests",
    "p95_ms",
    "p95_duration_min",
    "resource_utilization",
}
_BOOLEAN = {"data_loss", "legit_traffic_rate_limited", "warning"}
_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


class Clause(_Model):
    """One test of one signal, e.g. `{signal: error_ratio, op: ">=", value: 0.01}`."""

    signal: str
    op: Literal["==", "!=", ">", ">=", "<", "<="]
    value: bool | int | float | str

    @model_validator(mode="after")
    def _fits_signal(self) -> Clause:
        if self.signal not in SIGNAL_NAMES:
            raise ValueError(f"unknown signal {self.signal!r}; allowed: {', '.join(SIGNAL_NAMES)}")
        if self.signal in _NUMERIC and (isinstance(self.value, (bool, str))):
            raise ValueError(f"signal {self.signal!r} is a number; value must be a number")
        if self.signal in _BOOLEAN and (not isinstance(self.value, bool) or self.op not in ("==", "!=")):
            raise ValueError(f"signal {self.signal!r} is true/false; use op == or != with true or false")
        if self.signal == "security":
            allowed = [s.value for s in SecurityState]
            if self.value not in allowed or self.op not in ("==", "!="):
                raise ValueError(f"signal 'security' takes op == or != and one of {', '.join(allowed)}")
        return self

    def holds(self, signals: Signals) -> bool:
        observed = getattr(signals, self.signal)
        if observed is None:
            return False
        if isinstance(observed, SecurityState):
            observed = observed.value
        return bool(_OPS[self.op](observed, self.value))

    def describe(self) -> str:
        value = (
            str(self.value).lower()
            if isinstance(self.value, bool)
            else (f"{self.value:g}" if isinstance(self.value, (int, float)) else self.value)
        )
        return f"{self.signal} {self.op} {value}"


class Condition(_Model):
    """A named condition of a severity level: all of its clauses must hold."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(description="What the condition means, as the seed words it")
    all: list[Clause] = Field(min_length=1)
    decision: str = Field("", description="Why the threshold is where it is, where the seed left a gap")

    def holds(self, signals: Signals) -> bool:
        return all(c.holds(signals) for c in self.all)


class Judgement(_Model):
    """A named reason for a level that no metric can show, e.g. "core functionality impaired".

    The classifier never matches one; a scenario whose answer differs from what the classifier
    computes from its signals must name one (its `severity_reason`), so every answer is backed by
    a clause of this file.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(description="What the responder must judge, in the policy's words")
    decision: str = Field("", description="Why this judgement sits at this level")


class CustomerNotification(_Model):
    """When customers must be told: `within` a deadline, only `if_longer_than`, or not at all."""

    within: Duration | None = None
    if_longer_than: Duration | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_rule(self) -> CustomerNotification:
        if self.within is not None and self.if_longer_than is not None:
            raise ValueError("give either within or if_longer_than, not both")
        return self

    @property
    def required(self) -> bool:
        return self.within is not None or self.if_longer_than is not None

    def deadline(self, incident_duration: float | None = None) -> float | None:
        """Seconds after the start by which customers must be told, or None when they need not be.

        `if_longer_than` rules: the notice is due once the incident has lasted that long, so an
        incident resolved sooner (known `incident_duration`) needs none.
        """
        if self.within is not None:
            return self.within
        if self.if_longer_than is not None:
            if incident_duration is not None and incident_duration <= self.if_longer_than:
                return None
            return self.if_longer_than
        return None


class Level(_Model):
    """What one severity level covers and what it demands."""

    title: str
    impact: str
    examples: list[str] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    judgements: list[Judgement] = Field(
        default_factory=list, description="Reasons for this level a responder judges, not a metric"
    )
    ack_target: Duration = Field(description="Acknowledge within this long")
    hard_limit: Duration = Field(description="Acknowledgement this late scores zero")
    page: Literal["immediately", "if_unacknowledged", "never"]
    page_after: Duration = Field(0.0, description="With page: if_unacknowledged, how long to wait")
    ticket: bool = False
    check_in: Duration | None = Field(None, description="Recurring check-in while the ticket is open")
    channel: str = Field(description="Where the alert and updates go: a Slack channel or an email summary")
    customer_notification: CustomerNotification = CustomerNotification()
    incident_commander: bool = False
    bridge_call: bool = False
    decisions: list[str] = Field(default_factory=list, description="Gap decisions about this level")

    @property
    def clauses(self) -> list[Condition | Judgement]:
        """Every named reason for this level: the classifier's conditions, then the judgements."""
        return [*self.conditions, *self.judgements]

    @model_validator(mode="after")
    def _limits(self) -> Level:
        if self.ack_target <= 0:
            raise ValueError("ack_target must be longer than 0s")
        if self.hard_limit < self.ack_target:
            raise ValueError("hard_limit must be at least the ack_target")
        if self.page == "if_unacknowledged" and self.page_after <= 0:
            raise ValueError("page: if_unacknowledged needs a page_after longer than 0s")
        return self


class EscalationRule(_Model):
    """One step of a PagerDuty-style escalation policy."""

    targets: list[Role] = Field(min_length=1)
    delay: Duration = Field(description="Minutes before an unacknowledged incident moves on (not cumulative)")

    @field_validator("delay")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("an escalation delay must be longer than 0s")
        return v


class EscalationPolicy(_Model):
    rules: list[EscalationRule] = Field(min_length=1)
    num_loops: int = Field(0, ge=0, le=9, description="How many times the whole policy repeats")
    ack_timeout: Duration | None = Field(
        None, description="An acknowledged incident unresolved this long returns to triggered; null = never"
    )
    decisions: list[str] = Field(default_factory=list)


class EscalationDecision(_Model):
    """Who to bring in for what, beyond the unacknowledged-page ladder."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    when: str
    role: Role
    within: Duration = Field(description="How soon after the need is recognised")
    decision: str = ""
    # Which decisions a drill requires on its own (the others need a trainee's judgement, e.g.
    # "root cause still unclear"), and from when their deadline runs.
    required_at: list[Severity] = Field(
        default_factory=list, description="Required whenever the incident is at one of these levels"
    )
    on_security: StrictBool = Field(False, description="Required for every security incident")
    with_customer_notice: StrictBool = Field(
        False, description="Required whenever customers must be told; due no later than the notice"
    )


class Communication(_Model):
    channel_pattern: str = "#incident-YYYYMMDD-NNN"
    incident_id_pattern: str = "INC-YYYY-MM-DD-NNN"
    update_cadence_min: Duration
    update_cadence_max: Duration
    bridge_update_cadence: Duration
    resolution_announcement: str = "Issue resolved at HH:MM UTC"
    confirm_before_announcing: Duration = Field(description="Wait for metrics confirmation before announcing")
    monitor_after_resolution: Duration
    status_page: dict[str, str] = Field(default_factory=dict, description="Public status text per status")
    decisions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cadence(self) -> Communication:
        if self.update_cadence_min <= 0 or self.update_cadence_max < self.update_cadence_min:
            raise ValueError("update cadence needs 0 < update_cadence_min <= update_cadence_max")
        for name in ("channel_pattern", "incident_id_pattern"):
            if "NNN" not in getattr(self, name) or "YYYY" not in getattr(self, name):
                raise ValueError(f"{name} must contain YYYY and NNN placeholders")
        # Scoring reads the announced time out of the trainee's words at this placeholder.
        if "HH:MM" not in self.resolution_announcement:
            raise ValueError("resolution_announcement must contain the HH:MM placeholder")
        return self


class Status(_Model):
    name: IncidentStatus
    meaning: str


class ReportSection(_Model):
    name: str
    required: bool = True
    fields: list[str] = Field(default_factory=list, description="Items each entry must carry")
    help: str = ""


class PostIncident(_Model):
    rca_meeting_within: Duration
    follow_up_meeting_after: Duration
    report_sections: list[ReportSection] = Field(min_length=1)

    @property
    def required_sections(self) -> list[str]:
        return [s.name for s in self.report_sections if s.required]


class Policy(_Model):
    """The whole `data/policy.yaml`."""

    version: Literal[1] = 1
    levels: dict[Severity, Level]
    no_match: Severity = Field(Severity.LOW, description="Severity when no condition matches")
    escalation_policy: EscalationPolicy
    escalation_decisions: list[EscalationDecision] = Field(min_length=1)
    communication: Communication
    statuses: list[Status]
    post_incident: PostIncident

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        missing = [s.value for s in SEVERITIES if s not in self.levels]
        if missing:
            raise ValueError(
                f"missing severity level(s): {', '.join(missing)}; "
                f"every one of {', '.join(SEVERITIES)} must be defined"
            )
        names = [s.name for s in self.statuses]
        if names != list(IncidentStatus):
            raise ValueError("statuses must list " + " → ".join(IncidentStatus) + " in that order")
        targets = [self.levels[s].ack_target for s in SEVERITIES]
        if targets != sorted(targets):
            raise ValueError("ack targets must not get shorter as severity drops")
        # The paging plan brings in an incident commander at these levels; a drill must score the
        # same requirement, so one decision has to say by when.
        for sev in SEVERITIES:
            if self.levels[sev].incident_commander and not any(
                d.role == Role.INCIDENT_COMMANDER and sev in d.required_at for d in self.escalation_decisions
            ):
                raise ValueError(
                    f"levels.{sev.value}.incident_commander is true but no escalation_decisions entry "
                    f"with role incident_commander has {sev.value} in required_at (it sets the deadline)"
                )
        ids = [c.id for lv in self.levels.values() for c in lv.clauses]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"condition and judgement ids must be unique; repeated: {', '.join(dupes)}")
        return self

    @cached_property
    def content_hash(self) -> str:
        """Which policy an attempt was scored against (stored with it), computed once per policy."""
        return "sha256:" + hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]

    def level(self, severity: Severity | str) -> Level:
        return self.levels[Severity(severity)]

    def customer_notice_within(self, severity: Severity) -> float:
        """Seconds from the first alert to tell customers when a scenario requires a notice but
        names no deadline: the level's own rule, else the tightest one any level sets (a notice
        the policy itself would not ask for at this level is held to its strictest), else the
        level's hard acknowledgement limit."""
        own = self.level(severity).customer_notification.deadline(None)
        if own is not None:
            return own
        others = [
            d for s in SEVERITIES if (d := self.level(s).customer_notification.deadline(None)) is not None
        ]
        return min(others) if others else self.level(severity).hard_limit

    @property
    def incident_commander_levels(self) -> set[Severity]:
        """Severities at which the policy brings in an incident commander (the seed: CRITICAL)."""
        return {s for s in SEVERITIES if self.level(s).incident_commander}

    def clause(self, name: str) -> tuple[Severity, str, str] | None:
        """The level, id and text of the condition or judgement `name` names (by id or by its
        text, case-insensitive), or None."""
        wanted = name.strip().lower()
        for severity in SEVERITIES:
            lv = self.level(severity)
            for c in lv.clauses:
                if wanted in (c.id.lower(), c.text.strip().lower()):
                    return severity, c.id, c.text
        return None

    def clause_ids(self) -> list[str]:
        return [c.id for s in SEVERITIES for c in self.level(s).clauses]

    def decision(self, decision_id: str) -> EscalationDecision:
        for d in self.escalation_decisions:
            if d.id == decision_id:
                return d
        raise KeyError(decision_id)

    def incident_channel_name(self, day: date, n: int) -> str:
        return _fill(self.communication.channel_pattern, day, n)

    def incident_id(self, day: date, n: int) -> str:
        return _fill(self.communication.incident_id_pattern, day, n)

    def check_channel_name(self, name: str, day: date | None = None) -> tuple[bool, str]:
        """Whether `name` is a correct incident channel (for `day`, when given), and why.

        The seed spells the channel both `#incident-20260310-001` (its format line) and
        `#incident-2026-03-10-001` (its phase-1 checklist): a trainee following either is right."""
        pattern = self.communication.channel_pattern
        ok, why = _check(pattern, "channel name", name, day)
        if not ok and "YYYYMMDD" in pattern:
            dashed_ok, dashed_why = _check(
                pattern.replace("YYYYMMDD", "YYYY-MM-DD"), "channel name", name, day
            )
            if dashed_ok or "does not follow" not in dashed_why:
                return dashed_ok, dashed_why  # the dashed spelling, right or wrong for its own reason
        return ok, why

    def check_incident_id(self, incident_id: str, day: date | None = None) -> tuple[bool, str]:
        return _check(self.communication.incident_id_pattern, "incident id", incident_id, day)


# --- names: #incident-YYYYMMDD-NNN and INC-YYYY-MM-DD-NNN -------------------------------------


def _fill(pattern: str, day: date, n: int) -> str:
    if not 1 <= n <= 999:
        raise ValueError(f"incident number must be 1–999 (found {n})")
    return (
        pattern.replace("YYYY", f"{day.year:04d}")
        .replace("MM", f"{day.month:02d}")
        .replace("DD", f"{day.day:02d}")
        .replace("NNN", f"{n:03d}")
    )


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = re.escape(pattern)
    for token, group in (
        ("YYYY", r"(?P<y>\d{4})"),
        ("MM", r"(?P<m>\d{2})"),
        ("DD", r"(?P<d>\d{2})"),
        ("NNN", r"(?P<n>\d{3})"),
    ):
        out = out.replace(token, group, 1)
    return re.compile(f"^{out}$")


def _check(pattern: str, what: str, name: str, day: date | None) -> tuple[bool, str]:
    if isinstance(day, datetime):
        day = day.date()
    example = _fill(pattern, day or date(2026, 3, 10), 1)
    m = _pattern_regex(pattern).match(name.strip())
    if not m:
        return False, f"{what} {name!r} does not follow {pattern} (e.g. {example})"
    try:
        named = date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return False, f"{what} {name!r} names a date that does not exist"
    if int(m["n"]) == 0:
        return False, f"{what} {name!r}: incident numbers start at 001"
    if day is not None and named != day:
        return (
            False,
            f"{what} {name!r} names {named.isoformat()} but the incident started on {day.isoformat()}",
        )
    return True, f"{what} follows {pattern}"


# --- loading ---------------------------------------------------------------------------------


def load_policy(path: Path | None = None) -> Policy:
    """Load and validate a policy file (default: the content directory's `policy.yaml`);
    FormatError when it is bad."""
    return load_model_file(Policy, Path(path) if path is not None else content.path("policy.yaml"))


def validate_policy_text(text: str, source: str, base_dir: Path | None = None) -> Policy:
    return load_model_text(Policy, text, source)


def json_schema() -> dict[str, Any]:
    return Policy.model_json_schema()


def default_policy() -> Policy:
    """The team's `policy.yaml`, loaded once per process (a frozen value, safe to share)."""
    return content.parsed("policy.yaml", load_policy)


def incident_channel_name(day: date, n: int, policy: Policy | None = None) -> str:
    return (policy or default_policy()).incident_channel_name(day, n)


def incident_id(day: date, n: int, policy: Policy | None = None) -> str:
    return (policy or default_policy()).incident_id(day, n)


def check_channel_name(name: str, day: date | None = None, policy: Policy | None = None) -> tuple[bool, str]:
    return (policy or default_policy()).check_channel_name(name, day)


# --- classifying -----------------------------------------------------------------------------


class MatchedCondition(_Model):
    level: Severity
    condition_id: str
    text: str
    clauses: list[str] = Field(default_factory=list)


class Classification(_Model):
    severity: Severity
    matched: list[MatchedCondition]

    @property
    def reasons(self) -> list[str]:
        """The matched conditions of the winning level, most useful first."""
        return [m.text for m in self.matched if m.level == self.severity]


def parse_signals(data: Any, source: str = "<signals>") -> Signals:
    """Validate a signals mapping; FormatError naming each bad key and what is allowed."""
    if not isinstance(data, dict):
        raise FormatError([Problem(source, None, None, "", "expected a JSON object of signals")])
    try:
        return Signals.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            field = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                msg = f"unknown signal; allowed: {', '.join(SIGNAL_NAMES)}"
            else:
                msg = err["msg"].removeprefix("Value error, ") + f" (found {err.get('input')!r})"
            problems.append(Problem(source, None, None, field, msg))
        raise FormatError(problems) from None


def classify(signals: Signals | dict[str, Any], policy: Policy | None = None) -> Classification:
    """The severity the policy gives these signals, with every condition that held.

    The most severe level with a matching condition wins; `matched` lists all matches, most
    severe first, so a trainee sees both why it is CRITICAL and what else was true.
    """
    if not isinstance(signals, Signals):
        signals = parse_signals(signals)
    policy = policy or default_policy()
    matched: list[MatchedCondition] = []
    for severity in SEVERITIES:
        for cond in policy.level(severity).conditions:
            if cond.holds(signals):
                matched.append(
                    MatchedCondition(
                        level=severity,
                        condition_id=cond.id,
                        text=cond.text,
                        clauses=[c.describe() for c in cond.all],
                    )
                )
    severity = matched[0].level if matched else policy.no_match
    return Classification(severity=severity, matched=matched)


# --- deadlines -------------------------------------------------------------------------------


class Deadline(_Model):
    """One thing the policy requires by a time: bringing in a role, or telling customers.

    Offsets are seconds from the scenario start; `since` is when the need arose (the level's
    start, the first sign of a security issue, or the moment an open incident outlasted the
    notice rule) and `clause` names the part of the policy that sets it.
    """

    role: Role | None = Field(description="Who must be brought in; None for the customer notice")
    due: float
    since: float
    clause: str
    reason: str


def customer_notice_deadline(
    policy: Policy, levels: list[tuple[float, Severity]], open_until: float
) -> Deadline | None:
    """When customers must be told, or None when this incident needs no notice.

    `levels` is the incident's severity over time, (from, severity) in time order, the first
    entry starting when the incident became visible; each re-classification starts its own clock.
    A rule "if longer than" applies only when the incident stayed open (until `open_until`) past it.
    """
    best: Deadline | None = None
    for since, severity in levels:
        rule = policy.level(severity).customer_notification
        if rule.within is not None:
            due, need = since + rule.within, since
            why = f"{severity.value} requires a customer notice within {_minutes(rule.within)}"
        elif rule.if_longer_than is not None and open_until - since > rule.if_longer_than:
            due = need = since + rule.if_longer_than
            why = f"{severity.value} open longer than {_minutes(rule.if_longer_than)} requires a customer notice"
        else:
            continue
        if best is None or due < best.due:
            best = Deadline(
                role=None,
                due=due,
                since=need,
                clause=f"levels.{severity.value}.customer_notification",
                reason=why,
            )
    return best


def required_escalations(
    policy: Policy,
    levels: list[tuple[float, Severity]],
    open_until: float,
    security_from: float | None = None,
) -> list[Deadline]:
    """Every role the policy requires for this incident, each with its earliest deadline.

    Decisions marked `required_at` run from the start of the first level that needs them,
    `on_security` from the first sign of a security issue, `with_customer_notice` from when the
    notice became due and never later than the notice itself. Decisions with none of these need
    a responder's judgement ("root cause still unclear") and are required only by a scenario.
    """
    notice = customer_notice_deadline(policy, levels, open_until)
    best: dict[Role, Deadline] = {}

    def need(role: Role, since: float, due: float, clause: str, reason: str) -> None:
        if role not in best or due < best[role].due:
            best[role] = Deadline(role=role, due=due, since=since, clause=clause, reason=reason)

    for d in policy.escalation_decisions:
        clause = f"escalation_decisions.{d.id}"
        for since, severity in levels:
            if severity in d.required_at and since < open_until:
                need(d.role, since, since + d.within, clause, f"{d.when} (within {_minutes(d.within)})")
                break
        if d.on_security and security_from is not None:
            need(
                d.role,
                security_from,
                security_from + d.within,
                clause,
                f"{d.when} (within {_minutes(d.within)})",
            )
        if d.with_customer_notice and notice is not None:
            need(
                d.role,
                notice.since,
                min(notice.since + d.within, notice.due),
                clause,
                f"{d.when} (within {_minutes(d.within)}, before the customer notice)",
            )
    return list(best.values())


def decision_limit(
    policy: Policy, role: Role, severities: list[Severity], security: bool
) -> EscalationDecision | None:
    """The policy decision that bounds a scenario's own deadline for `role`: the tightest one
    that applies to an incident with these levels, else the tightest judgement decision for the
    role, else None (the policy says nothing about that role, e.g. a subject-matter expert)."""
    mine = [d for d in policy.escalation_decisions if d.role == role]
    applies = [
        d
        for d in mine
        if set(d.required_at) & set(severities)
        or (d.on_security and security)
        or (
            d.with_customer_notice and any(policy.level(s).customer_notification.required for s in severities)
        )
    ]
    judged = [d for d in mine if not d.required_at and not d.on_security and not d.with_customer_notice]
    pool = applies or judged
    return min(pool, key=lambda d: d.within) if pool else None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"

"""Who gets notified when, for an incident of a given severity: the escalation engine.

Owns turning the policy (`simulator.policy`) and the team (`simulator.oncall`) into a timeline
of notifications for one incident, given when (if ever) it is acknowledged. It does not decide
severity, and it never reads the clock: the trigger time and acknowledgement delay come in.

The engine is PagerDuty's: ordered rules, the first notified at once, each delay non-cumulative,
`num_loops` repeats of the whole policy, rules with nobody on call skipped, an acknowledgement
stopping escalation, an acknowledgement timeout returning the incident to triggered, and the
policy captured when the incident is triggered. The seed's severity routing sits on top.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from .durations import format_duration
from .oncall import Team, iso, on_call, utc
from .policy import EscalationPolicy, Policy
from .vocabulary import Role, Severity

PAGE = "page"
TICKET = "ticket"
DEFAULT_HORIZON = 7 * 86400.0  # how far ahead recurring check-ins are listed


@dataclass(frozen=True)
class PlannedNotification:
    at: datetime
    offset: float  # seconds after the trigger
    who: str  # the person's name
    person_id: str
    role: Role
    channel: str  # "page", "ticket", "#incidents", "#monitoring", "weekly summary email"
    reason: str

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = iso(self.at)
        d["role"] = self.role.value
        return d


@dataclass(frozen=True)
class Incident:
    """An incident as the engine sees it: when it was triggered and the policy it keeps.

    PagerDuty keeps the escalation policy an incident was triggered with; editing the policy
    afterwards changes only later incidents. Holding the frozen policy here is that snapshot.
    """

    severity: Severity
    triggered_at: datetime
    escalation_policy: EscalationPolicy
    security: bool = False


def trigger(
    policy: Policy, severity: Severity | str, triggered_at: datetime, security: bool = False
) -> Incident:
    return Incident(Severity(severity), utc(triggered_at), policy.escalation_policy, security)


def plan(
    policy: Policy,
    team: Team,
    severity: Severity | str,
    triggered_at: datetime,
    ack_after: float | None = None,
    security: bool = False,
    *,
    resolve_after: float | None = None,
    horizon: float = DEFAULT_HORIZON,
    incident: Incident | None = None,
) -> list[PlannedNotification]:
    """Every notification for one incident, in time order.

    `ack_after`: seconds after the trigger when someone acknowledges (None: nobody does).
    `resolve_after`: seconds after the trigger when it is resolved (None: not within the plan);
    it bounds recurring check-ins and decides whether a customer notice (and so the manager) is due.
    `incident`: pass one made by `trigger` earlier to plan with the policy it was triggered with.
    """
    severity = Severity(severity)
    t0 = utc(triggered_at)
    incident = incident or trigger(policy, severity, t0, security)
    level = policy.level(severity)
    out: list[PlannedNotification] = []

    def at(offset: float) -> datetime:
        return t0 + timedelta(seconds=offset)

    def emit(offset: float, role: Role, channel: str, reason: str) -> int:
        holders = on_call(team, at(offset)).holders(role)
        for person, why in holders:
            extra = f" ({why})" if why.startswith("outgoing") else ""
            out.append(
                PlannedNotification(at(offset), offset, person.name, person.id, role, channel, reason + extra)
            )
        return len(holders)

    def open_at(offset: float) -> bool:
        return resolve_after is None or offset < resolve_after

    sev = severity.value
    # 1. Severity routing: what happens at the trigger, whoever acknowledges.
    if level.page == "immediately":
        _escalate(incident.escalation_policy, 0.0, ack_after, emit, f"{sev}: page at once", open_at)
    elif level.page == "if_unacknowledged":
        emit(
            0.0,
            Role.PRIMARY,
            level.channel,
            f"{sev}: alert posted to {level.channel}; paged if not acknowledged within "
            f"{format_duration(level.page_after)}",
        )
        if ack_after is None or ack_after > level.page_after:
            _escalate(
                incident.escalation_policy,
                level.page_after,
                ack_after,
                emit,
                f"{sev}: not acknowledged within {format_duration(level.page_after)}",
                open_at,
            )
    else:
        if level.channel.startswith("#"):
            how = f"ticket in the queue; posted to {level.channel}"
        else:
            how = f"ticket only; listed in the {level.channel}"
        emit(
            0.0, Role.PRIMARY, TICKET, f"{sev}: {how}; acknowledge within {format_duration(level.ack_target)}"
        )
        if level.check_in:
            n = 1
            while n * level.check_in <= horizon and open_at(n * level.check_in):
                emit(n * level.check_in, Role.PRIMARY, TICKET, f"{sev}: daily check-in on the open ticket")
                n += 1
    if level.incident_commander:
        emit(
            0.0,
            Role.INCIDENT_COMMANDER,
            PAGE,
            f"{sev}: incident commander coordinates"
            + ("; opens the bridge call" if level.bridge_call else ""),
        )
    if incident.security:
        emit(0.0, Role.SECURITY_LEAD, PAGE, "security incident: the security lead is paged at once")
    # 2. Customer communication goes through the manager, when the policy says customers are told.
    notice = level.customer_notification
    if notice.within is not None:
        emit(
            0.0,
            Role.MANAGER,
            PAGE,
            f"{sev}: customers must be told within {format_duration(notice.within)}; "
            "the manager owns customer communication",
        )
    elif notice.if_longer_than is not None and open_at(notice.if_longer_than):
        emit(
            notice.if_longer_than,
            Role.MANAGER,
            PAGE,
            f"{sev}: still open after {format_duration(notice.if_longer_than)}; customers must be told, "
            "the manager owns customer communication",
        )
    # 3. Acknowledgement timeout: an acknowledged incident still open returns to triggered.
    timeout = incident.escalation_policy.ack_timeout
    if ack_after is not None and timeout and level.page != "never":
        back = ack_after + timeout
        if open_at(back):
            _escalate(
                incident.escalation_policy,
                back,
                None,
                emit,
                f"{sev}: acknowledged at +{format_duration(ack_after)} but unresolved after the "
                f"{format_duration(timeout)} acknowledgement timeout; back to triggered",
                open_at,
            )
    out.sort(key=lambda n: (n.offset, _ROLE_ORDER.index(n.role), n.who))
    return out


_ROLE_ORDER = [Role.PRIMARY, Role.BACKUP, Role.INCIDENT_COMMANDER, Role.SECURITY_LEAD, Role.MANAGER, Role.SME]


def _escalate(
    policy: EscalationPolicy, start: float, ack_after: float | None, emit, why: str, open_at
) -> None:
    """Walk the escalation rules from `start` until acknowledged, resolved or out of loops.

    A notification due at the same instant as the acknowledgement is not sent: acknowledging
    "within 2 minutes" includes the 2-minute mark. The first notification always goes out.
    """
    t = start
    first = True
    for loop in range(policy.num_loops + 1):
        reached_anyone = False
        for i, rule in enumerate(policy.rules):
            if not first and ((ack_after is not None and t >= ack_after) or not open_at(t)):
                return
            label = f"{why}; escalation rule {i + 1}" + (f", loop {loop + 1}" if loop else "")
            sent = sum(emit(t, role, PAGE, label) for role in rule.targets)
            if sent == 0:
                # Nobody on call for this rule: PagerDuty moves straight on without waiting.
                continue
            first = False
            reached_anyone = True
            t += rule.delay
        if not reached_anyone:
            return  # nobody on call at all: looping would page no one forever


def plan_json(notifications: list[PlannedNotification]) -> list[dict[str, Any]]:
    return [n.as_dict() for n in notifications]

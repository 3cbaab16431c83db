"""Working a page: acknowledge within the severity's target, escalate only to whom the policy says,
verify recovery, then resolve.

Owns the practice pages, a small pager state machine (triggered → acknowledged → resolved, with
escalations recorded on the way) and grading a trainee's actions on each page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import ExerciseResult, ItemResult


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

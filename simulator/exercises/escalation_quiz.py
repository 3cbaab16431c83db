"""Knowing whom to call: escalation decisions for situations an on-call engineer meets.

Owns the cases (who to bring in, and why) and the quiz built from them. Who is paged when, in a
drill, is `simulator.escalation`'s; this is the trainee's judgement of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import ExerciseResult, Question, grade_quiz

WHO = ("Handle it myself", "On-call backup", "On-call manager", "Incident commander", "Security lead")
ESCALATION_CASES: tuple[tuple[str, str, str], ...] = (
    (
        "Complete outage, 0 successful requests; you are the primary.",
        "Incident commander",
        "CRITICAL: the incident commander coordinates and calls a bridge.",
    ),
    (
        "You find an attacker's session in the audit log.",
        "Security lead",
        "Security incident: call the security lead immediately.",
    ),
    (
        "Error rate 3% for 20 minutes; you have ruled out deploys and dependencies and do not know the cause.",
        "Incident commander",
        "Unclear root cause → call the incident commander.",
    ),
    (
        "The fix needs a customer-wide announcement and a service credit decision.",
        "On-call manager",
        "Customer communication and business decisions → the manager.",
    ),
    (
        "Disk at 82% on a log node, growing slowly; you know the cleanup runbook.",
        "Handle it myself",
        "MEDIUM and within your knowledge: ticket, handle, no page.",
    ),
    (
        "You are on a train without signal for 30 minutes during your shift.",
        "On-call backup",
        "Coverage is mandatory: hand the pager to the backup first.",
    ),
    (
        "Rolling back needs a production database change beyond on-call authority.",
        "Incident commander",
        "Beyond on-call authority → incident commander.",
    ),
    (
        "A single customer reports slowness; dashboards are normal.",
        "Handle it myself",
        "Investigate first; nothing to escalate yet.",
    ),
)


def escalation_questions() -> list[Question]:
    return [
        Question(f"esc.{i}", text, WHO, WHO.index(who), explanation=why)
        for i, (text, who, why) in enumerate(ESCALATION_CASES)
    ]


def grade_escalation(answers: Mapping[str, str], pass_mark: float = 0.8) -> ExerciseResult:
    return grade_quiz("day4.escalation_quiz", escalation_questions(), answers, pass_mark)

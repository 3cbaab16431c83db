"""Sign-off: the trainer's decision on top of the evidence-based assessment, and the trainee's status.

Owns the rules of deciding: a trainer may confirm only when every criterion is met by recorded
evidence (a rejection is always possible and needs a comment), the decision keeps a snapshot of
the assessment it was made on, and the status that follows ("ready for primary on-call").
It does not compute criteria (`simulator.curriculum`) nor store decisions (`simulator.store.curriculum`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .curriculum import CriterionResult, SignoffAssessment

READY = "ready for primary on-call"
AWAITING = "awaiting trainer sign-off"
IN_TRAINING = "in training"
REJECTED = "sign-off rejected — more practice needed"


class SignoffError(ValueError):
    """A decision the rules do not allow (shown to the trainer as one line)."""


@dataclass(frozen=True)
class Decision:
    username: str
    trainer: str
    decision: str  # "confirmed" | "rejected"
    comment: str
    at: datetime
    snapshot: dict[str, Any]

    @property
    def confirmed(self) -> bool:
        return self.decision == "confirmed"


def snapshot(assessment: SignoffAssessment) -> dict[str, Any]:
    """A plain-data copy of the assessment, kept with the decision (evidence can change later)."""
    return {"criteria": [_criterion_dict(c) for c in assessment.criteria], "all_met": assessment.all_met}


def _criterion_dict(c: CriterionResult) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "met": c.met,
        "score": round(c.score, 4),
        "rating": c.rating,
        "requirements": [
            {
                "description": r.description,
                "met": r.met,
                "score": round(r.score, 4),
                "missing": r.missing,
                "evidence": [
                    {
                        "kind": e.kind,
                        "ref": e.ref,
                        "at": e.at.isoformat(),
                        "score": e.score,
                        "passed": e.passed,
                    }
                    for e in r.evidence
                ],
            }
            for r in c.requirements
        ],
    }


def decide(
    assessment: SignoffAssessment, *, username: str, trainer: str, confirm: bool, comment: str, at: datetime
) -> Decision:
    """The trainer's decision. Confirming needs every criterion met; rejecting needs a reason."""
    comment = comment.strip()
    if not trainer:
        raise SignoffError("a decision needs the trainer's name")
    if trainer == username:
        raise SignoffError("trainees cannot sign themselves off")
    if confirm and not assessment.all_met:
        unmet = ", ".join(c.title for c in assessment.criteria if not c.met)
        raise SignoffError(f"cannot confirm: not yet met by evidence — {unmet}")
    if not confirm and not comment:
        raise SignoffError("a rejection needs a comment saying what to practise")
    return Decision(
        username, trainer, "confirmed" if confirm else "rejected", comment, at, snapshot(assessment)
    )


def status(assessment: SignoffAssessment, decisions: Sequence[Any]) -> str:
    """The latest decision wins; without one, met criteria mean the trainee waits for a trainer."""
    latest = decisions[-1] if decisions else None
    if latest is not None and getattr(latest, "confirmed", False):
        return READY
    if latest is not None:
        return (
            REJECTED
            if not assessment.all_met or _after_rejection_nothing_new(latest, assessment)
            else AWAITING
        )
    return AWAITING if assessment.all_met else IN_TRAINING


def _after_rejection_nothing_new(latest: Any, assessment: SignoffAssessment) -> bool:
    # After a rejection the trainee is "awaiting" again only once new evidence arrived since.
    newest = max((c.last_evidence_at for c in assessment.criteria if c.last_evidence_at), default=None)
    return newest is None or newest <= latest.at


def signed_off_at(decisions: Sequence[Any]) -> datetime | None:
    """When the trainee was (last) confirmed ready, or None."""
    confirmed = [d.at for d in decisions if getattr(d, "confirmed", False)]
    return confirmed[-1] if confirmed else None

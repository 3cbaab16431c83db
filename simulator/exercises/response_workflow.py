"""The incident response workflow: its five phases, in order, with the first actions of each.

Owns the phases and grading a trainee's ordering of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import ExerciseResult, ItemResult

PHASES: tuple[str, ...] = (
    "Detection & initial response (0–5 min): acknowledge, open the incident channel, assess",
    "Triage & initial mitigation (5–15 min): logs, metrics, deploys, infrastructure, dependencies",
    "Investigation & resolution (15 min+): root-cause hypothesis, resolution plan, implement",
    "Recovery & validation: verify metrics, communicate resolution, monitor 30 minutes",
    "Post-incident analysis (within 24 h): RCA meeting, report, action items with owners",
)


def grade_workflow(order: Sequence[str], pass_mark: float = 0.8) -> ExerciseResult:
    """Credit each phase placed in its correct position."""
    items = []
    for i, phase in enumerate(PHASES):
        ok = i < len(order) and order[i] == phase
        items.append(
            ItemResult(
                f"phase.{i + 1}", ok, 1.0 if ok else 0.0, "correct" if ok else f"phase {i + 1} is: {phase}"
            )
        )
    return ExerciseResult("day4.workflow_order", tuple(items), pass_mark)

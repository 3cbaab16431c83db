"""The programme's exercises as pure logic: questions, generated material, and grading.

Owns the shared shape of a graded exercise (`Question`, `ExerciseResult`) and turning a result
into an `EvidenceRecord`. Each module is named by the skill it trains (`service_map`,
`traffic_reading`, `alert_catalogue`, `false_positives`, `alert_sandbox`, `pager`,
`response_workflow`, `incident_communication`, `escalation_quiz`, `shadow`, `handoff`); which day
teaches it is `data/curriculum.yaml`'s. Each builds its material from a seed and grades answers;
none of them store anything or import streamlit (pages do that).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ..curriculum import EvidenceRecord


def rng_for(seed: int, name: str) -> np.random.Generator:
    """A random stream derived from a seed and a stable name (never Python's hash())."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class Question:
    """A multiple-choice question (`options`, `answer` index) or a numeric one (`answer_value`
    within `tolerance`, absolute unless `relative`)."""

    id: str
    prompt: str
    options: tuple[str, ...] = ()
    answer: int | None = None
    answer_value: float | None = None
    tolerance: float = 0.0
    relative: bool = False
    unit: str = ""
    explanation: str = ""

    @property
    def numeric(self) -> bool:
        return self.answer_value is not None

    def is_correct(self, given: Any) -> bool:
        if given is None or given == "":
            return False
        if self.numeric:
            try:
                value = float(given)
            except (TypeError, ValueError):
                return False
            assert self.answer_value is not None
            tol = self.tolerance * abs(self.answer_value) if self.relative else self.tolerance
            return abs(value - self.answer_value) <= tol + 1e-9
        if isinstance(given, str):
            return given in self.options and self.options.index(given) == self.answer
        return int(given) == self.answer

    @property
    def correct_text(self) -> str:
        if self.numeric:
            return f"{self.answer_value:g}{(' ' + self.unit) if self.unit else ''}"
        return self.options[self.answer or 0]


@dataclass(frozen=True)
class ItemResult:
    """One graded item. `id` is for storage (evidence detail); `label` is what a trainee reads
    (the question's prompt); without one, `item_label` turns the id into words."""

    id: str
    correct: bool
    credit: float
    feedback: str
    label: str = ""


def item_label(item: ItemResult) -> str:
    """What a trainee reads for a graded item: its label, or its id in plain words
    ("phase.2" → "Phase 2", "checklists" → "Checklists", "day4.communication" → "Communication")
    so no internal id reaches feedback."""
    if item.label:
        return item.label
    parts = [p for p in item.id.split(".") if p and not (p.startswith("day") and p[3:].isdigit())]
    words = [p.replace("_", " ").replace("-", " ") for p in parts] or [item.id]
    text = words[0] + (" " + " ".join(words[1:]) if words[1:] and words[-1].isdigit() else "")
    if words[1:] and not words[-1].isdigit():
        text = words[0] + ": " + " ".join(words[1:])
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class ExerciseResult:
    exercise_id: str
    items: tuple[ItemResult, ...]
    pass_mark: float
    extra_failures: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(i.credit for i in self.items) / len(self.items), 4) if self.items else 0.0

    @property
    def passed(self) -> bool:
        return not self.extra_failures and self.score >= self.pass_mark - 1e-9

    def evidence(self, at: datetime, context: str = "") -> EvidenceRecord:
        detail = {"items": {i.id: i.credit for i in self.items}, **dict(self.detail)}
        if self.extra_failures:
            detail["failures"] = list(self.extra_failures)
        return EvidenceRecord("exercise", self.exercise_id, at, self.score, self.passed, context, detail)


def grade_quiz(
    exercise_id: str, questions: Sequence[Question], answers: Mapping[str, Any], pass_mark: float = 0.8
) -> ExerciseResult:
    items = []
    for q in questions:
        ok = q.is_correct(answers.get(q.id))
        fb = (
            "correct"
            if ok
            else f"expected {q.correct_text}" + (f" — {q.explanation}" if q.explanation else "")
        )
        items.append(ItemResult(q.id, ok, 1.0 if ok else 0.0, fb, q.prompt))
    return ExerciseResult(exercise_id, tuple(items), pass_mark)

"""What a trainee may see of a scenario before the debrief.

Owns three things that keep a drill from giving its answer away: the neutral title a trainee sees
instead of the real one (`trainee_title`), the per-attempt order of answer choices so a position
never hints at the right one (`shuffled`), and the words that would name the root cause
(`spoiler_words`), which the tests look for on every trainee-facing page. Pure and deterministic.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TypeVar

from .scenario import LoadedScenario, Scenario

T = TypeVar("T")

# Phrases that judge an alert for the trainee; none may appear before the debrief.
VERDICT_PHRASES = ("false positive", "false-positive", "false alarm", "root cause")

# Words too common to give anything away, even though they appear in an answer's title.
_COMMON = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "also",
        "alert",
        "alerts",
        "because",
        "before",
        "being",
        "below",
        "between",
        "both",
        "during",
        "each",
        "every",
        "from",
        "further",
        "have",
        "having",
        "into",
        "itself",
        "more",
        "most",
        "only",
        "other",
        "over",
        "same",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "would",
        "your",
        "caused",
        "customer",
        "customers",
        "incident",
        "incidents",
        "service",
        "services",
        "request",
        "requests",
        "every",
        "affected",
        "post",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")


def trainee_title(scenario: Scenario) -> str:
    """The title a trainee sees before the debrief: the scenario's `briefing_title` (service and
    symptom as first reported) or, for a scenario written before that field existed, a title
    made only of its service name, which cannot name a cause."""
    if scenario.briefing_title:
        return scenario.briefing_title
    return f"Incident on {scenario.service}"


def shuffled(items: Sequence[T], seed: int, salt: str) -> list[T]:
    """`items` in an order fixed by (`seed`, `salt`): the same attempt always shows the same
    order (a rerun must not move the choices under the trainee's mouse), another attempt or
    another question a different one. Sorting by a hash of each item's position keeps this
    independent of numpy's generator versions."""

    def rank(i: int) -> bytes:
        return hashlib.sha256(f"{seed}\x00{salt}\x00{i}".encode()).digest()

    return [items[i] for i in sorted(range(len(items)), key=rank)]


def _words(text: str) -> set[str]:
    # Split camel-case names (DBConnectionPoolHigh) and snake_case metrics into their words too.
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).replace("_", " ")
    return {w for w in _WORD.findall(spaced.lower()) if len(w) >= 4 or w.isdigit()}


def symptom_words(loaded: LoadedScenario) -> set[str]:
    """Words a trainee is meant to see: the briefing title and text, the service, the metric
    names and panels, and the alert rules (which are on screen in any real alerting tool)."""
    sc = loaded.scenario
    text = [sc.briefing_title or "", sc.briefing, sc.service]
    for m in sc.metrics:
        text += [m.name, m.panel or "", m.help or ""]
    for group in loaded.rule_groups:
        for rule in group.rules:
            text.append(getattr(rule, "alert", None) or getattr(rule, "record", None) or "")
            text += [str(v) for v in (getattr(rule, "annotations", None) or {}).values()]
    return set().union(*(_words(t) for t in text))


def spoiler_words(loaded: LoadedScenario) -> set[str]:
    """Words of the answer's title that the trainee has not been shown as a symptom: seeing one
    before the debrief would name the cause (e.g. "certificate", "logrotate", "leak")."""
    title = _words(loaded.scenario.answer.title)
    return {w for w in title - symptom_words(loaded) if w not in _COMMON}


def spoilers_in(text: str, loaded: LoadedScenario) -> list[str]:
    """The spoiler words and verdict phrases found in `text` (whole words, any case)."""
    found = sorted(spoiler_words(loaded) & _words(text))
    lowered = text.lower()
    return found + [p for p in VERDICT_PHRASES if p in lowered]


__all__ = [
    "VERDICT_PHRASES",
    "shuffled",
    "spoiler_words",
    "spoilers_in",
    "symptom_words",
    "trainee_title",
]

"""Knowing the alerts: what each rule in the pack means, its threshold and why, and classifying
severity.

Owns the catalogue built from the scenario pack's rules (annotations in words, thresholds read
from the expression) and the alert and severity quiz drawn from it plus the seed's severity
table. It does not define alert semantics (`simulator.alerts` does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..durations import format_duration
from ..rules import AlertingRule
from ..scenario import LoadedScenario
from . import ExerciseResult, Question, grade_quiz, rng_for

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


def threshold_of(expr: str) -> str | None:
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
                threshold_of(expr),
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


def grade_alert_quiz(
    questions: Sequence[Question], answers: Mapping[str, Any], pass_mark: float = 0.9
) -> ExerciseResult:
    return grade_quiz("day2.alert_quiz", questions, answers, pass_mark)

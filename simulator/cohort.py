"""Cohort statistics: the live board, the side-by-side debrief, the severity confusion matrix, kappa.

Owns what a trainer sees about a cohort drill, computed from each trainee's drill event log (the
same log scoring reads) and the scenario's answer: who acknowledged when, severity calls,
escalations, updates, plus how well the cohort's severity calls agree with the truth
(quadratically weighted Cohen's kappa). Also the calendar rule for where a cohort should be in
the five-day programme. Pure: no storage, no clock; callers pass events and dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import numpy as np

from .scoring import verdict
from .vocabulary import Severity

SEVERITIES: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: s.rank))


class EventLike(Protocol):
    at_offset: float
    kind: str
    payload: dict[str, Any]


# --- the live board ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    """One trainee's incident response so far, in simulated seconds from the scenario start."""

    username: str
    display_name: str
    joined: bool
    acknowledged_at: float | None = None
    judged: str | None = None
    severity_calls: tuple[tuple[float, str], ...] = ()
    escalations: tuple[tuple[float, str], ...] = ()
    updates: tuple[tuple[float, str], ...] = ()
    mitigations: tuple[tuple[float, str], ...] = ()
    customers_notified_at: float | None = None
    resolved_at: float | None = None
    actions: int = 0
    last_action: tuple[float, str] | None = None

    @property
    def severity(self) -> str | None:
        """The trainee's current severity call (the last one)."""
        return self.severity_calls[-1][1] if self.severity_calls else None


def _sev_name(value: Any) -> str:
    text = str(getattr(value, "value", value)).upper()
    return text.split(".")[-1]


def board_row(username: str, display_name: str, events: Iterable[EventLike] | None) -> BoardRow:
    """Fold one trainee's log into a board row (clock events are the trainer's, not theirs)."""
    if events is None:
        return BoardRow(username, display_name, joined=False)
    ack = judged = notified = resolved = None
    sev: list[tuple[float, str]] = []
    esc: list[tuple[float, str]] = []
    upd: list[tuple[float, str]] = []
    mit: list[tuple[float, str]] = []
    count = 0
    last: tuple[float, str] | None = None
    for e in sorted((e for e in events if not e.kind.startswith("clock.")), key=lambda e: e.at_offset):
        t, p = float(e.at_offset), e.payload or {}
        count += 1
        last = (t, e.kind)
        if e.kind == "acknowledge" and ack is None:
            ack = t
        elif e.kind == "judge":
            judged = str(p.get("verdict", ""))
        elif e.kind == "classify":
            sev.append((t, _sev_name(p.get("severity", ""))))
        elif e.kind == "escalate":
            esc.append((t, str(getattr(p.get("role"), "value", p.get("role", "")))))
        elif e.kind == "post_update":
            upd.append((t, str(p.get("text", ""))))
        elif e.kind == "mitigate":
            mit.append((t, str(p.get("mitigation", ""))))
        elif e.kind == "notify_customers" and notified is None:
            notified = t
        elif e.kind == "resolve" and resolved is None:
            resolved = t
    return BoardRow(
        username,
        display_name,
        True,
        ack,
        judged,
        tuple(sev),
        tuple(esc),
        tuple(upd),
        tuple(mit),
        notified,
        resolved,
        count,
        last,
    )


def clock_text(seconds: float | None) -> str:
    """Simulated time as T+mm:ss (or h:mm:ss), '—' when it has not happened."""
    if seconds is None:
        return "—"
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"T+{h}:{m:02d}:{sec:02d}" if h else f"T+{m:02d}:{sec:02d}"


def board_table(rows: Sequence[BoardRow]) -> list[dict[str, str | int]]:
    """Rows for the live board table (plain text only; the page renders them as data, never HTML)."""
    out: list[dict[str, str | int]] = []
    for r in rows:
        if not r.joined:
            out.append(
                {
                    "trainee": r.display_name,
                    "username": r.username,
                    "status": "not joined",
                    "acknowledged": "—",
                    "severity calls": "—",
                    "escalations": "—",
                    "updates": 0,
                    "last update": "",
                    "mitigations": "—",
                    "resolved": "—",
                    "actions": 0,
                }
            )
            continue
        out.append(
            {
                "trainee": r.display_name,
                "username": r.username,
                "status": "resolved" if r.resolved_at is not None else ("working" if r.actions else "joined"),
                "acknowledged": clock_text(r.acknowledged_at),
                "severity calls": " → ".join(f"{s} ({clock_text(t)})" for t, s in r.severity_calls) or "—",
                "escalations": ", ".join(f"{role} ({clock_text(t)})" for t, role in r.escalations) or "—",
                "updates": len(r.updates),
                "last update": r.updates[-1][1][:200] if r.updates else "",
                "mitigations": ", ".join(f"{m} ({clock_text(t)})" for t, m in r.mitigations) or "—",
                "resolved": clock_text(r.resolved_at),
                "actions": r.actions,
            }
        )
    return out


_FEED_DETAIL = {
    "classify": "severity",
    "escalate": "role",
    "post_update": "text",
    "mitigate": "mitigation",
    "judge": "verdict",
    "hypothesis": "option",
    "look": "console",
    "status_page": "status",
    "notify_customers": "subject",
    "declare": "title",
    "open_channel": "name",
    "resolve": "summary",
}


def action_summary(kind: str, payload: dict[str, Any]) -> str:
    """'classify CRITICAL', 'post_update: DB pool exhausted…' — one line, plain text."""
    key = _FEED_DETAIL.get(kind)
    value = payload.get(key) if key else None
    value = getattr(value, "value", value)
    if value in (None, ""):
        return kind.replace("_", " ")
    text = " ".join(str(value).split())
    return f"{kind.replace('_', ' ')}: {text[:80]}{'…' if len(text) > 80 else ''}"


def action_feed(
    logs: Iterable[tuple[str, Iterable[EventLike] | None]], limit: int = 15
) -> list[tuple[float, str, str]]:
    """The cohort's latest actions, newest first: (simulated offset, who, what)."""
    items = [
        (float(e.at_offset), who, action_summary(e.kind, e.payload or {}))
        for who, events in logs
        if events is not None
        for e in events
        if not e.kind.startswith("clock.")
    ]
    items.sort(key=lambda x: x[0], reverse=True)
    return items[:limit]


# --- severity agreement --------------------------------------------------------------------------


@dataclass(frozen=True)
class Confusion:
    """Rows: the true severity; columns: the severity a trainee called. Order: CRITICAL … LOW."""

    labels: tuple[str, ...]
    matrix: np.ndarray  # int counts, shape (k, k)

    @property
    def total(self) -> int:
        return int(self.matrix.sum())

    def as_rows(self) -> list[dict[str, Any]]:
        return [
            {"true \\ called": lab, **{c: int(v) for c, v in zip(self.labels, row, strict=True)}}
            for lab, row in zip(self.labels, self.matrix, strict=True)
        ]


def confusion_matrix(pairs: Iterable[tuple[Any, Any]], labels: Sequence[str] | None = None) -> Confusion:
    """Count (true, called) severity pairs. Unknown names are refused rather than silently dropped."""
    labs = tuple(labels) if labels is not None else tuple(s.name for s in SEVERITIES)
    index = {lab: i for i, lab in enumerate(labs)}
    m = np.zeros((len(labs), len(labs)), dtype=np.int64)
    for true, called in pairs:
        t, c = _sev_name(true), _sev_name(called)
        if t not in index or c not in index:
            raise ValueError(f"severity must be one of {', '.join(labs)}; got {t!r} / {c!r}")
        m[index[t], index[c]] += 1
    return Confusion(labs, m)


def quadratic_weighted_kappa(conf: Confusion) -> float | None:
    """Cohen's kappa with quadratic weights: 1 − Σ w·O / Σ w·E, w_ij = (i−j)² / (k−1)².

    Calling CRITICAL for a LOW incident costs nine times as much as calling it HIGH for MEDIUM.
    None when it carries no information: no pairs, or every call was about one and the same true
    severity (the usual single-scenario drill). Then the expected disagreement equals the observed
    one whatever was called, so kappa would be exactly 0 for a cohort that mostly got it right;
    `accuracy` and `mean_level_error` describe such a cohort instead."""
    obs = conf.matrix.astype(float)
    n = obs.sum()
    k = obs.shape[0]
    if n == 0 or k < 2 or int((obs.sum(axis=1) > 0).sum()) < 2:
        return None
    i, j = np.indices((k, k))
    w = (i - j) ** 2 / (k - 1) ** 2
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / n
    denom = float((w * expected).sum())
    if denom == 0.0:
        return None
    return 1.0 - float((w * obs).sum()) / denom


def accuracy(conf: Confusion) -> float | None:
    """Share of calls that named the true severity exactly."""
    return None if conf.total == 0 else float(np.trace(conf.matrix)) / conf.total


def mean_level_error(conf: Confusion) -> float | None:
    """Average number of severity levels a call was off by (0 = always right, 3 = CRITICAL vs LOW)."""
    if conf.total == 0:
        return None
    i, j = np.indices(conf.matrix.shape)
    return float((np.abs(i - j) * conf.matrix).sum()) / conf.total


def kappa_meaning(kappa: float | None) -> str:
    """Landis & Koch's words for a kappa value, so a trainer does not have to remember the scale."""
    if kappa is None:
        return "not defined: the calls were all about one true severity, so compare accuracy instead"
    if kappa < 0:
        return "worse than chance"
    for limit, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= limit:
            return f"{word} agreement"
    return "almost perfect agreement"


def severity_pairs(rows: Sequence[BoardRow], true_at: Any) -> list[tuple[str, str]]:
    """Every severity call in the cohort paired with the true severity at the moment of the call
    (`true_at(offset) -> Severity`; a scenario's severity may change during the incident)."""
    return [(_sev_name(true_at(t)), sev) for r in rows for t, sev in r.severity_calls]


# --- side-by-side debrief ------------------------------------------------------------------------


def comparison_rows(
    rows: Sequence[BoardRow], true_at: Any, scores: Mapping[str, Mapping[str, Any] | None] | None = None
) -> list[dict[str, Any]]:
    """One row per trainee for the debrief: their calls next to the truth, and their score."""
    out: list[dict[str, Any]] = []
    for r in rows:
        card = (scores or {}).get(r.username) or {}
        final = r.severity
        truth = _sev_name(true_at(r.severity_calls[-1][0])) if r.severity_calls else None
        row: dict[str, Any] = {
            "trainee": r.display_name,
            "acknowledged": clock_text(r.acknowledged_at),
            "first severity": r.severity_calls[0][1] if r.severity_calls else "—",
            "final severity": final or "—",
            "true severity": truth or "—",
            "severity right": "—" if final is None else ("yes" if final == truth else "no"),
            "first escalation": clock_text(r.escalations[0][0]) if r.escalations else "—",
            "escalated to": ", ".join(dict.fromkeys(role for _, role in r.escalations)) or "—",
            "updates": len(r.updates),
            "mitigations": ", ".join(m for _, m in r.mitigations) or "—",
            "resolved": clock_text(r.resolved_at),
        }
        if card:
            total = card.get("score")
            row["score"] = f"{float(total):.0%}" if isinstance(total, int | float) else "—"
            decided = verdict(card)  # the one pass rule, as on the trainee's own debrief
            row["passed"] = "yes" if decided.passed else "no"
            row["why not"] = "; ".join(decided.reasons) or "—"
        out.append(row)
    return out


# --- where the cohort should be in the programme -------------------------------------------------


def planned_day(start: date, today: date, days: int = 5) -> int | None:
    """The programme day a cohort that started on `start` should be on `today`, counting working
    days (Monday–Friday). 0 before the start; None once the programme is over."""
    if today < start:
        return 0
    n = 0
    d = start
    while d <= today:
        if d.weekday() < 5:
            n += 1
        d += timedelta(days=1)
    if n == 0:  # started on a weekend: day 1 is the next Monday
        return 0
    return n if n <= days else None

"""Curriculum tables: recorded evidence, sign-off decisions, monthly reviews, refresher completions.

Owns persisting what trainees did (exercise, runbook, drill and console evidence) and what
trainers decided, plus the repository functions pages and the CLI call. It does not decide
anything: progress and sign-off are computed by `simulator.curriculum` from what this returns.
People are referred to by username, so this module does not depend on the people tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..curriculum import EvidenceRecord
from ..signoff import Decision
from .db import Base, Store


class EvidenceRow(Base):
    __tablename__ = "curriculum_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(200))
    context: Mapped[str] = mapped_column(String(60), default="")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SignoffDecisionRow(Base):
    __tablename__ = "signoff_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    trainer: Mapped[str] = mapped_column(String(120))
    decision: Mapped[str] = mapped_column(String(20))  # "confirmed" | "rejected"
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MonthlyReviewRow(Base):
    __tablename__ = "monthly_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    went_well: Mapped[str] = mapped_column(Text, default="")
    to_improve: Mapped[str] = mapped_column(Text, default="")
    procedure_changes: Mapped[str] = mapped_column(Text, default="")


class RefresherRow(Base):
    __tablename__ = "refresher_completions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")


class RunbookRunRow(Base):
    """An unfinished runbook exercise, so a reload or a new day resumes where the trainee left off."""

    __tablename__ = "runbook_runs_in_progress"

    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    runbook_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _utc(dt: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone=True columns; everything here is UTC.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


# --- evidence -------------------------------------------------------------------------------


def record_evidence(store: Store, username: str, record: EvidenceRecord) -> int:
    with store.session() as s:
        row = EvidenceRow(
            username=username,
            kind=record.kind,
            ref=record.ref,
            context=record.context,
            score=record.score,
            passed=record.passed,
            at=_utc(record.at),
            detail=dict(record.detail),
        )
        s.add(row)
        s.flush()
        return row.id


def evidence_for(store: Store, username: str) -> list[EvidenceRecord]:
    """Everything recorded for one trainee, oldest first (drill attempts included if recorded)."""
    with store.session() as s:
        rows = s.scalars(
            select(EvidenceRow)
            .where(EvidenceRow.username == username)
            .order_by(EvidenceRow.at, EvidenceRow.id)
        ).all()
        return [_record(r) for r in rows]


def _record(r: EvidenceRow) -> EvidenceRecord:
    return EvidenceRecord(
        kind=r.kind,  # type: ignore[arg-type]  # written only from EvidenceRecord.kind values
        ref=r.ref,
        at=_utc(r.at),
        score=r.score,
        passed=bool(r.passed),
        context=r.context or "",
        detail=dict(r.detail or {}),
        id=r.id,
    )


def usernames_with_evidence(store: Store) -> list[str]:
    with store.session() as s:
        names = set(s.scalars(select(EvidenceRow.username).distinct()).all())
        names |= set(s.scalars(select(SignoffDecisionRow.username).distinct()).all())
        return sorted(names)


# --- sign-off decisions ---------------------------------------------------------------------


def record_decision(store: Store, decision: Decision) -> int:
    with store.session() as s:
        row = SignoffDecisionRow(
            username=decision.username,
            trainer=decision.trainer,
            decision=decision.decision,
            comment=decision.comment,
            at=_utc(decision.at),
            snapshot=decision.snapshot,
        )
        s.add(row)
        s.flush()
        return row.id


def decisions_for(store: Store, username: str) -> list[Decision]:
    with store.session() as s:
        rows = s.scalars(
            select(SignoffDecisionRow)
            .where(SignoffDecisionRow.username == username)
            .order_by(SignoffDecisionRow.at, SignoffDecisionRow.id)
        ).all()
        return [
            Decision(r.username, r.trainer, r.decision, r.comment, _utc(r.at), dict(r.snapshot or {}))
            for r in rows
        ]


# --- ongoing training -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyReview:
    username: str
    at: datetime
    went_well: str
    to_improve: str
    procedure_changes: str


def record_monthly_review(store: Store, review: MonthlyReview) -> int:
    with store.session() as s:
        row = MonthlyReviewRow(
            username=review.username,
            at=_utc(review.at),
            went_well=review.went_well,
            to_improve=review.to_improve,
            procedure_changes=review.procedure_changes,
        )
        s.add(row)
        s.flush()
        return row.id


def monthly_reviews_for(store: Store, username: str) -> list[MonthlyReview]:
    with store.session() as s:
        rows = s.scalars(
            select(MonthlyReviewRow)
            .where(MonthlyReviewRow.username == username)
            .order_by(MonthlyReviewRow.at)
        ).all()
        return [
            MonthlyReview(r.username, _utc(r.at), r.went_well, r.to_improve, r.procedure_changes)
            for r in rows
        ]


def record_refresher(store: Store, username: str, at: datetime, note: str = "") -> int:
    """Remember a refresher completion the page observed (the cadence itself is computed from evidence)."""
    with store.session() as s:
        row = RefresherRow(username=username, at=_utc(at), note=note)
        s.add(row)
        s.flush()
        return row.id


def refreshers_for(store: Store, username: str) -> list[datetime]:
    with store.session() as s:
        return [
            _utc(r.at)
            for r in s.scalars(
                select(RefresherRow).where(RefresherRow.username == username).order_by(RefresherRow.at)
            ).all()
        ]


# --- evidence other areas record ------------------------------------------------------------


def record_drill_result(
    store: Store,
    username: str,
    *,
    scenario_id: str,
    score: float,
    passed: bool,
    criteria: dict[str, float],
    at: datetime,
    attempt_id: str | int | None = None,
    tags: list[str] | None = None,
    context: str = "drill",
) -> int:
    """Called when a drill attempt is scored: makes it sign-off evidence (mock drill, severity,
    escalation and communication criteria read `criteria`, keyed by scorecard criterion)."""
    detail: dict[str, Any] = {
        "criteria": {k: float(v) for k, v in criteria.items()},
        "tags": list(tags or []),
    }
    if attempt_id is not None:
        detail["attempt_id"] = str(attempt_id)
    return record_evidence(
        store, username, EvidenceRecord("drill", scenario_id, at, float(score), bool(passed), context, detail)
    )


def record_console_use(
    store: Store, username: str, *, tool: str, query: str, at: datetime, context: str = "sandbox"
) -> int:
    """A look or query in a simulated console (grafana, elasticsearch, aws, …): the evidence for
    "Can navigate Grafana, Elasticsearch, AWS console"."""
    return record_evidence(
        store, username, EvidenceRecord("console", tool, at, None, True, context, {"query": query[:500]})
    )


def _attempt_evidence(store: Store, username: str) -> list[EvidenceRecord]:
    """Finished, scored drill attempts kept by the drills area, as drill evidence."""
    from . import attempts

    return [
        EvidenceRecord(
            "drill",
            a.scenario_id,
            _utc(a.finished_at),
            float(a.score),
            bool(a.passed),
            "drill",
            {"criteria": dict(a.criteria), "attempt_id": str(a.id)},
        )
        for a in attempts.scored_attempts(store, username)
    ]


# A drill's `look` consoles (simulator.actions.CONSOLES) are the seed's tools under their product names.
DRILL_CONSOLE_TOOLS = {
    "dashboards": "grafana",
    "logs": "elasticsearch",
    "infrastructure": "aws",
    "database": "database",
    "deploys": "git",
    "third_party": "status_pages",
}


def _drill_console_evidence(
    store: Store, username: str, drills: list[EvidenceRecord]
) -> list[EvidenceRecord]:
    """Consoles looked at during scored drills: evidence for "Can navigate Grafana, Elasticsearch, AWS"."""
    from . import attempts

    out: list[EvidenceRecord] = []
    for d in drills:
        seen: set[str] = set()
        for e in attempts.events_for(store, int(d.detail["attempt_id"])):
            tool = DRILL_CONSOLE_TOOLS.get(str(e.payload.get("console", ""))) if e.kind == "look" else None
            if tool and tool not in seen:
                seen.add(tool)
                out.append(
                    EvidenceRecord(
                        "console",
                        tool,
                        _utc(e.wall) if e.wall else d.at,
                        None,
                        True,
                        "drill",
                        {"attempt_id": d.detail["attempt_id"], "scenario": d.ref},
                    )
                )
    return out


def all_evidence(store: Store, username: str) -> list[EvidenceRecord]:
    """Everything that counts for a trainee: recorded here, scored drill attempts and the consoles
    looked at in those drills."""
    own = evidence_for(store, username)
    known = {str(e.detail.get("attempt_id")) for e in own if e.kind == "drill" and e.detail.get("attempt_id")}
    drills = [e for e in _attempt_evidence(store, username) if e.detail.get("attempt_id") not in known]
    return sorted([*own, *drills, *_drill_console_evidence(store, username, drills)], key=lambda e: e.at)


# --- reports --------------------------------------------------------------------------------


# --- runbook runs in progress ---------------------------------------------------------------


def save_runbook_progress(
    store: Store, username: str, runbook_id: str, actions: list[str], at: datetime
) -> None:
    """Remember the actions of an unfinished run; an empty list forgets it (finished or restarted)."""
    with store.session() as s:
        row = s.get(RunbookRunRow, (username, runbook_id))
        if not actions:
            if row is not None:
                s.delete(row)
            return
        if row is None:
            s.add(
                RunbookRunRow(
                    username=username, runbook_id=runbook_id, actions=list(actions), updated_at=_utc(at)
                )
            )
        else:
            row.actions = list(actions)
            row.updated_at = _utc(at)


def runbook_progress(store: Store, username: str, runbook_id: str) -> list[str]:
    with store.session() as s:
        row = s.get(RunbookRunRow, (username, runbook_id))
        return list(row.actions) if row is not None else []

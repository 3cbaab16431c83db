"""Drill attempts and their event logs, persisted action by action.

Owns the `attempts` table (who ran which scenario version with which seed, policy and speed, its
status and score), the append-only `attempt_events` table (each action committed on its own, so
a killed server loses nothing the UI confirmed), and shared clocks for cohort drills. Does not
decide what an event means (`simulator.drill`) or what it is worth (`simulator.scoring`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..drill import Event
from .db import Base, Store

STATUSES = ("running", "finished", "abandoned")
# The largest id SQLite and PostgreSQL (BIGINT) can store; a larger one cannot name a row.
MAX_SQL_INTEGER = 2**63 - 1


class DrillClockRow(Base):
    """A clock several attempts share (a cohort's mock drill): one start, pause and end for all."""

    __tablename__ = "drill_clocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    scenario_id: Mapped[str] = mapped_column(String(80), default="")
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DrillClockEventRow(Base):
    __tablename__ = "drill_clock_events"
    __table_args__ = (UniqueConstraint("clock_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("drill_clocks.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    wall: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttemptRow(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    username: Mapped[str] = mapped_column(String(120), index=True, default="")
    scenario_id: Mapped[str] = mapped_column(String(80), index=True)
    content_hash: Mapped[str] = mapped_column(String(80))
    scenario_text: Mapped[str] = mapped_column(Text)  # the exact version run, so a later edit changes nothing
    scenario_source: Mapped[str] = mapped_column(String(400), default="")
    seed: Mapped[int] = mapped_column(Integer)
    policy_hash: Mapped[str] = mapped_column(String(80), default="")
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    started_wall: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_wall: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    clock_id: Mapped[int | None] = mapped_column(
        ForeignKey("drill_clocks.id", ondelete="SET NULL"), nullable=True, index=True
    )
    report_markdown: Mapped[str] = mapped_column(Text, default="")


class AttemptEventRow(Base):
    __tablename__ = "attempt_events"
    __table_args__ = (UniqueConstraint("attempt_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at_offset: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(120), default="trainee")
    wall: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Attempt:
    id: int
    user_id: int | None
    username: str
    scenario_id: str
    content_hash: str
    scenario_text: str
    scenario_source: str
    seed: int
    policy_hash: str
    speed: float
    started_wall: datetime
    finished_wall: datetime | None
    status: str
    score: dict[str, Any] | None
    clock_id: int | None
    report_markdown: str = ""

    # The shape `store.curriculum` reads for sign-off evidence.
    @property
    def passed(self) -> bool:
        # Decided by the one pass rule from the stored criteria, never by the stored flag alone.
        from ..scoring import verdict

        return bool(self.score) and verdict(self.score).passed  # type: ignore[arg-type]

    @property
    def total(self) -> float | None:
        return None if not self.score else float(self.score.get("score", 0.0))

    @property
    def criteria(self) -> dict[str, float]:
        if not self.score:
            return {}
        return {k: float(v["score"]) for k, v in self.score.get("criteria", {}).items()}

    @property
    def finished_at(self) -> datetime | None:
        return self.finished_wall


@dataclass(frozen=True)
class ScoredAttempt:
    id: int
    scenario_id: str
    score: float
    passed: bool
    criteria: dict[str, float]
    finished_at: datetime


@overload
def _utc(dt: datetime) -> datetime: ...
@overload
def _utc(dt: None) -> None: ...
def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _attempt(r: AttemptRow) -> Attempt:
    return Attempt(
        r.id,
        r.user_id,
        r.username,
        r.scenario_id,
        r.content_hash,
        r.scenario_text,
        r.scenario_source,
        r.seed,
        r.policy_hash,
        r.speed,
        _utc(r.started_wall),
        _utc(r.finished_wall),
        r.status,
        r.score,
        r.clock_id,
        r.report_markdown or "",
    )


def _event(r: AttemptEventRow | DrillClockEventRow) -> Event:
    if isinstance(r, DrillClockEventRow):
        return Event(
            r.seq, float(r.payload.get("offset", 0.0)), r.kind, dict(r.payload), "trainer", _utc(r.wall)
        )
    return Event(r.seq, r.at_offset, r.kind, dict(r.payload or {}), r.actor, _utc(r.wall))


# --- attempts --------------------------------------------------------------------------------------


def create_attempt(
    store: Store,
    *,
    user_id: int | None,
    username: str,
    loaded: Any,
    seed: int,
    policy_hash: str,
    speed: float,
    now: datetime,
    clock_id: int | None = None,
) -> int:
    """A new attempt; `loaded` is the `LoadedScenario` (its text is kept verbatim)."""
    with store.session() as s:
        row = AttemptRow(
            user_id=user_id,
            username=username,
            scenario_id=loaded.scenario.id,
            content_hash=loaded.content_hash,
            scenario_text=loaded.text,
            scenario_source=loaded.source,
            seed=int(seed),
            policy_hash=policy_hash,
            speed=float(speed),
            started_wall=now,
            status="running",
            clock_id=clock_id,
        )
        s.add(row)
        s.flush()
        return int(row.id)


def get_attempt(store: Store, attempt_id: int) -> Attempt | None:
    """The attempt with this id, or None; an id no SQL integer can hold (a hand-edited
    `?attempt=99999999999999999999999`) is simply not found instead of overflowing the driver."""
    if not 0 < int(attempt_id) <= MAX_SQL_INTEGER:
        return None
    with store.session() as s:
        row = s.get(AttemptRow, int(attempt_id))
        return _attempt(row) if row else None


def attempts_for_user(store: Store, user_id: int) -> list[Attempt]:
    with store.session() as s:
        rows = s.scalars(
            select(AttemptRow).where(AttemptRow.user_id == user_id).order_by(AttemptRow.id.desc())
        )
        return [_attempt(r) for r in rows]


def attempts_for_clock(store: Store, clock_id: int) -> list[Attempt]:
    with store.session() as s:
        rows = s.scalars(select(AttemptRow).where(AttemptRow.clock_id == clock_id).order_by(AttemptRow.id))
        return [_attempt(r) for r in rows]


def _lock_log(s: Any, parent: Select[Any]) -> None:
    """Take the write lock for one log before reading its last seq: the parent row FOR UPDATE on
    PostgreSQL; on SQLite `BEGIN IMMEDIATE`, which waits on the busy timeout (pysqlite would
    otherwise start the transaction only at the INSERT, after the max(seq) read)."""
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        if not conn.connection.dbapi_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        s.execute(parent.with_for_update())


def _append_to_log(store: Store, lock: Select[Any], last_seq: Select[Any], row: Callable[[int], Base]) -> int:
    """Append `row(seq)` to one append-only log and commit it before returning its seq.

    The log's write lock (`lock` selects its parent row) is taken before reading the last seq, so
    concurrent appends queue instead of colliding on the same seq and exhausting the retries
    (twenty writers at once, tests/postgres/test_concurrency.py); the unique (parent, seq)
    constraint still turns any race that slips through into a retry."""
    for _ in range(5):
        try:
            with store.session() as s:
                _lock_log(s, lock)
                seq = (s.scalar(last_seq) or 0) + 1
                s.add(row(seq))
            return seq
        except IntegrityError:
            continue
    raise RuntimeError("could not append to the log: it kept changing underneath")


def append_event(store: Store, attempt_id: int, event: Event) -> Event:
    """Append one event to the attempt's log, committed before returning, with its seq assigned."""
    seq = _append_to_log(
        store,
        select(AttemptRow.id).where(AttemptRow.id == attempt_id),
        select(func.max(AttemptEventRow.seq)).where(AttemptEventRow.attempt_id == attempt_id),
        lambda seq: AttemptEventRow(
            attempt_id=attempt_id,
            seq=seq,
            at_offset=float(event.at_offset),
            kind=event.kind,
            payload=dict(event.payload),
            actor=event.actor,
            wall=event.wall,
        ),
    )
    return Event(seq, event.at_offset, event.kind, dict(event.payload), event.actor, event.wall)


def events_for(store: Store, attempt_id: int) -> list[Event]:
    """The attempt's own log, plus its shared clock's events when it belongs to a cohort drill
    (clock events get sequence numbers that sort by wall time among the attempt's own)."""
    with store.session() as s:
        rows = s.scalars(
            select(AttemptEventRow)
            .where(AttemptEventRow.attempt_id == attempt_id)
            .order_by(AttemptEventRow.seq)
        )
        events = [_event(r) for r in rows]
        att = s.get(AttemptRow, int(attempt_id))
        clock_id = att.clock_id if att else None
    if clock_id is None:
        return events
    shared = events_for_clock(store, clock_id)
    # The shared clock runs the drill; a trainee may still end their own attempt early.
    own = [e for e in events if not e.kind.startswith("clock.") or e.kind == "clock.end"]
    return [*shared, *own]


def finish_attempt(
    store: Store,
    attempt_id: int,
    *,
    score: dict[str, Any] | None,
    now: datetime,
    report_markdown: str | None = None,
    status: str = "finished",
) -> None:
    with store.session() as s:
        row = s.get(AttemptRow, int(attempt_id))
        if row is None:
            raise KeyError(attempt_id)
        row.status = status
        row.score = score
        row.finished_wall = now
        if report_markdown is not None:
            row.report_markdown = report_markdown


def save_report(store: Store, attempt_id: int, markdown: str) -> None:
    with store.session() as s:
        row = s.get(AttemptRow, int(attempt_id))
        if row is not None:
            row.report_markdown = markdown


def scored_attempts(store: Store, username: str) -> list[ScoredAttempt]:
    """Finished, scored attempts of one trainee (what `store.curriculum` counts as drill evidence)."""
    with store.session() as s:
        rows = s.scalars(
            select(AttemptRow)
            .where(AttemptRow.username == username, AttemptRow.status == "finished")
            .order_by(AttemptRow.id)
        )
        out = []
        for r in rows:
            a = _attempt(r)
            if a.score is None or a.finished_wall is None:
                continue
            out.append(
                ScoredAttempt(
                    a.id, a.scenario_id, float(a.total or 0.0), a.passed, a.criteria, a.finished_wall
                )
            )
        return out


# --- shared clocks for cohort drills -------------------------------------------------------------


def create_cohort_clock(store: Store, *, name: str, scenario_id: str, speed: float, now: datetime) -> int:
    with store.session() as s:
        row = DrillClockRow(name=name, scenario_id=scenario_id, speed=float(speed), created_at=now)
        s.add(row)
        s.flush()
        return int(row.id)


def attach_attempt_to_clock(store: Store, attempt_id: int, clock_id: int) -> None:
    with store.session() as s:
        row = s.get(AttemptRow, int(attempt_id))
        if row is None:
            raise KeyError(attempt_id)
        row.clock_id = clock_id


def _clock_event(store: Store, clock_id: int, kind: str, payload: dict[str, Any], now: datetime) -> None:
    _append_to_log(
        store,
        select(DrillClockRow.id).where(DrillClockRow.id == clock_id),
        select(func.max(DrillClockEventRow.seq)).where(DrillClockEventRow.clock_id == clock_id),
        lambda seq: DrillClockEventRow(clock_id=clock_id, seq=seq, kind=kind, payload=payload, wall=now),
    )


def start_clock(
    store: Store, clock_id: int, now: datetime, speed: float | None = None, offset: float = 0.0
) -> None:
    with store.session() as s:
        row = s.get(DrillClockRow, int(clock_id))
        if row is None:
            raise KeyError(clock_id)
        use = float(speed if speed is not None else row.speed)
    _clock_event(store, clock_id, "clock.start", {"speed": use, "offset": offset}, now)


def pause_clock(store: Store, clock_id: int, now: datetime) -> None:
    _clock_event(store, clock_id, "clock.pause", {}, now)


def resume_clock(store: Store, clock_id: int, now: datetime) -> None:
    _clock_event(store, clock_id, "clock.resume", {}, now)


def end_clock(store: Store, clock_id: int, now: datetime) -> None:
    _clock_event(store, clock_id, "clock.end", {}, now)


def events_for_clock(store: Store, clock_id: int) -> list[Event]:
    """The shared clock's events (clock.start/pause/resume/end), in order, as drill `Event`s."""
    with store.session() as s:
        rows = s.scalars(
            select(DrillClockEventRow)
            .where(DrillClockEventRow.clock_id == clock_id)
            .order_by(DrillClockEventRow.seq)
        )
        # Negative sequence numbers keep them apart from the attempt's own events.
        return [
            Event(-1000 + r.seq, 0.0, r.kind, dict(r.payload or {}), "trainer", _utc(r.wall)) for r in rows
        ]

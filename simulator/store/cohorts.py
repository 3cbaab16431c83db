"""Cohorts and cohort drills: which trainees train together, and the drills a trainer runs for them.

Owns the `cohorts`, `cohort_members`, `cohort_drills` and `cohort_drill_participants` tables and
their queries. The cohort drill's state machine, joining and scoring are use cases in
`simulator.services.cohorts`; statistics live in `simulator.cohort`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts import AccountError
from ._time import as_utc
from .accounts import Account, UserRow, as_account
from .audit import record_audit
from .db import Base, Store


class CohortRow(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CohortMemberRow(Base):
    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CohortDrillRow(Base):
    """A cohort's shared drill: one scenario, one seed, one simulated clock for everyone.

    The clock itself (start, pauses, end) is the drills area's shared clock (`drill_clocks`); each
    trainee's attempt references it. `status` mirrors the clock for listing without replaying it."""

    __tablename__ = "cohort_drills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(120))
    seed: Mapped[int] = mapped_column(Integer)
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled|running|paused|ended
    clock_id: Mapped[int] = mapped_column(ForeignKey("drill_clocks.id", ondelete="CASCADE"))
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CohortDrillParticipantRow(Base):
    """Which attempt a trainee works in a cohort drill: one per trainee per drill (the unique
    constraint makes a double click or two tabs join once)."""

    __tablename__ = "cohort_drill_participants"
    __table_args__ = (UniqueConstraint("drill_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("cohort_drills.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("attempts.id", ondelete="SET NULL"), nullable=True
    )
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Cohort:
    id: int
    name: str
    start_date: date
    created_by: str


def _cohort(r: CohortRow) -> Cohort:
    return Cohort(r.id, r.name, r.start_date, r.created_by)


def create_cohort(store: Store, name: str, start_date: date, actor: str, now: datetime) -> Cohort:
    clean = name.strip()
    if not clean or len(clean) > 120:
        raise AccountError("a cohort needs a name of 1–120 characters")
    with store.session() as s:
        if s.scalar(select(CohortRow.id).where(CohortRow.name == clean)) is not None:
            raise AccountError(f"a cohort named {clean!r} exists already")
        row = CohortRow(name=clean, start_date=start_date, created_by=actor, created_at=as_utc(now))
        s.add(row)
        try:
            s.flush()
        except IntegrityError as exc:
            raise AccountError(f"a cohort named {clean!r} exists already") from exc
        cohort = _cohort(row)
    record_audit(store, actor, "create_cohort", clean, f"start {start_date.isoformat()}", at=now)
    return cohort


def list_cohorts(store: Store) -> list[Cohort]:
    with store.session() as s:
        return [
            _cohort(r)
            for r in s.scalars(select(CohortRow).order_by(CohortRow.start_date.desc(), CohortRow.id))
        ]


def get_cohort(store: Store, cohort_id: int) -> Cohort | None:
    with store.session() as s:
        row = s.get(CohortRow, int(cohort_id))
        return _cohort(row) if row is not None else None


def set_cohort_start(store: Store, cohort_id: int, start_date: date, actor: str, now: datetime) -> None:
    with store.session() as s:
        row = s.get(CohortRow, int(cohort_id))
        if row is None:
            raise AccountError("no such cohort")
        old, row.start_date, name = row.start_date, start_date, row.name
    record_audit(
        store, actor, "set_cohort_start", name, f"{old.isoformat()} → {start_date.isoformat()}", at=now
    )


def add_member(store: Store, cohort_id: int, username: str, actor: str, now: datetime) -> None:
    """Add a trainee to a cohort (adding someone twice changes nothing)."""
    with store.session() as s:
        cohort = s.get(CohortRow, int(cohort_id))
        user = s.scalar(select(UserRow).where(UserRow.username == username))
        if cohort is None or user is None:
            raise AccountError("no such cohort or user")
        if user.role != "trainee":
            raise AccountError(f"{username} is a {user.role}; only trainees join a cohort")
        if s.get(CohortMemberRow, (cohort.id, user.id)) is not None:
            return
        s.add(CohortMemberRow(cohort_id=cohort.id, user_id=user.id, added_at=as_utc(now)))
        name = cohort.name
    record_audit(store, actor, "add_cohort_member", username, f"cohort {name}", at=now)


def remove_member(store: Store, cohort_id: int, username: str, actor: str, now: datetime) -> None:
    with store.session() as s:
        user = s.scalar(select(UserRow).where(UserRow.username == username))
        cohort = s.get(CohortRow, int(cohort_id))
        if user is None or cohort is None:
            return
        row = s.get(CohortMemberRow, (cohort.id, user.id))
        if row is None:
            return
        s.delete(row)
        name = cohort.name
    record_audit(store, actor, "remove_cohort_member", username, f"cohort {name}", at=now)


def cohort_members(store: Store, cohort_id: int) -> list[Account]:
    with store.session() as s:
        rows = s.scalars(
            select(UserRow)
            .join(CohortMemberRow, CohortMemberRow.user_id == UserRow.id)
            .where(CohortMemberRow.cohort_id == int(cohort_id))
            .order_by(UserRow.username)
        )
        return [as_account(r) for r in rows]


def cohorts_of(store: Store, username: str) -> list[Cohort]:
    with store.session() as s:
        rows = s.scalars(
            select(CohortRow)
            .join(CohortMemberRow, CohortMemberRow.cohort_id == CohortRow.id)
            .join(UserRow, UserRow.id == CohortMemberRow.user_id)
            .where(UserRow.username == username)
            .order_by(CohortRow.start_date.desc())
        )
        return [_cohort(r) for r in rows]


# --- cohort drills --------------------------------------------------------------------------

DRILL_STATUSES = ("scheduled", "running", "paused", "ended")


@dataclass(frozen=True)
class CohortDrill:
    id: int
    cohort_id: int
    scenario_id: str
    seed: int
    speed: float
    status: str
    clock_id: int
    scheduled_for: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    created_by: str

    @property
    def joinable(self) -> bool:
        return self.status in ("scheduled", "running", "paused")


def _drill(r: CohortDrillRow) -> CohortDrill:
    return CohortDrill(
        r.id,
        r.cohort_id,
        r.scenario_id,
        r.seed,
        r.speed,
        r.status,
        r.clock_id,
        as_utc(r.scheduled_for) if r.scheduled_for else None,
        as_utc(r.started_at) if r.started_at else None,
        as_utc(r.ended_at) if r.ended_at else None,
        r.created_by,
    )


def insert_cohort_drill(
    store: Store,
    *,
    cohort_id: int,
    scenario_id: str,
    seed: int,
    speed: float,
    clock_id: int,
    actor: str,
    now: datetime,
    scheduled_for: datetime | None = None,
) -> CohortDrill:
    """A new cohort drill row in status `scheduled` on the given shared clock."""
    with store.session() as s:
        row = CohortDrillRow(
            cohort_id=int(cohort_id),
            scenario_id=scenario_id,
            seed=int(seed),
            speed=float(speed),
            status="scheduled",
            clock_id=int(clock_id),
            created_by=actor,
            created_at=as_utc(now),
            scheduled_for=as_utc(scheduled_for) if scheduled_for else None,
        )
        s.add(row)
        s.flush()
        return _drill(row)


def get_cohort_drill(store: Store, drill_id: int) -> CohortDrill | None:
    with store.session() as s:
        row = s.get(CohortDrillRow, int(drill_id))
        return _drill(row) if row is not None else None


def cohort_drills(store: Store, cohort_id: int | None = None) -> list[CohortDrill]:
    with store.session() as s:
        q = select(CohortDrillRow).order_by(CohortDrillRow.id.desc())
        if cohort_id is not None:
            q = q.where(CohortDrillRow.cohort_id == int(cohort_id))
        return [_drill(r) for r in s.scalars(q)]


def update_cohort_drill_status(
    store: Store, drill_id: int, next_status: Callable[[str], str], now: datetime
) -> CohortDrill:
    """Move the drill to `next_status(current status)` (which raises to refuse) under a row lock
    (`with_for_update`, a no-op on SQLite, where the write lock serialises anyway), so two trainers
    pressing Start at once start it once. Stamps `started_at`/`ended_at` as it starts or ends."""
    with store.session() as s:
        row = s.scalar(select(CohortDrillRow).where(CohortDrillRow.id == int(drill_id)).with_for_update())
        if row is None:
            raise AccountError("no such cohort drill")
        new = next_status(row.status)
        if row.status == "scheduled" and new == "running":
            row.started_at = as_utc(now)
        if new == "ended":
            row.ended_at = as_utc(now)
        row.status = new
        return _drill(row)


def is_member(store: Store, cohort_id: int, user_id: int) -> bool:
    with store.session() as s:
        return s.get(CohortMemberRow, (int(cohort_id), int(user_id))) is not None


def add_participant(store: Store, drill_id: int, user_id: int, now: datetime) -> bool:
    """Record that the trainee joined; False when a row for them already exists (another tab)."""
    try:
        with store.session() as s:
            s.add(
                CohortDrillParticipantRow(drill_id=int(drill_id), user_id=int(user_id), joined_at=as_utc(now))
            )
    except IntegrityError:
        return False
    return True


def set_participant_attempt(store: Store, drill_id: int, user_id: int, attempt_id: int) -> None:
    with store.session() as s:
        row = s.scalar(
            select(CohortDrillParticipantRow).where(
                CohortDrillParticipantRow.drill_id == int(drill_id),
                CohortDrillParticipantRow.user_id == int(user_id),
            )
        )
        if row is None:
            raise AccountError("no such cohort drill participant")
        row.attempt_id = int(attempt_id)


def participant_attempt(store: Store, drill_id: int, user_id: int) -> int | None:
    with store.session() as s:
        return s.scalar(
            select(CohortDrillParticipantRow.attempt_id).where(
                CohortDrillParticipantRow.drill_id == int(drill_id),
                CohortDrillParticipantRow.user_id == int(user_id),
            )
        )


def drill_participants(store: Store, drill_id: int) -> dict[str, int]:
    """username → attempt id of everyone who joined the cohort drill."""
    with store.session() as s:
        rows = s.execute(
            select(UserRow.username, CohortDrillParticipantRow.attempt_id)
            .join(UserRow, UserRow.id == CohortDrillParticipantRow.user_id)
            .where(CohortDrillParticipantRow.drill_id == int(drill_id))
        ).all()
        return {u: a for u, a in rows if a is not None}


def open_drills_for(store: Store, username: str) -> list[CohortDrill]:
    """Cohort drills this trainee may join now (their cohorts' drills that have not ended)."""
    with store.session() as s:
        rows = s.scalars(
            select(CohortDrillRow)
            .join(CohortMemberRow, CohortMemberRow.cohort_id == CohortDrillRow.cohort_id)
            .join(UserRow, UserRow.id == CohortMemberRow.user_id)
            .where(UserRow.username == username, CohortDrillRow.status != "ended")
            .order_by(CohortDrillRow.id.desc())
        )
        return [_drill(r) for r in rows]

"""People tables: accounts (argon2 hashes), sign-in sessions, the audit log, cohorts, cohort drills.

Owns persisting who may use firedrill, who is signed in, what staff changed (audit), which trainees
form a cohort and the cohort drills a trainer runs for them. The rules (roles, permissions,
password policy, session expiry) live in `simulator.accounts`; cohort statistics in
`simulator.cohort`. Callers pass `now`; this module never reads the wall clock.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts import (
    DEFAULT_IDLE_TIMEOUT,
    AccountError,
    check_password,
    check_role,
    check_username,
    session_expired,
)
from .db import Base, Store

_hasher = PasswordHasher()
# A fixed hash verified when the username is unknown, so a wrong username costs as long as a
# wrong password and sign-in timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("firedrill-no-such-user")


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    __tablename__ = "user_sessions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


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


def _utc(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone=True columns; everything here is UTC.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


# --- users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """An account as the rest of the program sees it (never the hash)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool = True


def _person(r: UserRow) -> Person:
    return Person(r.id, r.username, r.display_name, r.role, bool(r.active))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(
    store: Store, username: str, password: str, role: str, now: datetime, display_name: str | None = None
) -> Person:
    """A new account; raises AccountError for a bad name, role, password or a taken username."""
    name = check_username(username)
    check_role(role)
    check_password(password, name)
    with store.session() as s:
        if s.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
            raise AccountError(f"the username {name!r} is taken")
        row = UserRow(
            username=name,
            display_name=(display_name or "").strip() or name,
            role=role,
            password_hash=hash_password(password),
            active=True,
            created_at=_utc(now),
        )
        s.add(row)
        try:
            s.flush()
        except IntegrityError as exc:  # two admins creating the same name at once
            raise AccountError(f"the username {name!r} is taken") from exc
        return _person(row)


def add_user(
    store: Store,
    actor: str,
    username: str,
    password: str,
    role: str,
    now: datetime,
    display_name: str | None = None,
) -> Person:
    """An administrator creates an account (audited)."""
    person = create_user(store, username, password, role, now, display_name)
    record_audit(store, actor, "create_user", person.username, f"role {role}", at=now)
    return person


def has_admin(store: Store) -> bool:
    with store.session() as s:
        return (
            s.scalar(select(UserRow.id).where(UserRow.role == "admin", UserRow.active.is_(True)).limit(1))
            is not None
        )


def create_first_admin(
    store: Store, username: str, password: str, now: datetime, display_name: str | None = None
) -> Person:
    """The first start's admin account; refused once any admin exists (the form is not a back door)."""
    if has_admin(store):
        raise AccountError("an administrator already exists; sign in instead")
    person = create_user(store, username, password, "admin", now, display_name)
    record_audit(store, person.username, "create_first_admin", person.username, "first start", at=now)
    return person


def get_user(store: Store, user_id: int) -> Person | None:
    with store.session() as s:
        row = s.get(UserRow, user_id)
        return _person(row) if row is not None else None


def get_user_by_username(store: Store, username: str) -> Person | None:
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        return _person(row) if row is not None else None


def list_users(store: Store, role: str | None = None) -> list[Person]:
    with store.session() as s:
        q = select(UserRow).order_by(UserRow.username)
        if role is not None:
            q = q.where(UserRow.role == role)
        return [_person(r) for r in s.scalars(q).all()]


def authenticate(store: Store, username: str, password: str) -> Person | None:
    """The person when the password is right and the account active, else None (no hint which)."""
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        if row is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(row.password_hash, password) or not row.active:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = hash_password(password)
        return _person(row)


MAX_FAILED_SIGN_INS = 5
FAILED_SIGN_IN_WINDOW = timedelta(minutes=15)


def sign_in(store: Store, username: str, password: str, now: datetime) -> Person:
    """Check a sign-in and record it in the audit log; raises AccountError with the message to show.

    After MAX_FAILED_SIGN_INS wrong passwords for one username within FAILED_SIGN_IN_WINDOW the
    account refuses sign-ins until the window has passed, so a password cannot be guessed online."""
    name = username.strip().lower()[:120]
    since = _utc(now) - FAILED_SIGN_IN_WINDOW
    with store.session() as s:
        recent = s.scalars(
            select(AuditRow.at)
            .where(AuditRow.action == "sign_in_failed", AuditRow.target == name, AuditRow.at >= since)
            .order_by(AuditRow.at)
        ).all()
    if len(recent) >= MAX_FAILED_SIGN_INS:
        wait = _utc(recent[-MAX_FAILED_SIGN_INS]) + FAILED_SIGN_IN_WINDOW - _utc(now)
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise AccountError(f"Too many failed sign-ins for this account; try again in {minutes} minute(s).")
    person = authenticate(store, name, password)
    if person is None:
        record_audit(
            store, name or "?", "sign_in_failed", name, "wrong password, unknown user or deactivated", at=now
        )
        raise AccountError("Wrong username or password, or the account is deactivated.")
    record_audit(store, person.username, "sign_in", person.username, "", at=now)
    return person


def set_role(store: Store, actor: str, username: str, role: str, now: datetime) -> Person:
    check_role(role)
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise AccountError(f"no such user {username!r}")
        if row.role == "admin" and role != "admin":
            admins = s.scalar(
                select(func.count())
                .select_from(UserRow)
                .where(UserRow.role == "admin", UserRow.active.is_(True))
            )
            if (admins or 0) <= 1:
                raise AccountError("this is the last administrator; make someone else admin first")
        old = row.role
        row.role = role
        person = _person(row)
    record_audit(store, actor, "change_role", username, f"{old} → {role}", at=now)
    return person


def reset_password(store: Store, actor: str, username: str, new_password: str, now: datetime) -> None:
    check_password(new_password, username)
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise AccountError(f"no such user {username!r}")
        row.password_hash = hash_password(new_password)
        # A reset ends every open session of that person: whoever knew the old password is out.
        for sess in s.scalars(
            select(SessionRow).where(SessionRow.user_id == row.id, SessionRow.ended_at.is_(None))
        ):
            sess.ended_at = _utc(now)
    record_audit(store, actor, "reset_password", username, "password reset; open sessions ended", at=now)


def set_active(store: Store, actor: str, username: str, active: bool, now: datetime) -> None:
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise AccountError(f"no such user {username!r}")
        if row.role == "admin" and not active:
            admins = s.scalar(
                select(func.count())
                .select_from(UserRow)
                .where(UserRow.role == "admin", UserRow.active.is_(True))
            )
            if (admins or 0) <= 1:
                raise AccountError("this is the last administrator; it cannot be deactivated")
        row.active = active
        if not active:
            for sess in s.scalars(
                select(SessionRow).where(SessionRow.user_id == row.id, SessionRow.ended_at.is_(None))
            ):
                sess.ended_at = _utc(now)
    record_audit(store, actor, "activate_user" if active else "deactivate_user", username, "", at=now)


# --- sessions -------------------------------------------------------------------------------


def start_session(store: Store, user_id: int, now: datetime) -> str:
    """A new sign-in session; the token is what the browser session keeps."""
    token = secrets.token_urlsafe(32)
    with store.session() as s:
        s.add(SessionRow(token=token, user_id=user_id, created_at=_utc(now), last_seen_at=_utc(now)))
    return token


# Touching the session on every rerun would mean a write per second per live board; a minute of
# slack in an 8-hour idle limit costs nothing.
_TOUCH_EVERY = timedelta(seconds=60)


def session_user(
    store: Store, token: str, now: datetime, idle: timedelta = DEFAULT_IDLE_TIMEOUT
) -> Person | None:
    """The person behind a live session, re-read from the database (a role change or deactivation
    applies at once); None when the token is unknown, signed out, expired or the account inactive."""
    if not token:
        return None
    with store.session() as s:
        sess = s.get(SessionRow, token)
        if sess is None or sess.ended_at is not None:
            return None
        if session_expired(_utc(sess.last_seen_at), _utc(now), idle):
            sess.ended_at = _utc(now)
            return None
        row = s.get(UserRow, sess.user_id)
        if row is None or not row.active:
            return None
        if _utc(now) - _utc(sess.last_seen_at) >= _TOUCH_EVERY:
            sess.last_seen_at = _utc(now)
        return _person(row)


def end_session(store: Store, token: str, now: datetime) -> None:
    with store.session() as s:
        sess = s.get(SessionRow, token)
        if sess is not None and sess.ended_at is None:
            sess.ended_at = _utc(now)


# --- audit log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


def record_audit(
    store: Store, actor: str, action: str, target: str = "", detail: Any = "", at: datetime | None = None
) -> int:
    """Append who did what to whom. `detail` may be text or a dict (stored as `k=v; …`).
    Without `at` the database server's clock stamps the entry."""
    if isinstance(detail, dict):
        detail = "; ".join(f"{k}={v}" for k, v in detail.items())
    with store.session() as s:
        row = AuditRow(
            actor=str(actor), action=str(action)[:60], target=str(target)[:200], detail=str(detail)
        )
        row.at = _utc(at) if at is not None else func.now()  # type: ignore[assignment]
        s.add(row)
        s.flush()
        return row.id


def audit_log(
    store: Store,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    """Newest first."""
    with store.session() as s:
        q = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if actor:
            q = q.where(AuditRow.actor == actor)
        if action:
            q = q.where(AuditRow.action == action)
        if target:
            q = q.where(AuditRow.target == target)
        return [
            AuditEntry(r.id, _utc(r.at), r.actor, r.action, r.target, r.detail) for r in s.scalars(q).all()
        ]


def audit_actions(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(AuditRow.action).distinct()).all())


# --- cohorts --------------------------------------------------------------------------------


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
        row = CohortRow(name=clean, start_date=start_date, created_by=actor, created_at=_utc(now))
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
        s.add(CohortMemberRow(cohort_id=cohort.id, user_id=user.id, added_at=_utc(now)))
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


def cohort_members(store: Store, cohort_id: int) -> list[Person]:
    with store.session() as s:
        rows = s.scalars(
            select(UserRow)
            .join(CohortMemberRow, CohortMemberRow.user_id == UserRow.id)
            .where(CohortMemberRow.cohort_id == int(cohort_id))
            .order_by(UserRow.username)
        )
        return [_person(r) for r in rows]


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
# Which trainer control is allowed from which status, and where it leads.
_TRANSITIONS: dict[str, dict[str, str]] = {
    "start": {"scheduled": "running"},
    "pause": {"running": "paused"},
    "resume": {"paused": "running"},
    "end": {"scheduled": "ended", "running": "ended", "paused": "ended"},
}


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
        _utc(r.scheduled_for) if r.scheduled_for else None,
        _utc(r.started_at) if r.started_at else None,
        _utc(r.ended_at) if r.ended_at else None,
        r.created_by,
    )


def schedule_cohort_drill(
    store: Store,
    cohort_id: int,
    scenario_id: str,
    seed: int,
    actor: str,
    now: datetime,
    speed: float = 1.0,
    scheduled_for: datetime | None = None,
) -> CohortDrill:
    """A drill for the whole cohort on one shared clock (not started until the trainer starts it)."""
    from . import attempts

    cohort = get_cohort(store, cohort_id)
    if cohort is None:
        raise AccountError("no such cohort")
    if speed <= 0:
        raise AccountError("the speed must be positive")
    clock_id = attempts.create_cohort_clock(
        store,
        name=f"{cohort.name}: {scenario_id}",
        scenario_id=scenario_id,
        speed=float(speed),
        now=_utc(now),
    )
    with store.session() as s:
        row = CohortDrillRow(
            cohort_id=cohort.id,
            scenario_id=scenario_id,
            seed=int(seed),
            speed=float(speed),
            status="scheduled",
            clock_id=clock_id,
            created_by=actor,
            created_at=_utc(now),
            scheduled_for=_utc(scheduled_for) if scheduled_for else None,
        )
        s.add(row)
        s.flush()
        drill = _drill(row)
    record_audit(
        store,
        actor,
        "schedule_cohort_drill",
        cohort.name,
        f"drill {drill.id}: {scenario_id}, seed {seed}, speed {speed:g}×",
        at=now,
    )
    return drill


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


def control_cohort_drill(store: Store, drill_id: int, control: str, actor: str, now: datetime) -> CohortDrill:
    """start | pause | resume | end, on the shared clock every trainee's attempt follows.

    The status row is updated under a row lock first (`with_for_update`, a no-op on SQLite, where the
    write lock serialises anyway), so two trainers pressing Start at once start the clock once."""
    from . import attempts

    if control not in _TRANSITIONS:
        raise AccountError(f"unknown control {control!r}")
    with store.session() as s:
        row = s.scalar(select(CohortDrillRow).where(CohortDrillRow.id == int(drill_id)).with_for_update())
        if row is None:
            raise AccountError("no such cohort drill")
        new = _TRANSITIONS[control].get(row.status)
        if new is None:
            raise AccountError(f"cannot {control} a drill that is {row.status}")
        row.status = new
        if control == "start":
            row.started_at = _utc(now)
        if control == "end":
            row.ended_at = _utc(now)
        clock_id = row.clock_id
        drill = _drill(row)
    if control == "start":
        attempts.start_clock(store, clock_id, _utc(now))
    elif control == "pause":
        attempts.pause_clock(store, clock_id, _utc(now))
    elif control == "resume":
        attempts.resume_clock(store, clock_id, _utc(now))
    elif control == "end" and drill.started_at is not None:
        attempts.end_clock(store, clock_id, _utc(now))
    record_audit(store, actor, f"{control}_cohort_drill", f"drill {drill_id}", f"now {drill.status}", at=now)
    return drill


def join_cohort_drill(
    store: Store, drill_id: int, user_id: int, username: str, drill_engine: Any, now: datetime
) -> int:
    """The attempt this trainee works in the cohort drill, created on first join (joining again
    returns the same attempt, so a reload or a second tab never forks the trainee's log)."""
    from . import attempts

    cd = get_cohort_drill(store, drill_id)
    if cd is None:
        raise AccountError("no such cohort drill")
    existing = participant_attempt(store, drill_id, user_id)
    if existing is not None:
        return existing
    if not cd.joinable:
        raise AccountError("this drill has ended")
    with store.session() as s:
        if s.get(CohortMemberRow, (cd.cohort_id, user_id)) is None:
            raise AccountError("you are not a member of this drill's cohort")
    try:
        with store.session() as s:
            s.add(CohortDrillParticipantRow(drill_id=cd.id, user_id=user_id, joined_at=_utc(now)))
    except IntegrityError:
        # The other tab won the race; wait for its attempt id.
        existing = participant_attempt(store, drill_id, user_id)
        if existing is not None:
            return existing
        raise AccountError("joining is in progress in another tab; try again in a moment") from None
    aid = attempts.start_attempt(
        store,
        user_id=user_id,
        username=username,
        drill=drill_engine,
        speed=cd.speed,
        now=_utc(now),
        clock_id=cd.clock_id,
    )
    with store.session() as s:
        row = s.scalar(
            select(CohortDrillParticipantRow).where(
                CohortDrillParticipantRow.drill_id == cd.id, CohortDrillParticipantRow.user_id == user_id
            )
        )
        row.attempt_id = aid  # type: ignore[union-attr]
    record_audit(store, username, "join_cohort_drill", f"drill {drill_id}", f"attempt {aid}", at=now)
    return aid


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


# --- audit of other areas' changes ----------------------------------------------------------
# Scenario edits are recorded where they are stored, in the same transaction, so no page can
# save a version without leaving an audit entry (and the authoring code needs no audit calls).


def _audit_insert(connection: Any, at: datetime, actor: str, action: str, target: str, detail: str) -> None:
    connection.execute(
        AuditRow.__table__.insert().values(
            at=_utc(at), actor=actor[:120], action=action, target=target[:200], detail=detail
        )
    )


def _register_scenario_audit() -> None:
    from .scenarios import BUILTIN_AUTHOR, ScenarioRow, ScenarioVersionRow

    @event.listens_for(ScenarioVersionRow, "after_insert")
    def _version_saved(_mapper, connection, target) -> None:
        if target.author == BUILTIN_AUTHOR:  # the built-in pack syncing itself is not an edit
            return
        note = f": {target.note}" if target.note else ""
        _audit_insert(
            connection,
            target.created,
            target.author,
            "scenario.save",
            target.scenario_id,
            f"version {target.version} ({target.content_hash[:12]}){note}",
        )

    @event.listens_for(ScenarioRow, "after_update")
    def _scenario_deleted(_mapper, connection, target) -> None:
        added = inspect(target).attrs.deleted_at.history.added
        if added and added[0] is not None:
            _audit_insert(
                connection, added[0], target.deleted_by or "?", "scenario.delete", target.id, "soft delete"
            )


_register_scenario_audit()

"""People tables: accounts (argon2 hashes), sign-in sessions, the audit log, cohorts, cohort drills.

Owns persisting who may use firedrill, who is signed in, what staff changed (audit), which trainees
form a cohort and the cohort drills a trainer runs for them. The rules (roles, permissions,
password policy, session expiry) live in `simulator.accounts`; cohort statistics in
`simulator.cohort`. Callers pass `now`; this module never reads the wall clock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
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

    The clock is stored as facts, not ticks: when it started, how fast it runs, how long it has
    been paused in total and since when it is paused now; elapsed time is derived from those."""

    __tablename__ = "cohort_drills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(120))
    seed: Mapped[int] = mapped_column(Integer)
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    clock_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)


class CohortDrillParticipantRow(Base):
    """Which attempt a trainee works in a cohort drill (one per trainee per drill)."""

    __tablename__ = "cohort_drill_participants"
    __table_args__ = (UniqueConstraint("drill_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("cohort_drills.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


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


def create_user(store: Store, username: str, password: str, role: str, now: datetime,
                display_name: str | None = None) -> Person:
    """A new account; raises AccountError for a bad name, role, password or a taken username."""
    name = check_username(username)
    check_role(role)
    check_password(password, name)
    with store.session() as s:
        if s.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
            raise AccountError(f"the username {name!r} is taken")
        row = UserRow(username=name, display_name=(display_name or "").strip() or name, role=role,
                      password_hash=hash_password(password), active=True, created_at=_utc(now))
        s.add(row)
        try:
            s.flush()
        except IntegrityError as exc:  # two admins creating the same name at once
            raise AccountError(f"the username {name!r} is taken") from exc
        return _person(row)


def has_admin(store: Store) -> bool:
    with store.session() as s:
        return s.scalar(select(UserRow.id).where(UserRow.role == "admin", UserRow.active.is_(True)).limit(1)) is not None


def create_first_admin(store: Store, username: str, password: str, now: datetime,
                       display_name: str | None = None) -> Person:
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


def set_role(store: Store, actor: str, username: str, role: str, now: datetime) -> Person:
    check_role(role)
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise AccountError(f"no such user {username!r}")
        if row.role == "admin" and role != "admin":
            admins = s.scalar(select(func.count()).select_from(UserRow)
                              .where(UserRow.role == "admin", UserRow.active.is_(True)))
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
        for sess in s.scalars(select(SessionRow).where(SessionRow.user_id == row.id, SessionRow.ended_at.is_(None))):
            sess.ended_at = _utc(now)
    record_audit(store, actor, "reset_password", username, "password reset; open sessions ended", at=now)


def set_active(store: Store, actor: str, username: str, active: bool, now: datetime) -> None:
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise AccountError(f"no such user {username!r}")
        if row.role == "admin" and not active:
            admins = s.scalar(select(func.count()).select_from(UserRow)
                              .where(UserRow.role == "admin", UserRow.active.is_(True)))
            if (admins or 0) <= 1:
                raise AccountError("this is the last administrator; it cannot be deactivated")
        row.active = active
        if not active:
            for sess in s.scalars(select(SessionRow).where(SessionRow.user_id == row.id, SessionRow.ended_at.is_(None))):
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


def session_user(store: Store, token: str, now: datetime, idle: timedelta = DEFAULT_IDLE_TIMEOUT) -> Person | None:
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


def record_audit(store: Store, actor: str, action: str, target: str = "", detail: Any = "",
                 at: datetime | None = None) -> int:
    """Append who did what to whom. `detail` may be text or a dict (stored as `k=v; …`).
    Without `at` the database server's clock stamps the entry."""
    if isinstance(detail, dict):
        detail = "; ".join(f"{k}={v}" for k, v in detail.items())
    with store.session() as s:
        row = AuditRow(actor=str(actor), action=str(action)[:60], target=str(target)[:200], detail=str(detail))
        row.at = _utc(at) if at is not None else func.now()  # type: ignore[assignment]
        s.add(row)
        s.flush()
        return row.id


def audit_log(store: Store, *, actor: str | None = None, action: str | None = None, target: str | None = None,
              limit: int = 500) -> list[AuditEntry]:
    """Newest first."""
    with store.session() as s:
        q = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if actor:
            q = q.where(AuditRow.actor == actor)
        if action:
            q = q.where(AuditRow.action == action)
        if target:
            q = q.where(AuditRow.target == target)
        return [AuditEntry(r.id, _utc(r.at), r.actor, r.action, r.target, r.detail) for r in s.scalars(q).all()]


def audit_actions(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(AuditRow.action).distinct()).all())

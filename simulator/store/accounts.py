"""Accounts: who may use firedrill, with which role, and checking their password.

Owns the `users` table (argon2 password hashes, never the password), creating accounts (the first
admin exactly once), roles, password resets, deactivation, and signing in with the online-guessing
guard (`simulator.store.sign_in_guard`). The rules (roles, password policy) live in
`simulator.accounts`; every change is audited (`simulator.store.audit`). Callers pass `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Boolean, DateTime, Integer, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts import DEFAULT_IDLE_TIMEOUT, AccountError, check_password, check_role, check_username
from . import sessions, sign_in_guard
from ._time import as_utc
from .audit import record_audit
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


@dataclass(frozen=True)
class Account:
    """An account as the rest of the program sees it (never the hash)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool = True


def as_account(r: UserRow) -> Account:
    return Account(r.id, r.username, r.display_name, r.role, bool(r.active))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


MAX_DISPLAY_NAME = 100


def _new_user_row(
    username: str, password: str, role: str, now: datetime, display_name: str | None
) -> UserRow:
    """A checked, hashed account row (not yet added): raises AccountError for a bad name, role,
    password or display name."""
    name = check_username(username)
    check_role(role)
    check_password(password, name)
    display = (display_name or "").strip() or name
    if len(display) > MAX_DISPLAY_NAME:
        raise AccountError(
            f"a display name is at most {MAX_DISPLAY_NAME} characters (this one has {len(display)})"
        )
    return UserRow(
        username=name,
        display_name=display,
        role=role,
        password_hash=hash_password(password),
        active=True,
        created_at=as_utc(now),
    )


def create_user(
    store: Store, username: str, password: str, role: str, now: datetime, display_name: str | None = None
) -> Account:
    """A new account; raises AccountError for a bad name, role, password or a taken username."""
    row = _new_user_row(username, password, role, now, display_name)
    with store.session() as s:
        if s.scalar(select(UserRow.id).where(UserRow.username == row.username)) is not None:
            raise AccountError(f"the username {row.username!r} is taken")
        s.add(row)
        try:
            s.flush()
        except IntegrityError as exc:  # two admins creating the same name at once
            raise AccountError(f"the username {row.username!r} is taken") from exc
        return as_account(row)


def add_user(
    store: Store,
    actor: str,
    username: str,
    password: str,
    role: str,
    now: datetime,
    display_name: str | None = None,
) -> Account:
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


class OneTimeClaimRow(Base):
    """Things that may happen once per installation (the first admin): the primary key makes a
    second claim fail inside the database, whatever the isolation level or the number of servers."""

    __tablename__ = "one_time_claims"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


_ADMIN_EXISTS = "an administrator already exists; sign in instead"


def create_first_admin(
    store: Store, username: str, password: str, now: datetime, display_name: str | None = None
) -> Account:
    """The first start's admin account; refused once any admin exists (the form is not a back door).

    The claim row and the account are written in one transaction: of two visitors submitting the
    first-start form at once, exactly one becomes admin and the other is told to sign in."""
    row = _new_user_row(username, password, "admin", now, display_name)
    try:
        with store.session() as s:
            if s.scalar(select(UserRow.id).where(UserRow.role == "admin").limit(1)) is not None:
                raise AccountError(_ADMIN_EXISTS)
            if s.scalar(select(UserRow.id).where(UserRow.username == row.username)) is not None:
                raise AccountError(f"the username {row.username!r} is taken")
            s.add(OneTimeClaimRow(name="first_admin", claimed_by=row.username, claimed_at=as_utc(now)))
            s.flush()
            s.add(row)
            s.flush()
            person = as_account(row)
    except IntegrityError as exc:
        raise AccountError(_ADMIN_EXISTS) from exc
    record_audit(store, person.username, "create_first_admin", person.username, "first start", at=now)
    return person


def get_user(store: Store, user_id: int) -> Account | None:
    with store.session() as s:
        row = s.get(UserRow, user_id)
        return as_account(row) if row is not None else None


def get_user_by_username(store: Store, username: str) -> Account | None:
    with store.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
        return as_account(row) if row is not None else None


def list_users(store: Store, role: str | None = None) -> list[Account]:
    with store.session() as s:
        q = select(UserRow).order_by(UserRow.username)
        if role is not None:
            q = q.where(UserRow.role == role)
        return [as_account(r) for r in s.scalars(q).all()]


def authenticate(store: Store, username: str, password: str) -> Account | None:
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
        return as_account(row)


def sign_in(store: Store, username: str, password: str, now: datetime, source: str = "unknown") -> Account:
    """Check a sign-in from `source` (the client address); raises AccountError with the message to show.

    Every try is counted before the password is checked, in one transaction with the check of the
    limits (`sign_in_guard.reserve`), so concurrent guesses cannot slip past them. A source that
    keeps failing waits longer and longer (its own budget, so it cannot lock out anyone else); an
    account under a guessing attack from many sources is locked until an administrator unlocks it.
    Audit entries from people who are not signed in are capped per source and window."""
    name = username.strip().lower()[:120]
    ticket = sign_in_guard.reserve(store, source, name, now)
    person = authenticate(store, name, password)
    if person is None:
        outcome = sign_in_guard.failed(store, ticket, now)
        for action, detail in outcome.audit:
            record_audit(store, f"source:{ticket.source}", action, name or "?", detail, at=now)
        raise AccountError(outcome.message)
    sign_in_guard.succeeded(store, ticket)
    record_audit(store, person.username, "sign_in", person.username, f"from {ticket.source}", at=now)
    return person


def unlock(store: Store, actor: str, username: str, now: datetime) -> None:
    """An administrator lifts the lock guessing put on an account (audited)."""
    if not sign_in_guard.unlock_account(store, username.strip().lower()):
        raise AccountError(f"{username} is not locked")
    record_audit(store, actor, "unlock_account", username, "sign-in lock lifted", at=now)


def locked_accounts(store: Store) -> list[str]:
    """Usernames locked by failed sign-ins, for the administrator's unlock list."""
    return sign_in_guard.locked_accounts(store)


def set_role(store: Store, actor: str, username: str, role: str, now: datetime) -> Account:
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
        person = as_account(row)
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
        sessions.end_sessions_of(s, row.id, now)
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
            sessions.end_sessions_of(s, row.id, now)
    record_audit(store, actor, "activate_user" if active else "deactivate_user", username, "", at=now)


def session_user(
    store: Store, token: str, now: datetime, idle: timedelta = DEFAULT_IDLE_TIMEOUT
) -> Account | None:
    """The person behind a live session, re-read from the database (a role change or deactivation
    applies at once); None when the token is unknown, signed out, expired or the account inactive."""
    user_id = sessions.live_session_user_id(store, token, now, idle)
    if user_id is None:
        return None
    person = get_user(store, user_id)
    return person if person is not None and person.active else None

"""The online-guessing guard behind sign-in: failure budgets per source and per account.

Owns the `sign_in_guards` table, one row per scope: `source:<client address>` (throttled with an
exponential delay, never locked) and `account:<username>` (locked after many failures from any
number of sources, until an administrator unlocks it). A try is counted *before* its password is
checked, in the same transaction that checks the limits, so twenty concurrent guesses get exactly
as many real checks as the budget allows. The numbers live in `simulator.accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..accounts import (
    ACCOUNT_LOCK_FAILURES,
    FREE_FAILURES_PER_SOURCE,
    SIGN_IN_WINDOW,
    AccountError,
    source_delay,
    wait_text,
)
from ._time import as_utc
from .db import Base, Store

WRONG_CREDENTIALS = "Wrong username or password, or the account is deactivated."
LOCKED = (
    "This account is locked after many failed sign-ins. An administrator can unlock it "
    "(People page, or `firedrill users unlock USERNAME`)."
)


class SignInGuardRow(Base):
    __tablename__ = "sign_in_guards"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Ticket:
    """A counted sign-in try: the scopes it was charged to."""

    source: str
    username: str

    @property
    def scopes(self) -> tuple[str, str]:
        return (f"source:{self.source}", f"account:{self.username}")


@dataclass(frozen=True)
class Failure:
    """What a failed try means: the message for the person and the audit entries (if any) to write."""

    message: str
    audit: list[tuple[str, str]] = field(default_factory=list)


def _locked_rows(s: Session, scopes: tuple[str, ...], now: datetime) -> dict[str, SignInGuardRow]:
    """The guard rows of `scopes`, created when missing and locked for this transaction.

    The insert comes first: on SQLite it takes the database write lock, serialising every sign-in
    check; on PostgreSQL the rows are then locked with FOR UPDATE (in a fixed order: no deadlock)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    for scope in sorted(scopes):
        s.execute(
            insert(SignInGuardRow)
            .values(scope=scope, window_started_at=now, failures=0)
            .on_conflict_do_nothing(index_elements=["scope"])
        )
    rows = s.scalars(
        select(SignInGuardRow)
        .where(SignInGuardRow.scope.in_(scopes))
        .order_by(SignInGuardRow.scope)
        .with_for_update()
    ).all()
    by_scope = {r.scope: r for r in rows}
    for row in by_scope.values():
        if row.locked_at is None and as_utc(row.window_started_at) + SIGN_IN_WINDOW <= now:
            row.window_started_at, row.failures, row.next_try_at = now, 0, None
    return by_scope


def _forget_stale(s: Session, now: datetime) -> None:
    # Rows of quiet sources and mistyped usernames would pile up; a window later they mean nothing.
    s.execute(
        delete(SignInGuardRow)
        .where(
            SignInGuardRow.locked_at.is_(None),
            SignInGuardRow.window_started_at < now - 2 * SIGN_IN_WINDOW,
        )
        # The rows loaded in this session are recent ones; no need to match them in Python.
        .execution_options(synchronize_session=False)
    )


def reserve(store: Store, source: str, username: str, now: datetime) -> Ticket:
    """Count a sign-in try before its password is checked; raises AccountError when the source must
    wait or the account is locked (then the password is not checked at all)."""
    now = as_utc(now)
    ticket = Ticket((source or "unknown")[:100], username[:120])
    src_scope, acc_scope = ticket.scopes
    with store.session() as s:
        rows = _locked_rows(s, ticket.scopes, now)
        src, acc = rows[src_scope], rows[acc_scope]
        if acc.locked_at is not None:
            raise AccountError(LOCKED)
        if src.next_try_at is not None and as_utc(src.next_try_at) > now:
            raise AccountError(
                "Too many failed sign-ins from your address; "
                f"try again in {wait_text(as_utc(src.next_try_at) - now)}."
            )
        src.failures += 1
        acc.failures += 1
        delay = source_delay(src.failures)
        src.next_try_at = now + delay if delay else None
        _forget_stale(s, now)
    return ticket


def failed(store: Store, ticket: Ticket, now: datetime) -> Failure:
    """The try was wrong (it is already counted): lock the account when many sources failed on it,
    and say which audit entries to write — the first failure of a source's window, the one that
    starts its delays and an account lock, never one per guess."""
    now = as_utc(now)
    src_scope, acc_scope = ticket.scopes
    audit: list[tuple[str, str]] = []
    with store.session() as s:
        rows = _locked_rows(s, ticket.scopes, now)
        src, acc = rows[src_scope], rows[acc_scope]
        if src.failures == 1:
            audit.append(("sign_in_failed", f"from {ticket.source}: first failed sign-in of this window"))
        elif src.failures == FREE_FAILURES_PER_SOURCE:
            audit.append(
                (
                    "sign_in_throttled",
                    f"from {ticket.source}: {src.failures} failed sign-ins within "
                    f"{int(SIGN_IN_WINDOW.total_seconds() // 60)} min; further tries wait 2 s, 4 s, 8 s …",
                )
            )
        if acc.locked_at is None and acc.failures >= ACCOUNT_LOCK_FAILURES:
            acc.locked_at = now
            audit.append(("account_locked", f"{acc.failures} failed sign-ins from several sources"))
            return Failure(LOCKED, audit)
    return Failure(WRONG_CREDENTIALS, audit)


def succeeded(store: Store, ticket: Ticket) -> None:
    """The try was right: it no longer counts as a failure, and the account's count starts over.
    The source keeps its other failures (signing in to one's own account must not buy an attacker
    fresh guesses at someone else's)."""
    src_scope, acc_scope = ticket.scopes
    with store.session() as s:
        for row in s.scalars(select(SignInGuardRow).where(SignInGuardRow.scope.in_(ticket.scopes))):
            if row.scope == acc_scope:
                row.failures = 0
            elif row.scope == src_scope and row.failures > 0:
                row.failures -= 1
                if source_delay(row.failures) == source_delay(0):
                    row.next_try_at = None


def unlock_account(store: Store, username: str) -> bool:
    """Lift an account's lock; False when it was not locked."""
    with store.session() as s:
        row = s.get(SignInGuardRow, f"account:{username}")
        if row is None or row.locked_at is None:
            return False
        row.locked_at, row.failures, row.next_try_at = None, 0, None
        return True


def locked_accounts(store: Store) -> list[str]:
    with store.session() as s:
        scopes = s.scalars(
            select(SignInGuardRow.scope)
            .where(SignInGuardRow.locked_at.is_not(None), SignInGuardRow.scope.startswith("account:"))
            .order_by(SignInGuardRow.scope)
        ).all()
    return [scope.removeprefix("account:") for scope in scopes]

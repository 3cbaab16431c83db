"""Sign-in sessions: the server-side record behind a browser's session token.

Owns the `user_sessions` table: starting a session, finding the live one behind a token (idle
expiry applied), ending one or all of a person's sessions. Only a SHA-256 hash of each token is
stored, so a copy of the database does not let anyone sign in as someone else. The account behind
a session is looked up by `simulator.store.accounts.session_user`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..accounts import DEFAULT_IDLE_TIMEOUT, session_expired
from ._time import as_utc
from .db import Base, Store


class SessionRow(Base):
    __tablename__ = "user_sessions"

    # SHA-256 of the token the browser holds; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def token_hash(token: str) -> str:
    """What is stored for a token: a 256-bit random token needs no salt or slow hash to resist
    guessing, only to be unreadable from a copy of the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user_id: int, now: datetime) -> str:
    """A new sign-in session; returns the token the browser keeps (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with store.session() as s:
        s.add(
            SessionRow(
                token_hash=token_hash(token),
                user_id=user_id,
                created_at=as_utc(now),
                last_seen_at=as_utc(now),
            )
        )
    return token


# Touching the session on every rerun would mean a write per second per live board; a minute of
# slack in an 8-hour idle limit costs nothing.
_TOUCH_EVERY = timedelta(seconds=60)


def live_session_user_id(
    store: Store, token: str, now: datetime, idle: timedelta = DEFAULT_IDLE_TIMEOUT
) -> int | None:
    """The user id behind a live session (and note the activity); None when the token is unknown,
    signed out or idle for longer than `idle` (which ends it)."""
    if not token or len(token) > 200:
        return None
    with store.session() as s:
        sess = s.get(SessionRow, token_hash(token))
        if sess is None or sess.ended_at is not None:
            return None
        if session_expired(as_utc(sess.last_seen_at), as_utc(now), idle):
            sess.ended_at = as_utc(now)
            return None
        if as_utc(now) - as_utc(sess.last_seen_at) >= _TOUCH_EVERY:
            sess.last_seen_at = as_utc(now)
        return sess.user_id


def end_session(store: Store, token: str, now: datetime) -> None:
    """Sign-out: the token stops working at once, wherever it was copied to."""
    with store.session() as s:
        sess = s.get(SessionRow, token_hash(token))
        if sess is not None and sess.ended_at is None:
            sess.ended_at = as_utc(now)


def end_sessions_of(s: Session, user_id: int, now: datetime) -> None:
    """End every open session of one person inside the caller's transaction (password reset,
    deactivation: whoever held the old credentials is out)."""
    for sess in s.scalars(
        select(SessionRow).where(SessionRow.user_id == user_id, SessionRow.ended_at.is_(None))
    ):
        sess.ended_at = as_utc(now)


def session_owner(store: Store, token: str) -> int | None:
    """Whose session a token is or was (ended or expired ones included), or None if unknown: lets
    the next sign-in tell "the same person again" from "someone else at this browser"."""
    if not token or len(token) > 200:
        return None
    with store.session() as s:
        return s.scalar(select(SessionRow.user_id).where(SessionRow.token_hash == token_hash(token)))

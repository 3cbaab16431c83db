"""Post-incident reports: who may write one, and the notes trainers attach to it.

Owns the `report_notes` table and the rule that only the trainee who ran an attempt writes its
report (`save_own_report`): a trainer's comments are separate, signed and audited notes shown
beside the report (`add_note`, `notes_for`), never edits of the trainee's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts import AccountError
from ..permissions import may
from . import attempts
from ._time import as_utc
from .audit import record_audit
from .db import Base, Store

MAX_NOTE = 4000
MAX_REPORT = 100_000


class ReportNoteRow(Base):
    __tablename__ = "report_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class ReportNote:
    id: int
    attempt_id: int
    author: str
    at: datetime
    text: str


def save_own_report(store: Store, attempt_id: int, user_id: int, markdown: str) -> None:
    """Store the report of an attempt; refused unless `user_id` ran that attempt."""
    att = attempts.get_attempt(store, attempt_id)
    if att is None:
        raise AccountError("there is no such drill attempt")
    if att.user_id != user_id:
        raise AccountError("only the trainee who ran this drill writes its report; add a note instead")
    if len(markdown) > MAX_REPORT:
        raise AccountError(f"a report is at most {MAX_REPORT:,} characters (this one has {len(markdown):,})")
    attempts.save_report(store, attempt_id, markdown)


def add_note(store: Store, attempt_id: int, author: str, role: str, text: str, now: datetime) -> ReportNote:
    """A trainer's note on a trainee's report (audited); the report itself is untouched."""
    if not may(role, "annotate_report"):
        raise AccountError("only trainers and administrators add notes to a report")
    clean = text.strip()
    if not clean or len(clean) > MAX_NOTE:
        raise AccountError(f"a note is 1–{MAX_NOTE} characters (this one has {len(clean)})")
    att = attempts.get_attempt(store, attempt_id)
    if att is None:
        raise AccountError("there is no such drill attempt")
    with store.session() as s:
        row = ReportNoteRow(attempt_id=att.id, author=author, at=as_utc(now), text=clean)
        s.add(row)
        s.flush()
        note = ReportNote(row.id, row.attempt_id, row.author, as_utc(row.at), row.text)
    record_audit(
        store,
        author,
        "annotate_report",
        f"attempt {att.id}",
        f"note {note.id} on {att.username}'s report",
        at=now,
    )
    return note


def notes_for(store: Store, attempt_id: int) -> list[ReportNote]:
    """Oldest first."""
    with store.session() as s:
        rows = s.scalars(
            select(ReportNoteRow)
            .where(ReportNoteRow.attempt_id == int(attempt_id))
            .order_by(ReportNoteRow.id)
        )
        return [ReportNote(r.id, r.attempt_id, r.author, as_utc(r.at), r.text) for r in rows]

"""The audit log: who changed what, to whom, and when.

Owns the `audit_log` table, appending entries (`record_audit`), reading them page by page
(`audit_log`, `count_audit`) and recording scenario edits in the same transaction that saves them
(SQLAlchemy events on the scenarios area's tables). Entries are never edited or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, event, func, insert, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from ._time import as_utc
from .db import Base, Store


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


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
            actor=str(actor)[:120],
            action=str(action)[:60],
            target=str(target)[:200],
            detail=str(detail)[:4000],
        )
        row.at = as_utc(at) if at is not None else func.now()
        s.add(row)
        s.flush()
        return row.id


def _filtered(q: Any, actor: str | None, action: str | None, target: str | None) -> Any:
    if actor:
        q = q.where(AuditRow.actor == actor)
    if action:
        q = q.where(AuditRow.action == action)
    if target:
        q = q.where(AuditRow.target == target)
    return q


def audit_log(
    store: Store,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[AuditEntry]:
    """Newest first; `offset`/`limit` page through all of it (see `count_audit`)."""
    with store.session() as s:
        q = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc())
        q = _filtered(q, actor, action, target).limit(max(0, limit)).offset(max(0, offset))
        return [
            AuditEntry(r.id, as_utc(r.at), r.actor, r.action, r.target, r.detail) for r in s.scalars(q).all()
        ]


def count_audit(
    store: Store, *, actor: str | None = None, action: str | None = None, target: str | None = None
) -> int:
    """How many entries match (the Audit page's page count)."""
    with store.session() as s:
        q = _filtered(select(func.count()).select_from(AuditRow), actor, action, target)
        return int(s.scalar(q) or 0)


def audit_actions(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(AuditRow.action).distinct()).all())


# --- audit of other areas' changes ----------------------------------------------------------
# Scenario edits are recorded where they are stored, in the same transaction, so no page can
# save a version without leaving an audit entry (and the authoring code needs no audit calls).


def _audit_insert(connection: Any, at: datetime, actor: str, action: str, target: str, detail: str) -> None:
    connection.execute(
        insert(AuditRow).values(
            at=as_utc(at), actor=actor[:120], action=action, target=target[:200], detail=detail
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

"""Scenario storage: every saved version of every scenario, drafts, and the built-in pack.

Owns the scenario tables and their repository functions: versions are immutable (id, number,
content hash, exact text, author, time), a drill attempt refers to a version by its content hash so
old results stay readable after edits or a (soft) delete, and the built-in pack is mirrored here as
read-only originals. Parsing and validating a scenario belongs to `simulator.scenario`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from ..scenario import SCENARIO_ID_RE, content_hash, parse_scenario, scenario_files
from ..yamlio import FormatError, read_text_limited
from .db import Base, Store

BUILTIN = "builtin"
AUTHORED = "authored"
BUILTIN_AUTHOR = "firedrill"
_ID_RE = re.compile(SCENARIO_ID_RE)
_ID_LINE_RE = re.compile(r"^id:[ \t]*(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s#]+)[ \t]*(#.*)?$", re.MULTILINE)


class ScenarioStoreError(ValueError):
    """A refused store operation, with a message a trainer can act on."""


class ScenarioRow(Base):
    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(16))  # builtin | authored
    owner: Mapped[str] = mapped_column(String(120))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(120), nullable=True)


class ScenarioVersionRow(Base):
    __tablename__ = "scenario_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "version", name="uq_scenario_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # Not unique: reverting to an earlier text gives a new version number with the old hash,
    # and either row resolves to the same exact text.
    content_hash: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")


class ScenarioDraftRow(Base):
    """Unsaved editor text, per author and draft key; may be invalid YAML."""

    __tablename__ = "scenario_drafts"

    author: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class ScenarioVersion:
    scenario_id: str
    version: int
    content_hash: str
    title: str
    text: str
    author: str
    created: datetime
    note: str = ""


@dataclass(frozen=True)
class ScenarioSummary:
    id: str
    title: str
    origin: str
    owner: str
    created: datetime
    updated: datetime
    latest_version: int
    latest_hash: str
    deleted_at: datetime | None = None
    deleted_by: str | None = None

    @property
    def read_only(self) -> bool:
        return self.origin == BUILTIN

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


class PlayableScenario(NamedTuple):
    """What the drill page needs to start a drill on a stored scenario version."""

    scenario_id: str
    title: str
    content_hash: str
    text: str


@dataclass(frozen=True)
class SyncReport:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    invalid: list[str]  # "path: first problem"

    @property
    def loaded(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def __str__(self) -> str:
        # `firedrill init-db` prints "(N built-in scenarios)" with this.
        return str(self.loaded)


def _utc(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _version(r: ScenarioVersionRow) -> ScenarioVersion:
    return ScenarioVersion(
        r.scenario_id, r.version, r.content_hash, r.title, r.text, r.author, _utc(r.created), r.note or ""
    )


def _summary(row: ScenarioRow, latest_hash: str) -> ScenarioSummary:
    return ScenarioSummary(
        row.id,
        row.title,
        row.origin,
        row.owner,
        _utc(row.created),
        _utc(row.updated),
        row.latest_version,
        latest_hash,
        _utc(row.deleted_at) if row.deleted_at else None,
        row.deleted_by,
    )


def check_scenario_id(scenario_id: str) -> str:
    """Refuse ids that are not plain lowercase slugs (so no id can name a path outside a folder)."""
    if not isinstance(scenario_id, str) or not _ID_RE.match(scenario_id):
        raise ScenarioStoreError(
            f"{scenario_id!r} is not a valid scenario id: use 2-63 lowercase letters, digits and dashes, "
            "starting with a letter or digit"
        )
    return scenario_id


def export_filename(scenario_id: str) -> str:
    return f"{check_scenario_id(scenario_id)}.yaml"


# --- versions ---------------------------------------------------------------------------------


def save_version(
    store: Store,
    text: str,
    author: str,
    now: datetime,
    *,
    note: str = "",
    base_dir: Path | None = None,
    is_admin: bool = False,
) -> ScenarioVersion:
    """Validate `text` and store it as the next version of the scenario its `id:` names.

    A new id creates an authored scenario owned by `author`. Saving the same text as the latest
    version stores nothing new. Built-in originals are read-only (duplicate them), only the owner
    (or an admin) may add versions, and a deleted scenario's id is not reused.
    Raises FormatError for an invalid scenario and ScenarioStoreError for a refused save.
    """
    loaded = parse_scenario(text, "<editor>", base_dir=base_dir)
    sc = loaded.scenario
    now = _utc(now)
    with store.session() as s:
        row = s.get(ScenarioRow, sc.id)
        if row is None:
            row = ScenarioRow(
                id=sc.id,
                title=sc.title,
                origin=AUTHORED,
                owner=author,
                created=now,
                updated=now,
                latest_version=0,
            )
            s.add(row)
        else:
            if row.origin == BUILTIN:
                raise ScenarioStoreError(
                    f"{sc.id!r} is a built-in original and read-only; duplicate it under a new id to change it"
                )
            if row.deleted_at is not None:
                raise ScenarioStoreError(f"{sc.id!r} was deleted; choose a new id for this scenario")
            if row.owner != author and not is_admin:
                raise ScenarioStoreError(
                    f"{sc.id!r} belongs to {row.owner}; duplicate it under a new id to make your own version"
                )
            latest = _latest_row(s, sc.id)
            if latest is not None and latest.content_hash == loaded.content_hash:
                return _version(latest)
        row.latest_version += 1
        row.title = sc.title
        row.updated = now
        v = ScenarioVersionRow(
            scenario_id=sc.id,
            version=row.latest_version,
            content_hash=loaded.content_hash,
            title=sc.title,
            text=text,
            author=author,
            created=now,
            note=note,
        )
        s.add(v)
        s.flush()
        return _version(v)


def _latest_row(s, scenario_id: str) -> ScenarioVersionRow | None:
    return s.scalars(
        select(ScenarioVersionRow)
        .where(ScenarioVersionRow.scenario_id == scenario_id)
        .order_by(ScenarioVersionRow.version.desc())
        .limit(1)
    ).first()


def get_version(store: Store, content_hash_: str) -> ScenarioVersion | None:
    """The exact text a drill attempt ran, by content hash — also after edits and deletes."""
    with store.session() as s:
        r = s.scalars(
            select(ScenarioVersionRow)
            .where(ScenarioVersionRow.content_hash == content_hash_)
            .order_by(ScenarioVersionRow.id)
            .limit(1)
        ).first()
        return _version(r) if r else None


def latest_version(store: Store, scenario_id: str) -> ScenarioVersion | None:
    with store.session() as s:
        r = _latest_row(s, scenario_id)
        return _version(r) if r else None


def versions(store: Store, scenario_id: str) -> list[ScenarioVersion]:
    """Every version of a scenario, newest first."""
    with store.session() as s:
        rows = s.scalars(
            select(ScenarioVersionRow)
            .where(ScenarioVersionRow.scenario_id == scenario_id)
            .order_by(ScenarioVersionRow.version.desc())
        ).all()
        return [_version(r) for r in rows]


def get_scenario(store: Store, scenario_id: str) -> ScenarioSummary | None:
    with store.session() as s:
        row = s.get(ScenarioRow, scenario_id)
        if row is None:
            return None
        latest = _latest_row(s, scenario_id)
        return _summary(row, latest.content_hash if latest else "")


def list_scenarios(store: Store, *, include_deleted: bool = False) -> list[ScenarioSummary]:
    """Every scenario, built-in originals first, then authored ones by title."""
    with store.session() as s:
        rows = s.scalars(select(ScenarioRow)).all()
        latest: dict[str, str] = {}
        for v in s.scalars(select(ScenarioVersionRow).order_by(ScenarioVersionRow.version)).all():
            latest[v.scenario_id] = v.content_hash
        out = [_summary(r, latest.get(r.id, "")) for r in rows if include_deleted or r.deleted_at is None]
    return sorted(out, key=lambda x: (x.origin != BUILTIN, x.title.lower(), x.id))


def list_playable(store: Store) -> list[PlayableScenario]:
    """The latest version of every scenario that is not deleted: (id, title, content hash, text).

    Texts parse with `simulator.scenario.parse_scenario(text, source, base_dir=<the pack folder>)`.
    """
    with store.session() as s:
        live = {r.id for r in s.scalars(select(ScenarioRow).where(ScenarioRow.deleted_at.is_(None))).all()}
        latest: dict[str, ScenarioVersionRow] = {}
        for v in s.scalars(select(ScenarioVersionRow).order_by(ScenarioVersionRow.version)).all():
            if v.scenario_id in live:
                latest[v.scenario_id] = v
        out = [PlayableScenario(v.scenario_id, v.title, v.content_hash, v.text) for v in latest.values()]
    return sorted(out, key=lambda p: (p.title.lower(), p.scenario_id))


# --- delete, duplicate ------------------------------------------------------------------------


def delete_scenario(
    store: Store, scenario_id: str, by: str, now: datetime, *, confirm: str, is_admin: bool = False
) -> ScenarioSummary:
    """Soft delete: the scenario leaves the lists, its versions stay so old attempts stay readable.

    `confirm` must repeat the scenario id, the way the page asks the trainer to type it.
    """
    if confirm != scenario_id:
        raise ScenarioStoreError(f"type the scenario id {scenario_id!r} to confirm the delete")
    with store.session() as s:
        row = s.get(ScenarioRow, scenario_id)
        if row is None or row.deleted_at is not None:
            raise ScenarioStoreError(f"no scenario {scenario_id!r} to delete")
        if row.origin == BUILTIN:
            raise ScenarioStoreError(f"{scenario_id!r} is a built-in original and cannot be deleted")
        if row.owner != by and not is_admin:
            raise ScenarioStoreError(
                f"{scenario_id!r} belongs to {row.owner}; only they or an admin may delete it"
            )
        row.deleted_at = _utc(now)
        row.deleted_by = by
        s.flush()
        latest = _latest_row(s, scenario_id)
        return _summary(row, latest.content_hash if latest else "")


def with_new_id(text: str, new_id: str) -> str:
    """The same scenario text with its top-level `id:` replaced, comments and layout kept."""
    check_scenario_id(new_id)
    replaced, n = _ID_LINE_RE.subn(
        lambda m: f"id: {new_id}" + (f"  {m.group(1)}" if m.group(1) else ""), text, count=1
    )
    if n == 0:
        raise ScenarioStoreError("the scenario text has no top-level `id:` line to replace")
    return replaced


def duplicate(
    store: Store, source_hash: str, new_id: str, author: str, now: datetime, *, base_dir: Path | None = None
) -> ScenarioVersion:
    """Copy a stored version (a built-in original or anyone's scenario) under a new id, owned by `author`."""
    check_scenario_id(new_id)
    src = get_version(store, source_hash)
    if src is None:
        raise ScenarioStoreError(f"no stored scenario version {source_hash!r}")
    if get_scenario(store, new_id) is not None:
        raise ScenarioStoreError(
            f"a scenario with id {new_id!r} already exists (or existed); choose another id"
        )
    text = with_new_id(src.text, new_id)
    return save_version(
        store, text, author, now, note=f"duplicated from {src.scenario_id} v{src.version}", base_dir=base_dir
    )


# --- drafts -----------------------------------------------------------------------------------


def save_draft(store: Store, author: str, key: str, text: str, now: datetime) -> None:
    """Keep the editor's text (valid or not) so a reload does not lose a trainer's work."""
    with store.session() as s:
        row = s.get(ScenarioDraftRow, (author, key))
        if row is None:
            s.add(ScenarioDraftRow(author=author, key=key, text=text, updated=_utc(now)))
        else:
            row.text = text
            row.updated = _utc(now)


def get_draft(store: Store, author: str, key: str) -> str | None:
    with store.session() as s:
        row = s.get(ScenarioDraftRow, (author, key))
        return row.text if row else None


def discard_draft(store: Store, author: str, key: str) -> None:
    with store.session() as s:
        row = s.get(ScenarioDraftRow, (author, key))
        if row is not None:
            s.delete(row)


# --- the built-in pack ------------------------------------------------------------------------


def sync_builtin(store: Store, folder: Path, now: datetime | None = None) -> SyncReport:
    """Mirror the pack folder as read-only originals: a new file is added, a changed file becomes a
    new version (old versions stay for old attempts). Invalid files are reported and skipped.

    `now` defaults to the file's modification time, so start-up needs no clock of its own.
    """
    report = SyncReport([], [], [], [])
    for path in scenario_files(Path(folder)):
        try:
            text = read_text_limited(path)
            loaded = parse_scenario(text, str(path), base_dir=path.parent)
        except FormatError as exc:
            report.invalid.append(f"{path.name}: {exc.problems[0] if exc.problems else exc}")
            continue
        sc = loaded.scenario
        when = _utc(now) if now else datetime.fromtimestamp(path.stat().st_mtime, UTC)
        with store.session() as s:
            row = s.get(ScenarioRow, sc.id)
            if row is not None and row.origin != BUILTIN:
                report.invalid.append(f"{path.name}: id {sc.id!r} is already used by an authored scenario")
                continue
            if row is None:
                row = ScenarioRow(
                    id=sc.id,
                    title=sc.title,
                    origin=BUILTIN,
                    owner=BUILTIN_AUTHOR,
                    created=when,
                    updated=when,
                    latest_version=0,
                )
                s.add(row)
                report.added.append(sc.id)
            else:
                latest = _latest_row(s, sc.id)
                if latest is not None and latest.content_hash == content_hash(text):
                    report.unchanged.append(sc.id)
                    continue
                report.updated.append(sc.id)
            row.latest_version += 1
            row.title = sc.title
            row.updated = when
            row.deleted_at = None
            s.add(
                ScenarioVersionRow(
                    scenario_id=sc.id,
                    version=row.latest_version,
                    content_hash=loaded.content_hash,
                    title=sc.title,
                    text=text,
                    author=BUILTIN_AUTHOR,
                    created=when,
                    note=f"built-in {path.name}",
                )
            )
    return report

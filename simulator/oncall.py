"""Who is on call: the team file (`data/team.yaml`) — people, role holders, the weekly rotation
with its 2-hour overlap and 15-minute handoff, overrides and hour restrictions — and the answer
to "who holds each role at time t". Does not decide who gets paged when (`simulator.escalation`).

Model (after PagerDuty schedule layers): turn index = floor((t − start) / turn_length) mod n.
The seed's overlap is not a PagerDuty concept: the outgoing primary simply stays on call
alongside the incoming one for the first `overlap` of each turn. Overrides beat the rotation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from . import content
from .durations import Duration, format_duration
from .vocabulary import Role
from .yamlio import load_model_file, load_model_text

# Where they are read from at import time; `load_team()` asks `simulator.content` at each call.
DEFAULT_TEAM_PATH = content.path("team.yaml")
SOLO_PRESET_PATH = content.path("presets/solo-developer/team.yaml")
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ID = r"^[a-z][a-z0-9_-]*$"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Model):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str = ""
    timezone: str = "UTC"
    note: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}; use an IANA name like Europe/Berlin") from None
        return v


class RoleHolders(_Model):
    manager: str
    incident_commander: str
    security_lead: str
    smes: dict[str, str] = Field(default_factory=dict, description="Subject-matter experts by area")


class Window(_Model):
    """Hours (UTC) in which a role is on call; `end` at or before `start` crosses midnight."""

    days: list[Day] = Field(default_factory=lambda: list(DAYS))
    start: str = "00:00"
    end: str = "24:00"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not isinstance(v, str) or not _HHMM.match(v):
            raise ValueError("expected a time of day HH:MM (00:00–24:00)")
        return v

    @staticmethod
    def _minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    def contains(self, at: datetime) -> bool:
        start, end = self._minutes(self.start), self._minutes(self.end)
        minute = at.hour * 60 + at.minute
        day = DAYS[at.weekday()]
        if start < end:
            return day in self.days and start <= minute < end
        # Crosses midnight: the evening part belongs to `day`, the morning part to the day before.
        yesterday = DAYS[(at.weekday() - 1) % 7]
        return (day in self.days and minute >= start) or (yesterday in self.days and minute < end)

    def edges(self) -> list[int]:
        return sorted({self._minutes(self.start) % 1440, self._minutes(self.end) % 1440})


class Rotation(_Model):
    start: AwareDatetime = Field(
        description="When turn 0 begins (rotation_virtual_start), e.g. a Monday 00:00 UTC"
    )
    turn_length: Duration = Field(604800.0, description="Length of one turn; a week by default")
    engineers: list[str] = Field(min_length=1, description="Primary on-call engineers, in order")
    backups: list[str] | None = Field(
        None, description="Backup order; when absent the backup is the next engineer in `engineers`"
    )
    overlap: Duration = Field(7200.0, description="Outgoing primary stays on call this long into a turn")
    handoff_meeting: Duration = Field(900.0, description="Handoff call at the start of each turn")
    primary_hours: list[Window] = Field(default_factory=list, description="Empty: around the clock")
    backup_hours: list[Window] = Field(default_factory=list, description="Empty: around the clock")

    @model_validator(mode="after")
    def _shape(self) -> Rotation:
        if self.turn_length <= 0:
            raise ValueError("turn_length must be longer than 0s (a zero-length turn never hands over)")
        if self.overlap >= self.turn_length:
            raise ValueError("overlap must be shorter than turn_length")
        if self.handoff_meeting > self.turn_length:
            raise ValueError("handoff_meeting must fit in a turn")
        dupes = sorted({e for e in self.engineers if self.engineers.count(e) > 1})
        if dupes:
            raise ValueError(f"engineers repeat: {', '.join(dupes)}")
        if self.backups is None and len(self.engineers) < 2:
            raise ValueError(
                "with one engineer the next-in-order backup would be the primary; list `backups` explicitly"
            )
        return self


class VacationRelief(_Model):
    """The seed's vacation relief: the backup is promoted to primary and another person becomes backup."""

    kind: Literal["vacation"]
    person: str = Field(description="Who is away")
    start: AwareDatetime
    end: AwareDatetime
    new_backup: str
    reason: str = "vacation"

    @property
    def roles(self) -> set[str]:
        return {"primary", "backup"}


class Swap(_Model):
    """A plain PagerDuty override: `person` takes `role` from start to end."""

    kind: Literal["swap"]
    role: Literal["primary", "backup"]
    person: str
    start: AwareDatetime
    end: AwareDatetime
    reason: str = ""

    @property
    def roles(self) -> set[str]:
        return {self.role}


Override = Annotated[VacationRelief | Swap, Field(discriminator="kind")]


class Team(_Model):
    name: str = "team"
    people: list[Person] = Field(min_length=1)
    roles: RoleHolders
    rotation: Rotation
    overrides: list[Override] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Team:
        problems: list[str] = []
        ids = [p.id for p in self.people]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"people repeat the same id: {', '.join(dupes)}")
        known = set(ids)

        def check(who: str, where: str) -> None:
            if who not in known:
                problems.append(f"{where}: unknown person {who!r}; people are {', '.join(ids)}")

        r = self.roles
        for role in ("manager", "incident_commander", "security_lead"):
            check(getattr(r, role), f"roles.{role}")
        for area, who in r.smes.items():
            check(who, f"roles.smes.{area}")
        for i, e in enumerate(self.rotation.engineers):
            check(e, f"rotation.engineers[{i}]")
        for i, b in enumerate(self.rotation.backups or []):
            check(b, f"rotation.backups[{i}]")
        for i, o in enumerate(self.overrides):
            check(o.person, f"overrides[{i}].person")
            if isinstance(o, VacationRelief):
                check(o.new_backup, f"overrides[{i}].new_backup")
                if o.new_backup == o.person:
                    problems.append(f"overrides[{i}]: new_backup is the person who is away")
            if o.end <= o.start:
                problems.append(f"overrides[{i}]: end must be after start (found a zero or negative length)")
        for i, first in enumerate(self.overrides):
            for j in range(i + 1, len(self.overrides)):
                second = self.overrides[j]
                shared = first.roles & second.roles
                if shared and first.start < second.end and second.start < first.end:
                    problems.append(
                        f"overrides[{i}] and overrides[{j}] overlap ({second.start:%Y-%m-%d %H:%M} – "
                        f"{min(first.end, second.end):%Y-%m-%d %H:%M} UTC) for {', '.join(sorted(shared))}; "
                        "split or merge them"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def person(self, person_id: str) -> Person:
        for p in self.people:
            if p.id == person_id:
                return p
        raise KeyError(person_id)


# --- loading ---------------------------------------------------------------------------------


def default_team() -> Team:
    """The team's `team.yaml` from the content directory, parsed once per process."""
    return content.parsed("team.yaml", load_team)


def load_team(path: Path | None = None) -> Team:
    """Load and validate a team file (default: the content directory's `team.yaml`);
    FormatError when it is bad."""
    return load_model_file(Team, Path(path) if path is not None else content.path("team.yaml"))


def validate_team_text(text: str, source: str, base_dir: Path | None = None) -> Team:
    return load_model_text(Team, text, source)


def json_schema() -> dict[str, Any]:
    return Team.model_json_schema()


def parse_time(text: str) -> datetime:
    """ISO 8601 time; a time without a zone is taken as UTC (the seed's rotation is in UTC)."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"bad time {text!r}; expected ISO 8601 like 2026-03-10T14:23:00Z") from None
    return utc(t)


def utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


# --- who is on call --------------------------------------------------------------------------


@dataclass(frozen=True)
class OnCall:
    """Who holds each role at one instant, and why."""

    at: datetime
    primary: Person | None
    backup: Person | None
    outgoing_primary: Person | None  # during the overlap at the start of a turn
    manager: Person
    incident_commander: Person
    security_lead: Person
    smes: dict[str, Person]
    turn: int
    turn_start: datetime
    turn_end: datetime
    in_overlap: bool
    in_handoff_meeting: bool
    overrides: list[str] = field(default_factory=list)  # reasons of the overrides in force
    notes: list[str] = field(default_factory=list)

    def holders(self, role: Role) -> list[tuple[Person, str]]:
        """(person, why) for everyone who answers for `role` now; empty when nobody is on call."""
        if role == Role.PRIMARY:
            out = [(self.primary, "primary")] if self.primary else []
            if self.outgoing_primary:
                out.append((self.outgoing_primary, "outgoing primary during the handoff overlap"))
            return out
        if role == Role.BACKUP:
            return [(self.backup, "backup")] if self.backup else []
        if role == Role.MANAGER:
            return [(self.manager, "on-call manager")]
        if role == Role.INCIDENT_COMMANDER:
            return [(self.incident_commander, "incident commander")]
        if role == Role.SECURITY_LEAD:
            return [(self.security_lead, "security lead")]
        return [(p, f"subject-matter expert: {area}") for area, p in self.smes.items()]

    def as_dict(self) -> dict[str, Any]:
        def name(p: Person | None) -> str | None:
            return p.name if p else None

        return {
            "at": iso(self.at),
            "turn": self.turn,
            "turn_start": iso(self.turn_start),
            "turn_end": iso(self.turn_end),
            "primary": name(self.primary),
            "backup": name(self.backup),
            "outgoing_primary": name(self.outgoing_primary),
            "manager": self.manager.name,
            "incident_commander": self.incident_commander.name,
            "security_lead": self.security_lead.name,
            "smes": {area: p.name for area, p in self.smes.items()},
            "in_overlap": self.in_overlap,
            "in_handoff_meeting": self.in_handoff_meeting,
            "overrides": self.overrides,
            "notes": self.notes,
        }


def iso(t: datetime) -> str:
    return utc(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def _turn(team: Team, at: datetime) -> tuple[int, datetime]:
    rot = team.rotation
    start = utc(rot.start)
    elapsed = (at - start).total_seconds()
    index = int(elapsed // rot.turn_length)  # floor, also before the start (negative turns)
    return index, start + timedelta(seconds=index * rot.turn_length)


def _scheduled(team: Team, index: int) -> tuple[str, str]:
    rot = team.rotation
    n = len(rot.engineers)
    primary = rot.engineers[index % n]
    backup = rot.backups[index % len(rot.backups)] if rot.backups else rot.engineers[(index + 1) % n]
    return primary, backup


def _assign(team: Team, at: datetime) -> tuple[str | None, str | None, list[str], list[str]]:
    """Primary and backup ids at `at` after restrictions and overrides, with reasons and notes."""
    rot = team.rotation
    index, _ = _turn(team, at)
    primary, backup = _scheduled(team, index)
    p: str | None = primary
    b: str | None = backup
    notes: list[str] = []
    if rot.primary_hours and not any(w.contains(at) for w in rot.primary_hours):
        p = None
        notes.append("outside the primary's hours: nobody is primary, pages go to the backup")
    if rot.backup_hours and not any(w.contains(at) for w in rot.backup_hours):
        b = None
        notes.append("outside the backup's hours: no backup")
    reasons: list[str] = []
    for o in team.overrides:
        if not (o.start <= at < o.end):
            continue
        if isinstance(o, VacationRelief):
            if o.person == primary:
                p, b = backup, o.new_backup
                reasons.append(
                    f"{o.reason}: {o.person} away, backup {backup} promoted, {o.new_backup} is backup"
                )
            elif o.person == backup:
                b = o.new_backup
                reasons.append(f"{o.reason}: {o.person} away, {o.new_backup} is backup")
        else:
            if o.role == "primary":
                p = o.person
            else:
                b = o.person
            reasons.append(f"override: {o.person} is {o.role}" + (f" ({o.reason})" if o.reason else ""))
    return p, b, reasons, notes


def on_call(team: Team, at: datetime) -> OnCall:
    """Who holds each role at `at` (any time zone; a naive time is UTC)."""
    at = utc(at)
    rot = team.rotation
    index, turn_start = _turn(team, at)
    p, b, reasons, notes = _assign(team, at)
    into = (at - turn_start).total_seconds()
    in_overlap = into < rot.overlap
    outgoing: str | None = None
    if in_overlap:
        # Who was primary just before the handoff (overrides included) stays on alongside.
        before, _, _, _ = _assign(team, turn_start - timedelta(microseconds=1))
        if before is not None and before != p:
            outgoing = before
            notes.append(
                f"handoff overlap until {iso(turn_start + timedelta(seconds=rot.overlap))}: "
                "the outgoing primary is still on call"
            )
    in_meeting = into < rot.handoff_meeting
    if in_meeting:
        notes.append(f"handoff meeting ({format_duration(rot.handoff_meeting)}) in progress")
    get = team.person
    return OnCall(
        at=at,
        primary=get(p) if p else None,
        backup=get(b) if b else None,
        outgoing_primary=get(outgoing) if outgoing else None,
        manager=get(team.roles.manager),
        incident_commander=get(team.roles.incident_commander),
        security_lead=get(team.roles.security_lead),
        smes={area: get(who) for area, who in team.roles.smes.items()},
        turn=index,
        turn_start=turn_start,
        turn_end=turn_start + timedelta(seconds=rot.turn_length),
        in_overlap=in_overlap,
        in_handoff_meeting=in_meeting,
        overrides=reasons,
        notes=notes,
    )


# --- the calendar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """One stretch of time in which one person holds one role, for the calendar view."""

    role: str  # primary, backup, overlap (outgoing primary), handoff meeting
    person: str
    start: datetime
    end: datetime
    override: bool = False
    detail: str = ""


def shifts(team: Team, start: datetime, end: datetime) -> list[Shift]:
    """Every primary/backup/overlap/handoff stretch between start and end, merged where unchanged.

    Built by evaluating `on_call` at every instant where anything can change (turn edges, overlap
    ends, override edges, restriction edges), so the calendar can never disagree with `on_call`.
    """
    start, end = utc(start), utc(end)
    rot = team.rotation
    cuts: set[datetime] = {start, end}
    _, turn_start = _turn(team, start)
    t = turn_start
    while t < end:
        for extra in (0.0, rot.overlap, rot.handoff_meeting):
            cuts.add(t + timedelta(seconds=extra))
        t += timedelta(seconds=rot.turn_length)
    for o in team.overrides:
        cuts.update((utc(o.start), utc(o.end)))
    windows = [*rot.primary_hours, *rot.backup_hours]
    if windows:
        day = datetime.combine(start.date(), time(0), tzinfo=UTC)
        while day < end:
            for w in windows:
                for minute in w.edges():
                    cuts.add(day + timedelta(minutes=minute))
            day += timedelta(days=1)
    points = sorted(c for c in cuts if start <= c <= end)
    out: list[Shift] = []
    for a, b in pairwise(points):
        now = on_call(team, a)
        ovr = bool(now.overrides)
        detail = "; ".join(now.overrides)
        rows = []
        if now.primary:
            rows.append(("primary", now.primary.name, ovr))
        if now.backup:
            rows.append(("backup", now.backup.name, ovr))
        if now.outgoing_primary:
            rows.append(("overlap", now.outgoing_primary.name, False))
        if now.in_handoff_meeting:
            rows.append(("handoff meeting", now.primary.name if now.primary else "-", False))
        for role, person, is_override in rows:
            last = next((s for s in reversed(out) if s.role == role), None)
            if last and last.person == person and last.end == a and last.override == is_override:
                out[out.index(last)] = Shift(role, person, last.start, b, is_override, last.detail)
            else:
                out.append(Shift(role, person, a, b, is_override, detail if is_override else ""))
    return out


# --- the demo team ---------------------------------------------------------------------------

DEMO_SEED = 20260310
_ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
]


def generate_demo_team_yaml(seed: int = DEMO_SEED) -> str:
    """The demo `data/team.yaml`, generated with Faker from a fixed seed (fictional people only).

    The committed file is what loads; run `firedrill oncall --generate-demo > data/team.yaml` to
    regenerate it after changing this function.
    """
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    people: list[dict[str, str]] = []
    used: set[str] = set()
    for i in range(8):
        first, last = fake.first_name(), fake.last_name()
        pid = re.sub(r"[^a-z]", "", first.lower())
        while pid in used:
            pid += re.sub(r"[^a-z]", "", last.lower())[:1] or "x"
        used.add(pid)
        # example.com and 555-01xx numbers are reserved for fiction: nobody real gets paged.
        people.append(
            {
                "id": pid,
                "name": f"{first} {last}",
                "email": f"{pid}@example.com",
                "phone": f"+1-202-555-01{i:02d}",
                "timezone": fake.random_element(_ZONES),
            }
        )
    engineers = [p["id"] for p in people[:5]]
    manager, commander, security = people[5]["id"], people[6]["id"], people[7]["id"]
    lines = [
        "# The demo team, generated with Faker from a fixed seed "
        f"(simulator.oncall.generate_demo_team_yaml, seed {seed}).",
        "# Everyone here is fictional (example.com addresses, 555-01xx numbers).",
        "# Rotation: weekly turns from Monday 00:00 UTC; the backup is the next engineer in order;",
        "# the outgoing primary stays on call for the first 2 hours of a turn (knowledge transfer);",
        "# a 15-minute handoff call opens each turn. Overrides beat the rotation.",
        "name: Platform on-call (demo)",
        "people:",
    ]
    for p in people:
        lines.append(f"  - id: {p['id']}")
        for key in ("name", "email", "phone", "timezone"):
            lines.append(f"    {key}: {p[key]!s}" if key != "phone" else f'    {key}: "{p[key]}"')
    lines += [
        "roles:",
        f"  manager: {manager}",
        f"  incident_commander: {commander}",
        f"  security_lead: {security}",
        "  smes:",
        f"    database: {engineers[1]}",
        f"    network: {engineers[3]}",
        f"    security: {security}",
        "rotation:",
        "  start: 2026-03-02T00:00:00Z  # a Monday",
        "  turn_length: 1w",
        f"  engineers: [{', '.join(engineers)}]",
        "  overlap: 2h",
        "  handoff_meeting: 15m",
        "overrides:",
        "  - kind: vacation",
        f"    person: {engineers[2]}",
        "    start: 2026-03-18T00:00:00Z",
        "    end: 2026-03-20T00:00:00Z",
        f"    new_backup: {engineers[4]}",
        "    reason: vacation",
        "  - kind: swap",
        "    role: backup",
        f"    person: {engineers[0]}",
        "    start: 2026-03-26T18:00:00Z",
        "    end: 2026-03-27T06:00:00Z",
        "    reason: backup at a conference",
    ]
    return "\n".join(lines) + "\n"

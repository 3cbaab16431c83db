"""The live drill engine: a scenario run as a world that reacts to the trainee.

Owns the drill's event log (append-only, the single source of truth), the simulated clock (wall
timestamps, speed changes and pauses, never UI ticks), the consequences of mitigations on the
trace, and `state_at`, which derives everything the trainee can see at a moment from the log.
Does not score (`simulator.scoring`), render (`pages/`) or persist (`simulator.store.attempts`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from . import alerts as alerts_mod
from . import escalation, oncall, routing
from .actions import (
    Action,
    AnnounceResolution,
    BridgeUpdate,
    Classify,
    Declare,
    Escalate,
    Hypothesis,
    JoinBridge,
    Judge,
    Look,
    Mitigate,
    NotifyCustomers,
    OpenChannel,
    PostUpdate,
    Resolve,
    StatusPage,
    Verify,
    Watch,
    WriteReport,
    action_payload,
    parse_action,
)
from .oncall import default_team
from .policy import Policy, default_policy
from .routing.config import default_config
from .scenario import Effect, LoadedScenario, Mitigation, Ramp, Surge
from .timeseries import Trace
from .traces import generate_trace
from .vocabulary import IncidentStatus, Role, SecurityState, Severity

SPEEDS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
CLOCK_KINDS = ("clock.start", "clock.pause", "clock.resume", "clock.speed", "clock.end", "clock.seen")
# A live drill page records `clock.seen` at least this often (wall seconds) while the clock runs:
# the log then shows when a server held the session, and the gaps when none did.
HEARTBEAT_EVERY = 10.0
# Below 10× a wall second is worth little simulated time, so an idle page checks in less often
# (each check-in costs the server a fragment rerun); the limits below scale with it.
SLOW_HEARTBEAT_EVERY = 30.0
# A gap between two signs of life longer than this (wall seconds) means nobody held the session
# (server down, browser closed): the clock stood still from the last sign of life. Generous, so
# a browser that throttles a background tab to one timer a minute keeps its clock running.
SILENCE_LIMIT = 90.0
# A `clock.seen` marked `resumed` is a new server session picking the drill up (a restart or a
# reload); a gap before it longer than this is downtime, not thinking time.
RESUME_LIMIT = 1.5 * HEARTBEAT_EVERY


def heartbeat_every(speed: float) -> float:
    """Wall seconds between heartbeats at a clock speed: 10 s from 10× up, else 30 s."""
    return HEARTBEAT_EVERY if speed >= 10 else SLOW_HEARTBEAT_EVERY


# --- the policy and team a drill runs with ------------------------------------------------------


def load_default_policy() -> Policy:
    """The team's policy from the content directory's `policy.yaml`, read once per process. A
    broken file raises its FormatError: a drill is never scored against rules other than the team's."""
    return default_policy()


def load_default_team() -> Any:
    """The team's people and rotation from the content directory's `team.yaml`, read once per
    process (a broken file raises FormatError)."""
    return default_team()


# --- events and the clock -------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One line of the drill's log. `at_offset` is simulated seconds from the scenario start;
    `wall` is when it was recorded (None in headless drills)."""

    seq: int
    at_offset: float
    kind: str
    payload: dict[str, Any]
    actor: str = "trainee"
    wall: datetime | None = None

    @property
    def is_action(self) -> bool:
        return not self.kind.startswith("clock.")

    def action(self) -> Action:
        return parse_action({"action": self.kind, **self.payload})


@dataclass(frozen=True)
class DrillClock:
    """Simulated time from stored clock events: offset = anchor + (wall − anchor_wall) × speed.

    Once a live page has recorded a `clock.seen` heartbeat, time nobody held the session does not
    count: every event's wall time is a sign of life, and a silence longer than `SILENCE_LIMIT`
    (or than `RESUME_LIMIT` before a session resumed) leaves the clock where it was. The same log
    always gives the same clock."""

    anchor_wall: datetime | None
    anchor_offset: float
    speed: float
    running: bool
    ended: bool
    duration: float
    started: bool
    last_seen: datetime | None = None  # the latest sign of life, once heartbeats are recorded
    downtime: float = 0.0  # wall seconds of silence not counted

    @classmethod
    def from_events(cls, events: Iterable[Event], duration: float) -> DrillClock:
        clock = cls(None, 0.0, 1.0, False, False, duration, False)
        # Every event with a wall time is a sign of life; only clock events move the clock.
        timed = (e for e in events if e.wall is not None or e.kind in CLOCK_KINDS)
        for e in sorted(timed, key=lambda e: e.seq):
            clock = clock._after_silence(e)
            if e.kind in CLOCK_KINDS:
                clock = clock.apply(e)
        return clock

    def apply(self, e: Event) -> DrillClock:
        wall = e.wall
        if e.kind == "clock.start":
            return replace(
                self,
                anchor_wall=wall,
                anchor_offset=float(e.payload.get("offset", 0.0)),
                speed=float(e.payload.get("speed", 1.0)),
                running=True,
                started=True,
            )
        if self.ended or wall is None:
            return self
        now = self.offset_at(wall)
        if e.kind == "clock.pause":
            return replace(self, anchor_wall=wall, anchor_offset=now, running=False)
        if e.kind == "clock.resume":
            return replace(self, anchor_wall=wall, anchor_offset=now, running=True)
        if e.kind == "clock.speed":
            return replace(self, anchor_wall=wall, anchor_offset=now, speed=float(e.payload["speed"]))
        if e.kind == "clock.end":
            return replace(self, anchor_wall=wall, anchor_offset=now, running=False, ended=True)
        return self

    def _after_silence(self, e: Event) -> DrillClock:
        """The clock with a too-long silence before `e` taken out, and `e` as the last sign of life."""
        if e.wall is None:
            return self
        if self.last_seen is None:
            return replace(self, last_seen=e.wall) if e.kind == "clock.seen" else self
        gap = (e.wall - self.last_seen).total_seconds()
        resume_limit = RESUME_LIMIT * heartbeat_every(self.speed) / HEARTBEAT_EVERY
        limit = resume_limit if e.kind == "clock.seen" and e.payload.get("resumed") else SILENCE_LIMIT
        if gap > limit and self.running and self.anchor_wall is not None and not self.ended:
            return replace(
                self,
                anchor_offset=self.offset_at(self.last_seen),
                anchor_wall=e.wall,
                last_seen=e.wall,
                downtime=self.downtime + gap,
            )
        return replace(self, last_seen=max(self.last_seen, e.wall))

    def offset_at(self, wall: datetime) -> float:
        if not self.started or self.anchor_wall is None:
            return 0.0
        off = self.anchor_offset
        if self.running:
            if self.last_seen is not None and (wall - self.last_seen).total_seconds() > SILENCE_LIMIT:
                wall = self.last_seen  # nobody has held the session since: time stood still
            off += max(0.0, (wall - self.anchor_wall).total_seconds()) * self.speed
        return min(off, self.duration)

    def time_left(self, wall: datetime) -> float:
        """Simulated seconds until the scenario's end."""
        return max(0.0, self.duration - self.offset_at(wall))

    def out_of_time(self, wall: datetime) -> bool:
        """The scenario's time has run out (the clock stopped at its end, not ended by anyone)."""
        return self.started and self.offset_at(wall) >= self.duration - 1e-9

    def wall_until(self, offset: float, wall: datetime) -> float | None:
        """Wall seconds from `wall` until the clock shows `offset` (None: paused, ended or past)."""
        if not self.running or self.ended:
            return None
        ahead = offset - self.offset_at(wall)
        return None if ahead < 0 else ahead / self.speed

    def needs_heartbeat(self, wall: datetime) -> bool:
        """Whether a live page should record `clock.seen` now to keep the clock counting."""
        if not self.running or self.ended:
            return False
        every = heartbeat_every(self.speed)
        return self.last_seen is None or (wall - self.last_seen).total_seconds() >= every

    @property
    def paused(self) -> bool:
        return self.started and not self.running and not self.ended


# --- the drill ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drill:
    """A scenario run: the scenario version, seed, policy and team it runs with."""

    loaded: LoadedScenario
    seed: int
    policy: Policy
    team: Any = None

    @classmethod
    def create(
        cls,
        loaded: LoadedScenario,
        seed: int | None = None,
        policy: Policy | None = None,
        team: Any = None,
    ) -> Drill:
        if policy is None:
            policy = load_default_policy()
        if team is None:
            team = load_default_team()
        if seed is not None and int(seed) != loaded.scenario.seed and loaded.scenario.variants is not None:
            # Another seed is another variant within the scenario's `variants:` bounds (same content
            # hash: an attempt's (hash, seed) rebuilds exactly this run).
            from .variants import variant_of

            loaded, _ = variant_of(loaded, int(seed))
        return cls(loaded, loaded.scenario.seed if seed is None else int(seed), policy, team)

    @property
    def scenario(self):
        return self.loaded.scenario

    @property
    def duration(self) -> float:
        return float(self.scenario.clock.duration)

    def wall(self, offset: float) -> datetime:
        return self.scenario.clock.start + timedelta(seconds=float(offset))

    def hhmm(self, offset: float) -> str:
        return f"{self.wall(offset):%H:%M:%S}"

    def mitigation(self, mid: str) -> Mitigation | None:
        return next((m for m in self.scenario.answer.mitigations if m.id == mid), None)


def next_event(
    events: Sequence[Event],
    at_offset: float,
    kind: str,
    payload: dict[str, Any],
    actor: str = "trainee",
    wall: datetime | None = None,
) -> Event:
    seq = (max((e.seq for e in events), default=0)) + 1
    return Event(seq, float(at_offset), kind, dict(payload), actor, wall)


def action_event(
    events: Sequence[Event],
    at_offset: float,
    action: Action,
    actor: str = "trainee",
    wall: datetime | None = None,
) -> Event:
    payload = action_payload(action)
    kind = payload.pop("action")
    return next_event(events, at_offset, kind, payload, actor, wall)


def events_from_responses(drill: Drill, responses: Any) -> list[Event]:
    """A headless drill's log: the scripted actions at their simulated times (no wall clock)."""
    events: list[Event] = []
    for at, action in responses.timed():
        events.append(action_event(events, min(at, drill.duration), action, responses.actor))
    return events


def actions_of(events: Iterable[Event]) -> list[tuple[Event, Action]]:
    out = [(e, e.action()) for e in events if e.is_action]
    return sorted(out, key=lambda x: (x[0].at_offset, x[0].seq))


# --- consequences ---------------------------------------------------------------------------------


def _shift(effect: Effect, by: float) -> Effect:
    upd: dict[str, Any] = {"start": effect.start + by}
    if effect.end is not None:
        upd["end"] = effect.end + by
    if isinstance(effect, Ramp) and effect.hold_until is not None:
        upd["hold_until"] = effect.hold_until + by
    return effect.model_copy(update=upd)


def _stop(effect: Effect, at: float, recovery: float) -> Effect:
    """The effect as ended by a mitigation applied at `at`: it fades out over `recovery`."""
    done = max(at + recovery, effect.start)
    if isinstance(effect, Surge):
        end = at if effect.end is None else min(effect.end, at)
        return effect.model_copy(update={"end": max(end, effect.start), "decay": max(recovery, 1.0)})
    if isinstance(effect, Ramp):
        hold = done if effect.hold_until is None else min(effect.hold_until, done)
        return effect.model_copy(update={"hold_until": hold})
    end = done if effect.end is None else min(effect.end, done)
    return effect.model_copy(update={"end": end})


def effects_with_mitigations(drill: Drill, applied: Sequence[tuple[float, str]]) -> list[Effect]:
    """The scenario's incident effects as changed by mitigations applied at the given offsets."""
    effects = list(drill.scenario.incident)
    added: list[Effect] = []
    for at, mid in sorted(applied):
        m = drill.mitigation(mid)
        if m is None:
            continue
        effects = [_stop(e, at, m.recovery) if e.id and e.id in m.ends else e for e in effects]
        added.extend(_shift(a, at) for a in m.adds)
    return effects + added


@dataclass(eq=False)
class World:
    """The whole-run trace and alert timeline given the mitigations applied so far."""

    trace: Trace
    timeline: alerts_mod.AlertTimeline
    mitigations: tuple[tuple[float, str], ...]


_WORLDS: OrderedDict[tuple, World] = OrderedDict()


def world(drill: Drill, applied: Sequence[tuple[float, str]] = ()) -> World:
    """Trace and alerts for the run with these mitigations (cached: the UI asks every second)."""
    key = (drill.loaded.content_hash, drill.seed, tuple(sorted((float(a), m) for a, m in applied)))
    hit = _WORLDS.get(key)
    if hit is not None:
        _WORLDS.move_to_end(key)
        return hit
    effects = effects_with_mitigations(drill, key[2]) if key[2] else None
    trace = generate_trace(drill.scenario, seed=drill.seed, effects=effects)
    timeline = alerts_mod.scenario_timeline(drill.loaded, trace)
    w = World(trace, timeline, key[2])
    _WORLDS[key] = w
    while len(_WORLDS) > 48:
        _WORLDS.popitem(last=False)
    return w


def applied_mitigations(events: Iterable[Event], until: float | None = None) -> list[tuple[float, str]]:
    return [
        (e.at_offset, e.payload["mitigation"])
        for e in events
        if e.kind == "mitigate" and (until is None or e.at_offset <= until)
    ]


# --- what the trainee sees ------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A notification addressed to someone: the primary's pages, and escalations the trainee sees."""

    at: float
    who: str
    role: str
    channel: str
    text: str
    alert: str = ""
    kind: str = "page"  # page | escalation | resolved
    acknowledged_at: float | None = None
    room: str = ""  # the chat channel an alert notification is posted in ("" when not a chat)


@dataclass(frozen=True)
class ChatMessage:
    at: float
    channel: str
    author: str
    text: str
    kind: str = "chat"


@dataclass(frozen=True)
class IncidentView:
    judged: str | None = None
    severity: Severity | None = None
    declared_at: float | None = None
    incident_id: str | None = None
    channel: str | None = None
    status: IncidentStatus | None = None
    status_page: str | None = None
    escalated: tuple[tuple[float, str, str], ...] = ()  # (at, role, person)
    hypothesis: str | None = None
    mitigations: tuple[tuple[float, str], ...] = ()
    customers_notified_at: float | None = None
    verified_at: float | None = None
    resolved_at: float | None = None
    report_written_at: float | None = None
    bridge_joined_at: float | None = None
    resolution_announced_at: float | None = None
    watch_until: float | None = None


@dataclass(frozen=True)
class DrillState:
    now: float
    pages: tuple[Page, ...]
    chat: tuple[ChatMessage, ...]
    incident: IncidentView
    trace: Trace
    firing: tuple[str, ...]
    pending: tuple[str, ...]
    acknowledged_at: float | None
    first_fired_at: float | None
    finished: bool
    looks: tuple[tuple[float, str, str], ...] = ()

    @property
    def channels(self) -> list[str]:
        return sorted({m.channel for m in self.chat})

    def messages(self, channel: str) -> list[ChatMessage]:
        return [m for m in self.chat if m.channel == channel]


# The trainee as every pager line, chat line and escalation names them.
TRAINEE = "You"


def trainee_seat(drill: Drill, at: float) -> Any:
    """The rotation's primary at a simulated time, whose seat the trainee takes (None: no team,
    or nobody is primary then). That person is the trainee for the drill, never a second voice."""
    if drill.team is None:
        return None
    return oncall.on_call(drill.team, drill.wall(at)).primary


def person_for(drill: Drill, role: Role | str, at: float) -> str:
    """Who answers for `role` at a simulated time: the trainee for the primary; otherwise the
    team rotation's holder, skipping the person whose seat the trainee took (paging "the
    database expert" never pages yourself). Subject-matter experts whose area the scenario is
    about come first. The same role and time always give the same name."""
    role = Role(role)
    if role == Role.PRIMARY:
        return TRAINEE
    if drill.team is not None:
        seat = trainee_seat(drill, at)
        holders = oncall.on_call(drill.team, drill.wall(at)).holders(role)
        topics = {t.lower() for t in (*drill.scenario.tags, drill.scenario.service or "")}
        holders.sort(key=lambda h: not any(t in h[1].lower() for t in topics if t))
        for person, _ in holders:
            if seat is None or person.id != seat.id:
                return str(person.name)
        if role == Role.SME and seat is not None:
            # The only expert is the trainee's own seat: the backup covers, as a team would.
            backup = oncall.on_call(drill.team, drill.wall(at)).backup
            if backup is not None and backup.id != seat.id:
                return str(backup.name)
    # No team file, or nobody else holds the role then: a stand-in name keeps the drill readable.
    return _DEFAULT_PEOPLE[role]


_DEFAULT_PEOPLE = {
    Role.PRIMARY: "You",
    Role.BACKUP: "Sam (backup)",
    Role.MANAGER: "Dana (on-call manager)",
    Role.INCIDENT_COMMANDER: "Alex (incident commander)",
    Role.SECURITY_LEAD: "Morgan (security lead)",
    Role.SME: "Jordan (subject-matter expert)",
}


def _inject_author(drill: Drill, inject: Any) -> str:
    """A manager's inject speaks as the team's on-call manager, the person escalations page."""
    if inject.kind == "manager" and drill.team is not None:
        return f"{person_for(drill, Role.MANAGER, inject.at)} (on-call manager)"
    return str(inject.author)


def true_severity_at(drill: Drill, at: float) -> Severity:
    sev = drill.scenario.answer.severity
    for ch in sorted(drill.scenario.answer.severity_changes, key=lambda c: c.at):
        if ch.at <= at:
            sev = ch.severity
    return sev


def critical_from(drill: Drill) -> float | None:
    """When the incident is (or becomes) CRITICAL, None when it never is (or is not real)."""
    ans = drill.scenario.answer
    if not ans.real:
        return None
    if ans.severity == Severity.CRITICAL:
        return 0.0
    return min((float(c.at) for c in ans.severity_changes if c.severity == Severity.CRITICAL), default=None)


def first_ack(events: Iterable[Event], until: float, after: float | None = None) -> float | None:
    """The first acknowledgement of a page that had arrived: an acknowledge pressed before any
    page existed acknowledges nothing."""
    if after is None:
        return None
    return min(
        (e.at_offset for e in events if e.kind == "acknowledge" and after - 1e-9 <= e.at_offset <= until),
        default=None,
    )


def _alert_notifications(drill: Drill, timeline: alerts_mod.AlertTimeline, now: float) -> list[Page]:
    """The alert notifications the on-call engineer gets, as the team's Alertmanager routes them."""
    config = default_config()
    notes = routing.notifications(
        config,
        timeline,
        drill.scenario.clock.start,
        drill.scenario.runbook,
        drill.scenario.service,
    )
    out: list[Page] = []
    for n in notes:
        if n.at > now:
            continue
        kind = "resolved" if n.status == "resolved" else "page"
        out.append(
            Page(
                float(n.at),
                str(n.receiver),
                "primary",
                str(n.channel),
                n.chat_text or "",
                "",
                kind,
                room=_chat_room(config, n),
            )
        )
    return out


def _chat_room(config: Any, note: Any) -> str:
    """Where a notification shows up in the drill's chat: a chat integration's own `channel`
    (e.g. `#incidents`), a ticket queue under its receiver's name; pagers and e-mail are not chat."""
    if note.channel == "ticket":
        return str(note.receiver)
    if note.channel != "chat":
        return ""
    receiver = config.receiver(note.receiver)
    kind, _, index = str(note.integration).partition("[")
    settings: dict[str, Any] = {}
    if receiver is not None:
        configs = getattr(receiver, kind, None) or []
        i = int(index.rstrip("]") or 0)
        settings = configs[i] if i < len(configs) else {}
    return str(settings.get("channel") or f"#{note.receiver}")


def escalation_pages(drill: Drill, triggered: float, ack: float | None, now: float) -> list[Page]:
    """Automatic escalation when the primary does not acknowledge in time, as the trainee sees it."""
    severity = true_severity_at(drill, triggered)
    security = drill.scenario.answer.security == SecurityState.BREACH_CONFIRMED
    ack_after = None if ack is None else ack - triggered
    plan = escalation.plan(drill.policy, drill.team, severity, drill.wall(triggered), ack_after, security)
    out = []
    seen: set[tuple[float, str, str]] = set()
    for p in plan:
        at = triggered + p.offset
        role = Role(p.role).value
        # The first notification to the primary is the alert itself (routing); later ones are
        # the escalation ladder re-paging them, which the trainee should see.
        if at > now or (role == Role.PRIMARY.value and at <= triggered + 1e-6):
            continue
        seat = trainee_seat(drill, at)
        if role == Role.PRIMARY.value and (seat is None or p.person_id == seat.id):
            who = TRAINEE
        elif role == Role.PRIMARY.value:
            who = str(p.who)  # the outgoing primary during a handoff overlap: a real second person
        else:
            # The same name the chat uses when the trainee pages this role themselves.
            who = person_for(drill, role, at)
        if (at, role, who) in seen:
            continue
        seen.add((at, role, who))
        out.append(Page(float(at), who, role, str(p.channel), str(p.reason), kind="escalation"))
    return out


def state_at(drill: Drill, events: Sequence[Event], now: float) -> DrillState:
    """Everything that exists at simulated time `now`: nothing from the future, ever."""
    now = max(0.0, min(float(now), drill.duration))
    past = [e for e in events if e.at_offset <= now + 1e-9]
    acts = actions_of(past)
    w = world(drill, applied_mitigations(past))
    trace = w.trace.until(now)
    tl = w.timeline
    firing = tuple(sorted({a.name for a in tl.firing_at(now)}))
    pending = tuple(sorted({a.name for a in tl.pending_at(now)}))
    ff = tl.first_firing()
    first_fired = ff if ff is not None and ff <= now else None
    notes = _alert_notifications(drill, tl, now)
    first_page = min((p.at for p in notes if p.kind == "page"), default=None)
    ack = first_ack(past, now, first_page)

    pages = [
        replace(p, acknowledged_at=ack if ack is not None and p.kind == "page" and p.at <= ack else None)
        for p in notes
    ]
    if first_fired is not None:
        pages += escalation_pages(drill, first_fired, ack, now)
    pages.sort(key=lambda p: (p.at, p.kind))

    chat: list[ChatMessage] = [
        ChatMessage(i.at, i.channel, _inject_author(drill, i), i.text, i.kind)
        for i in drill.scenario.injects
        if i.at <= now
    ]
    seen: set[tuple[float, str, str]] = set()
    for p in pages:
        # Each alert appears in the channel Alertmanager routed it to (data/alertmanager.yml),
        # once per channel however many integrations delivered it there.
        if p.kind in ("page", "resolved") and p.text and p.room and (p.at, p.text, p.room) not in seen:
            seen.add((p.at, p.text, p.room))
            chat.append(ChatMessage(p.at, p.room, "Alertmanager", p.text, "alert"))

    inc: dict[str, Any] = {}
    escalated: list[tuple[float, str, str]] = []
    mitigations: list[tuple[float, str]] = []
    looks: list[tuple[float, str, str]] = []
    for e, a in acts:
        t = e.at_offset
        if isinstance(a, Judge):
            inc["judged"] = a.verdict
        elif isinstance(a, Classify):
            inc["severity"] = a.severity
        elif isinstance(a, Declare):
            if inc.get("declared_at") is None:
                inc["declared_at"] = t
                inc["incident_id"] = drill.policy.incident_id(drill.wall(t).date(), 1)
                inc["status"] = IncidentStatus.INVESTIGATING
        elif isinstance(a, OpenChannel):
            inc["channel"] = a.name
            chat.append(
                ChatMessage(
                    t, a.name, "Slack", f"{a.name} was created. Incident coordination happens here.", "system"
                )
            )
        elif isinstance(a, Escalate):
            who = a.person or person_for(drill, a.role, t)
            escalated.append((t, a.role.value, who))
            chan = inc.get("channel") or "#incidents"
            chat.append(
                ChatMessage(
                    t, chan, "PagerDuty", f"You paged {who} ({a.role.title}). {a.reason}".strip(), "system"
                )
            )
            chat.append(ChatMessage(t + 60, chan, who, "Joining now — what do you need from me?", "chat"))
        elif isinstance(a, PostUpdate):
            chat.append(
                ChatMessage(t, a.channel or inc.get("channel") or "#incidents", "You", a.text, "update")
            )
        elif isinstance(a, StatusPage):
            inc["status_page"] = a.status
            chat.append(ChatMessage(t, "#status-page", "Status page", f"{a.status}: {a.message}", "status"))
        elif isinstance(a, NotifyCustomers):
            inc.setdefault("customers_notified_at", t)
            chat.append(ChatMessage(t, "#customer-email", "You", f"{a.subject}\n\n{a.body}", "email"))
        elif isinstance(a, Hypothesis):
            inc["hypothesis"] = a.option
            if inc.get("status") == IncidentStatus.INVESTIGATING:
                inc["status"] = IncidentStatus.IDENTIFIED
        elif isinstance(a, Mitigate):
            mitigations.append((t, a.mitigation))
            if inc.get("status") is not None and inc["status"].rank < IncidentStatus.MITIGATING.rank:
                inc["status"] = IncidentStatus.MITIGATING
        elif isinstance(a, Look):
            looks.append((t, a.console, a.detail))
        elif isinstance(a, Verify):
            inc["verified_at"] = t
            if inc.get("status") is not None and inc["status"].rank < IncidentStatus.MONITORING.rank:
                inc["status"] = IncidentStatus.MONITORING
        elif isinstance(a, Resolve):
            inc.setdefault("resolved_at", t)
            if inc.get("status") is not None:
                inc["status"] = IncidentStatus.RESOLVED
        elif isinstance(a, JoinBridge):
            inc.setdefault("bridge_joined_at", t)
            where = f" ({a.link})" if a.link else ""
            chat.append(
                ChatMessage(
                    t, inc.get("channel") or "#incidents", "You", f"Joined the bridge call{where}.", "system"
                )
            )
        elif isinstance(a, BridgeUpdate):
            chat.append(ChatMessage(t, "bridge call", "You", a.text, "update"))
        elif isinstance(a, AnnounceResolution):
            inc.setdefault("resolution_announced_at", t)
            chat.append(
                ChatMessage(t, a.channel or inc.get("channel") or "#incidents", "You", a.text, "update")
            )
        elif isinstance(a, Watch):
            inc["watch_until"] = t + 60.0 * a.minutes
            note = f" {a.note}" if a.note else ""
            chat.append(
                ChatMessage(
                    t,
                    inc.get("channel") or "#incidents",
                    "You",
                    f"Standing down: watching for a relapse until {drill.wall(t + 60.0 * a.minutes):%H:%M} UTC.{note}",
                    "update",
                )
            )
        elif isinstance(a, WriteReport):
            inc["report_written_at"] = t
            if inc.get("status") == IncidentStatus.RESOLVED:
                inc["status"] = IncidentStatus.POST_INCIDENT
    chat = [m for m in chat if m.at <= now]
    chat.sort(key=lambda m: m.at)
    incident = IncidentView(escalated=tuple(escalated), mitigations=tuple(mitigations), **inc)
    clock = DrillClock.from_events(events, drill.duration)
    finished = (
        clock.ended
        or (incident.resolved_at is not None and incident.report_written_at is not None)
        or now >= drill.duration
    )
    return DrillState(
        now,
        tuple(pages),
        tuple(chat),
        incident,
        trace,
        firing,
        pending,
        ack,
        first_fired,
        bool(finished),
        tuple(looks),
    )


def end_offset(drill: Drill, events: Sequence[Event]) -> float:
    """When the run is over for scoring: the clock's end, else the last action, else the scenario end."""
    clock_end = [e.at_offset for e in events if e.kind == "clock.end"]
    if clock_end:
        return max(clock_end)
    acts = [e.at_offset for e in events if e.is_action]
    return max(acts) if acts else drill.duration


def page_has_arrived(drill: Drill, events: Sequence[Event], now: float) -> bool:
    """Whether there is a page to acknowledge at `now` (an alert has fired and been notified)."""
    w = world(drill, applied_mitigations(events, now))
    return any(p.kind == "page" for p in _alert_notifications(drill, w.timeline, now))

"""The live part of the Drill page: the clock the browser draws, the pager, chat and incident panel.

The server is asked again only when what the trainee sees changes. The clock ticks in the browser
(a small `st.components.v2` component fed the clock's offset, speed and pause state); it wakes the
live fragment when the simulated time reaches the next change point (`simulator.live`), when a
heartbeat is due (so downtime is told apart from thinking time) or, on a cohort's shared clock,
every few seconds to see whether the trainer started or paused it. Each wake-up reads the log and
takes the drill state from a per-process cache keyed by (last event seq, trace tick).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import streamlit as st

from simulator.drill import (
    TRAINEE,
    Drill,
    DrillClock,
    DrillState,
    Page,
    heartbeat_every,
    person_for,
    trainee_seat,
)
from simulator.live import TIME_LEFT_WARNING, ChangeSchedule, StateCache
from simulator.services import drills as drill_service
from simulator.vocabulary import Role
from ui.markdown import md_text

# One of each per server process: every session watching the same attempt shares the work.
STATES = StateCache()
SCHEDULE = ChangeSchedule()
# How often a page on a cohort's shared clock looks whether the trainer started, paused or ended it.
COHORT_POLL = 5.0

_CLOCK_HTML = """
<div class="fd-clock" data-testid="drill-clock">
  <div><span class="fd-label">Time (UTC)</span><span class="fd-value" data-part="time">—</span></div>
  <div><span class="fd-label">Elapsed</span><span class="fd-value" data-part="elapsed">—</span></div>
  <div><span class="fd-label">Time left</span><span class="fd-value" data-part="left">—</span></div>
  <div><span class="fd-label">Clock</span><span class="fd-value" data-part="state">—</span></div>
</div>
"""

_CLOCK_CSS = """
.fd-clock { display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.75rem;
  font-family: var(--st-font, sans-serif); color: var(--st-text-color, inherit); }
.fd-clock > div { display: flex; flex-direction: column; }
.fd-label { font-size: 0.85rem; opacity: 0.7; }
.fd-value { font-size: 1.6rem; font-variant-numeric: tabular-nums; }
.fd-clock.fd-warn [data-part="left"], .fd-clock.fd-warn [data-part="state"] { color: #b45309; font-weight: 600; }
.fd-clock.fd-over [data-part="left"], .fd-clock.fd-over [data-part="state"] { color: #b91c1c; font-weight: 600; }
"""

# Draws the clock four times a second from what the server last said, and asks the server for a
# fragment rerun only at `wake_offset` (simulated) or after `wake_after` (wall seconds).
_CLOCK_JS = """
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  const root = parentElement.querySelector('.fd-clock');
  if (!root || !data) return;
  if (root._fdTimer) clearInterval(root._fdTimer);
  const d = data;
  const t0 = performance.now();
  const pad = (n) => String(n).padStart(2, '0');
  const span = (s) => { s = Math.max(0, Math.floor(s));
    return s >= 3600 ? `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`
                     : `${Math.floor(s / 60)}m ${pad(s % 60)}s`; };
  const hms = (off) => { const t = new Date(d.start_ms + off * 1000);
    return `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`; };
  const set = (part, text) => { const el = root.querySelector(`[data-part="${part}"]`);
    if (el && el.textContent !== text) el.textContent = text; };
  let woke = false;
  function draw() {
    const wall = (performance.now() - t0) / 1000;
    const off = Math.min(d.duration, d.offset + (d.running ? wall * d.speed : 0));
    const left = Math.max(0, d.duration - off);
    set('time', hms(off));
    set('elapsed', span(off));
    set('left', left <= 0 ? 'none' : span(left) + (d.running && d.speed !== 1 ? ` (${span(left / d.speed)} real)` : ''));
    let state;
    if (d.ended) state = 'ended';
    else if (left <= 0) state = 'Drill time is over';
    else if (d.running) state = `running at ${d.speed}×`;
    else state = d.started ? 'paused' : 'waiting for the trainer';
    set('state', state);
    root.classList.toggle('fd-warn', !d.ended && left > 0 && left <= d.warn_left);
    root.classList.toggle('fd-over', !d.ended && left <= 0);
    const due = (d.running && d.wake_offset !== null && off >= d.wake_offset)
             || (d.wake_after !== null && wall >= d.wake_after);
    if (due && !woke) { woke = true; setTriggerValue('wake', d.token); }
  }
  draw();
  root._fdTimer = setInterval(draw, 250);
  return () => clearInterval(root._fdTimer);
}
"""

_clock_component = st.components.v2.component(
    "firedrill_drill_clock", html=_CLOCK_HTML, css=_CLOCK_CSS, js=_CLOCK_JS
)


def clock_data(
    drill: Drill,
    clock: DrillClock,
    now: datetime,
    wake_offset: float | None,
    wake_after: float | None,
    token: str,
) -> dict[str, Any]:
    """What the browser clock needs: where the clock is now, how fast it runs, when to wake us."""
    return {
        "start_ms": int(drill.scenario.clock.start.timestamp() * 1000),
        "offset": round(clock.offset_at(now), 3),
        "speed": clock.speed,
        "running": bool(clock.running and not clock.out_of_time(now)),
        "started": clock.started,
        "ended": clock.ended,
        "duration": drill.duration,
        "warn_left": TIME_LEFT_WARNING,
        "wake_offset": wake_offset,
        "wake_after": wake_after,
        "token": token,
    }


def wake_plan(
    drill: Drill, clock: DrillClock, state_key: Any, events: Any, now: datetime, cohort: bool
) -> tuple[float | None, float | None]:
    """(simulated offset, wall seconds) after which the live view must be redrawn; None: never."""
    if clock.ended:
        return None, None
    if cohort:
        nxt = SCHEDULE.next_change(state_key, drill, events, clock.offset_at(now)) if clock.running else None
        return nxt, COHORT_POLL
    if not clock.running or clock.out_of_time(now):
        return None, None
    nxt = SCHEDULE.next_change(state_key, drill, events, clock.offset_at(now))
    return nxt, heartbeat_every(clock.speed)


def _pager_html(drill: Drill, pages: list[Page]) -> str:
    """The pager as a compact list, newest on top; acknowledged and resolved ones muted."""
    rows = []
    for p in sorted(pages, key=lambda p: (p.at, p.kind), reverse=True):
        first = (p.text.strip().splitlines() or [""])[0]
        when = html.escape(drill.hhmm(p.at))
        if p.kind == "escalation":
            muted = p.who == TRAINEE and p.acknowledged_at is not None
            badge, cls = "ESCALATION", "fd-esc"
            to = f"{p.who} ({p.role.replace('_', ' ')})"
        elif p.kind == "resolved":
            muted, badge, cls = True, "RESOLVED", "fd-res"
            to = f"{TRAINEE} (primary on-call)"
        else:
            muted = p.acknowledged_at is not None
            badge = "acknowledged" if muted else "NOT ACKNOWLEDGED"
            cls = "fd-ack" if muted else "fd-new"
            to = f"{TRAINEE} (primary on-call) via {p.channel}"
        rows.append(
            f'<li class="{cls}{" fd-muted" if muted else ""}" data-testid="pager-item">'
            f'<span class="fd-when">{when}</span> <span class="fd-badge">{html.escape(badge)}</span> '
            f'<span class="fd-to">to {html.escape(to)}</span><br>'
            f'<span class="fd-text">{html.escape(first)}</span></li>'
        )
    style = (
        "<style>.fd-pager{list-style:none;margin:0;padding:0;font-size:0.9rem}"
        ".fd-pager li{padding:0.35rem 0.5rem;border-left:4px solid #b91c1c;margin-bottom:0.3rem;"
        "background:rgba(185,28,28,0.06)}"
        ".fd-pager li.fd-esc{border-color:#b45309;background:rgba(180,83,9,0.06)}"
        ".fd-pager li.fd-muted{opacity:0.55;border-color:#9ca3af;background:transparent}"
        ".fd-pager .fd-badge{font-weight:600;font-size:0.75rem}"
        ".fd-pager .fd-when{font-variant-numeric:tabular-nums}</style>"
    )
    return f'{style}<ul class="fd-pager" data-testid="pager">{"".join(rows)}</ul>'


def pager_pages(state: DrillState) -> list[Page]:
    """What reaches the trainee's pager: pager and ticket notifications and the escalation ladder
    (alerts posted to a chat room show in that room, not twice on the pager)."""
    out: list[Page] = []
    seen: set[tuple[float, str, str]] = set()
    for p in state.pages:
        if p.kind != "escalation" and (getattr(p, "room", "") or p.channel == "chat"):
            continue
        if (p.at, p.kind, p.text) in seen:
            continue  # one alert delivered by several pager integrations is one page
        seen.add((p.at, p.kind, p.text))
        out.append(p)
    return out


def render_cast(drill: Drill) -> None:
    """Who is who in this drill, as the pager, chat and escalations will name them."""
    seat = trainee_seat(drill, 0.0)
    taking = f" You take {seat.name}'s turn on the rotation." if seat is not None else ""
    people = ", ".join(
        f"{role.title}: {person_for(drill, role, 0.0)}"
        for role in (Role.BACKUP, Role.MANAGER, Role.INCIDENT_COMMANDER)
    )
    st.markdown(
        f"**You are the primary on-call engineer.**{md_text(taking)} On call with you: {md_text(people)}."
    )


def render_live(
    store: Any,
    drill: Drill,
    attempt: Any,
    now: Callable[[], datetime],
    on_acknowledge: Callable[[], None],
) -> None:
    """The live fragment: clock, time-left warning or end state, pager (with Acknowledge), incident
    panel and chat. Reruns only when the browser clock wakes it or the trainee acts."""
    aid = attempt.id
    cohort = attempt.clock_id is not None

    @st.fragment
    def live() -> None:
        wall = now()
        events = drill_service.events_for(store, aid)
        clock = DrillClock.from_events(events, drill.duration)
        seen_key = f"drill_session_seen_{aid}"
        if not cohort and (clock.needs_heartbeat(wall) or seen_key not in st.session_state):
            # Written by whichever server holds the session, so the log shows when one did.
            ev = drill_service.record_heartbeat(
                store, aid, drill, wall, resumed=seen_key not in st.session_state
            )
            st.session_state[seen_key] = True
            events = [*events, ev]
            clock = DrillClock.from_events(events, drill.duration)
        key = (aid, attempt.content_hash, attempt.seed)
        t = clock.offset_at(wall)
        s = STATES.state(key, drill, events, t)
        wake_offset, wake_after = wake_plan(drill, clock, key, events, wall, cohort)
        token = f"{s.now}:{len(events)}:{wall.timestamp():.3f}"
        _clock_component(
            data=clock_data(drill, clock, wall, wake_offset, wake_after, token),
            key=f"drill_clock_{aid}",
            on_wake_change=lambda: None,
        )
        left = drill.duration - t
        if clock.ended:
            st.info("This drill has ended. Open the debrief to see how it went.")
        elif clock.out_of_time(wall):
            unresolved = s.incident.resolved_at is None
            st.error(
                f"**Drill time is over.** The scenario ended at {drill.hhmm(drill.duration)} UTC"
                + (" with the incident still unresolved" if unresolved else "")
                + ". Nothing more can happen in it: write your post-incident report (Report tab), "
                "then press **Finish and see the debrief**.",
                icon=":material/timer_off:",
            )
        elif left <= TIME_LEFT_WARNING and clock.started:
            real = left / clock.speed if clock.running else None
            st.warning(
                f"**{math.ceil(left / 60)} min of drill time left** (the scenario ends at "
                f"{drill.hhmm(drill.duration)} UTC"
                + (f", about {math.ceil(real)} s from now at {clock.speed:g}×" if real is not None else "")
                + "). Slow the clock down or pause it if you need longer to finish.",
                icon=":material/timer:",
            )
        st.caption(f"Firing now: {', '.join(s.firing) or 'nothing'}.")
        left_col, right_col = st.columns([2, 3])
        with left_col:
            st.subheader("Pager")
            pages = pager_pages(s)
            arrived = any(p.kind == "page" for p in s.pages)
            if pages:
                st.html(_pager_html(drill, pages))
            else:
                st.caption("Quiet. No pages yet.")
            acked = s.acknowledged_at is not None
            if st.button(
                "Acknowledge the page",
                type="primary",
                icon=":material/done_all:",
                disabled=not arrived or acked,
                help="Enabled once a page has arrived."
                if not arrived
                else ("Acknowledged." if acked else "Tell the pager you are on it."),
                key=f"ack_{aid}",
            ):
                on_acknowledge()
            st.subheader("Incident")
            inc = s.incident
            st.text(
                "\n".join(
                    [
                        f"Incident: {inc.incident_id or 'not declared'}",
                        f"Status: {inc.status or '—'}",
                        f"Judged: {(inc.judged or '—').replace('_', ' ')}",
                        f"Severity: {inc.severity.value if inc.severity else '—'}",
                        f"Channel: {inc.channel or '—'}",
                        f"Status page: {inc.status_page or '—'}",
                        f"Escalated: {', '.join(f'{w} ({r})' for _, r, w in inc.escalated) or '—'}",
                        "Customers notified: "
                        + (drill.hhmm(inc.customers_notified_at) if inc.customers_notified_at else "—"),
                    ]
                )
            )
        with right_col:
            st.subheader("Chat")
            channels = s.channels or ["#monitoring"]
            for tab, ch in zip(st.tabs(channels), channels, strict=True):
                with tab:
                    # st.text: chat is scenario and trainee text, shown as typed, never as Markdown.
                    for m in s.messages(ch)[-12:]:
                        st.text(f"{drill.hhmm(m.at)}  {m.author}: {m.text}")

    live()

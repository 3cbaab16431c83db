"""Drill: choose a scenario, seed and speed, then work the incident live as the primary on-call.

A thin view: the clock, pages, chat and incident state come from `simulator.drill.state_at` over
the attempt's stored event log; every action is committed by `simulator.services.drills` before the
page confirms it, so a reload or a server restart reopens the drill from `?attempt=<id>`.
"""

from __future__ import annotations

import streamlit as st

from simulator.drill import (
    Drill,
    DrillClock,
)
from simulator.services import drills as drill_service
from simulator.spoilers import trainee_title
from ui import auth
from ui.clock import now
from ui.drill_actions import render_communicate, render_escalate, render_fix, render_report, render_triage
from ui.drill_clock_controls import render_clock_controls
from ui.drill_investigate import render_investigate
from ui.drill_live import render_cast, render_live
from ui.drill_log import render_drill_log
from ui.drill_record import DrillRecorder, show_confirmation
from ui.drill_setup import render_drill_setup
from ui.markdown import md_text
from ui.services import get_store

user = auth.require_role("admin", "trainer", "trainee")
store = get_store()


@st.cache_resource(show_spinner=False, max_entries=32)
def _drill(attempt_id: int, content_hash: str, seed: int) -> Drill:
    # An immutable value per attempt version; safe to share between sessions.
    att = drill_service.get_attempt(store, attempt_id)
    assert att is not None
    return drill_service.drill_for(att)


# --- choose a scenario ----------------------------------------------------------------------------

param = st.query_params.get("attempt")
attempt = None
if param:
    try:
        attempt = drill_service.get_attempt(store, int(param))
    except ValueError:
        attempt = None
    if attempt is None:
        st.error(f"There is no drill attempt {param!s:.20}.")
        st.stop()
    if attempt.user_id != user.id:
        # Only the person running a drill acts in it; trainers review it in the Debrief.
        st.error("This drill attempt belongs to someone else.")
        if user.is_staff and attempt.status == "finished":
            st.page_link(
                "pages/debrief.py", label="Open its debrief", query_params={"attempt": str(attempt.id)}
            )
        st.stop()

if attempt is None:
    render_drill_setup(store, user, now)
    st.stop()

# --- the live drill -------------------------------------------------------------------------------

aid = attempt.id
drill = _drill(aid, attempt.content_hash, attempt.seed)
sc = drill.scenario

if attempt.status == "finished":
    st.title(md_text(trainee_title(sc)))
    st.success("This drill is over.")
    if st.button("Open the debrief", type="primary"):
        st.switch_page("pages/debrief.py", query_params={"attempt": str(aid)})
    st.stop()

events = drill_service.events_for(store, aid)
clock = DrillClock.from_events(events, drill.duration)
record = DrillRecorder(store, drill, aid, user.username, now)

# The real title names the cause: it waits for the debrief.
st.title(md_text(trainee_title(sc)))
st.caption(f"Attempt {aid} · seed {attempt.seed} · scenario version {attempt.content_hash}")
# What shows the log is filled in after the forms and consoles below have recorded this run's press,
# so one run confirms an action (ui/drill_record.py); the containers keep the layout.
briefing, confirmation = st.container(), st.container()
render_clock_controls(store, attempt, drill, clock, now)
live = st.container()

# --- dashboards and consoles (as of this page run; the fragment above keeps the clock live) ------

t_now = clock.offset_at(now())
render_investigate(drill, events, aid, t_now, record)

# --- the action bar (outside the live fragment) ------------------------------------------------

st.subheader("Act")
# Only the open tab is drawn (half of a run's work was the closed ones); the fields keep what was
# typed while their tab is closed (ui/action_drafts.py).
t_triage, t_esc, t_comm, t_fix, t_report = st.tabs(
    ["Triage", "Escalate", "Communicate", "Diagnose & fix", "Report"],
    key=f"act_tabs_{aid}",
    on_change="rerun",
)
if t_triage.open:
    with t_triage:
        render_triage(drill, aid, attempt.seed, record)
if t_esc.open:
    with t_esc:
        render_escalate(drill, aid, record)
if t_comm.open:
    with t_comm:
        render_communicate(drill, aid, t_now, record)
if t_fix.open:
    with t_fix:
        render_fix(drill, aid, attempt.seed, t_now, record)
if t_report.open:
    with t_report:
        render_report(drill, record.events(events), aid, record)
        if st.button("Finish and see the debrief", type="primary"):
            drill_service.finish_and_score(store, aid, drill, now())
            st.switch_page("pages/debrief.py", query_params={"attempt": str(aid)})

events = record.events(events)
with briefing, st.expander("Briefing", expanded=not any(e.is_action for e in events)):
    render_cast(drill)
    st.text(sc.briefing or trainee_title(sc))
# Clock, pager (with Acknowledge), incident panel and chat: redrawn only when something changed.
with live:
    render_live(store, drill, attempt, now, record.acknowledge)
with confirmation:
    show_confirmation()
render_drill_log(drill, events)

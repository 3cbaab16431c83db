"""The Drill page's clock controls: pause, resume and speed for a drill on its own clock (a
cohort drill's clock is the trainer's), and End drill, which asks first because ending scores
the drill for good. Every change goes through `simulator.services.drills`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from simulator.drill import SPEEDS, Drill, DrillClock
from simulator.services import drills as drill_service
from simulator.services.database import Store


def render_clock_controls(
    store: Store, attempt: drill_service.Attempt, drill: Drill, clock: DrillClock, now: Callable[[], datetime]
) -> None:
    aid = attempt.id
    c1, _, c3, c4 = st.columns([1, 1, 2, 1])
    if attempt.clock_id is None:
        if clock.paused:
            if c1.button("Resume", icon=":material/play_arrow:"):
                drill_service.clock_control(store, aid, "clock.resume", now())
                st.rerun()
        elif c1.button("Pause", icon=":material/pause:"):
            drill_service.clock_control(store, aid, "clock.pause", now())
            st.rerun()
        new_speed = c3.select_slider(
            "Speed",
            options=list(SPEEDS),
            value=clock.speed if clock.speed in SPEEDS else 1.0,
            format_func=lambda s: f"{s:g}×",
            key=f"speed_{aid}",
            label_visibility="collapsed",
        )
        if new_speed != clock.speed:
            # Only the clock changes: form fields keep what the trainee typed across the rerun.
            drill_service.clock_control(store, aid, "clock.speed", now(), speed=float(new_speed))
            st.rerun()
    else:
        c1.caption("Cohort drill: the trainer runs the clock.")
    # Ending scores the drill for good: one stray click must not do it, so it asks first.
    if c4.button("End drill", type="secondary", icon=":material/flag:"):
        st.session_state["drill_confirm_end"] = aid
    if st.session_state.get("drill_confirm_end") == aid:
        st.warning(
            "End the drill now? It is scored as it stands and cannot be resumed.", icon=":material/flag:"
        )
        yes, no, _ = st.columns([1, 1, 3])
        if yes.button("Yes, end and score it", type="primary", key="drill_end_yes"):
            st.session_state.pop("drill_confirm_end", None)
            drill_service.finish_and_score(store, aid, drill, now())
            st.switch_page("pages/debrief.py", query_params={"attempt": str(aid)})
        if no.button("Keep going", key="drill_end_no"):
            st.session_state.pop("drill_confirm_end", None)
            st.rerun()

"""The live drill board a trainer watches during a cohort drill: the shared clock (simulated time
and state), how many of the cohort have joined, every trainee's progress line and the latest
actions. Re-read from the store every two seconds while the drill runs.

Trainee text (updates, names) is shown as plain text or data cells, never as Markdown or HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.cohort import action_feed, board_row, board_table, clock_text
from simulator.drill import DrillClock
from simulator.scenario import LoadedScenario
from simulator.services import drills as drill_service
from simulator.services.cohorts import CohortDrill
from simulator.services.database import Store
from ui import auth
from ui.clock import now
from ui.cohorts import cohort_logs


def render_live_board(store: Store, cohort_id: int, cd: CohortDrill, loaded: LoadedScenario | None) -> None:
    """The board as a fragment that reruns on its own every two seconds until the drill has ended."""

    @st.fragment(run_every="2s" if cd.status != "ended" else None)
    def live_board() -> None:
        me = auth.current_user()
        if me is None or not me.may("run_cohort_drill"):
            # Signed out elsewhere, expired or demoted while watching: stop showing the board at once.
            st.rerun(scope="app")
        clock_events = drill_service.events_for_clock(store, cd.clock_id)
        duration = loaded.scenario.clock.duration if loaded is not None else 10**9
        clock = DrillClock.from_events(clock_events, float(duration))
        state = (
            "ended"
            if clock.ended
            else "paused"
            if clock.paused
            else "running"
            if clock.running
            else "not started"
        )
        c1, c2, c3 = st.columns(3)
        c1.metric("Simulated time", clock_text(clock.offset_at(now())) if clock.started else "T+00:00")
        c2.metric("Clock", state)
        logs = cohort_logs(store, cohort_id, cd.id)
        rows = [board_row(u, name, events) for u, name, events in logs]
        c3.metric("Joined", f"{sum(r.joined for r in rows)} / {len(rows)}")
        if not rows:
            st.info("Nobody in this cohort yet.")
            return
        # Plain data grid: trainee text (updates, names) is shown as text, never as HTML.
        st.dataframe(pd.DataFrame(board_table(rows)), hide_index=True, width="stretch")
        st.markdown("**Latest actions**")
        feed = action_feed([(name, events) for _, name, events in logs])
        if not feed:
            st.caption("No actions yet.")
        # st.text: a trainee's words are shown verbatim, never interpreted as markdown or HTML.
        for at_offset, who, what in feed:
            st.text(f"{clock_text(at_offset)} · {who} · {what}")

    live_board()

"""My attempts: every drill the signed-in person ran, with scores; resume an unfinished one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.services import drills as drill_service
from ui import auth
from ui.services import get_store

user = auth.require_role("admin", "trainer", "trainee")
st.title("My attempts")
rows = drill_service.attempts_for_user(get_store(), user.id)
if not rows:
    st.info("No drills yet. Start one on the Drill page.")
    st.page_link("pages/drill.py", label="Start a drill", icon=":material/local_fire_department:")
    st.stop()

st.dataframe(
    pd.DataFrame(
        [
            {
                "attempt": a.id,
                "scenario": a.scenario_id,
                "started (UTC)": f"{a.started_wall:%Y-%m-%d %H:%M}",
                "status": a.status,
                "score": None if a.total is None else round(a.total, 2),
                "result": "" if a.score is None else ("passed" if a.passed else "not passed"),
                "seed": a.seed,
            }
            for a in rows
        ]
    ),
    hide_index=True,
    width="stretch",
)

running = [a for a in rows if a.status == "running"]
finished = [a for a in rows if a.status == "finished"]
if running:
    st.subheader("Unfinished")
    for a in running:
        if st.button(f"Resume #{a.id} · {a.scenario_id}", key=f"resume_{a.id}", icon=":material/play_arrow:"):
            st.switch_page("pages/drill.py", query_params={"attempt": str(a.id)})
if finished:
    st.subheader("Debriefs")
    for a in finished[:10]:
        if st.button(
            f"Debrief #{a.id} · {a.scenario_id} · {'passed' if a.passed else 'not passed'}",
            key=f"debrief_{a.id}",
            icon=":material/fact_check:",
        ):
            st.switch_page("pages/debrief.py", query_params={"attempt": str(a.id)})

"""My attempts: every drill the signed-in person ran, with scores; resume an unfinished one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.services import drills as drill_service
from simulator.spoilers import trainee_title
from ui import auth
from ui.scenario_catalog import loaded_version
from ui.services import get_store

user = auth.require_role("admin", "trainer", "trainee")
st.title("My attempts")
rows = drill_service.attempts_for_user(get_store(), user.id)
if not rows:
    st.info("No drills yet. Start one on the Drill page.")
    st.page_link("pages/drill.py", label="Start a drill", icon=":material/local_fire_department:")
    st.stop()


def scenario_name(a) -> str:
    """The real title once the drill is over; until then the neutral one (an id such as
    "scrape-glitch-false-positive" would give the answer away)."""
    loaded = loaded_version(get_store(), a.content_hash)
    if loaded is None:
        return a.scenario_id if a.status == "finished" else "scenario"
    return loaded.scenario.title if a.status == "finished" else trainee_title(loaded.scenario)


st.dataframe(
    pd.DataFrame(
        [
            {
                "attempt": a.id,
                "scenario": scenario_name(a),
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
        if st.button(
            f"Resume #{a.id} · {scenario_name(a)}", key=f"resume_{a.id}", icon=":material/play_arrow:"
        ):
            st.switch_page("pages/drill.py", query_params={"attempt": str(a.id)})
if finished:
    st.subheader("Debriefs")
    for a in finished[:10]:
        if st.button(
            f"Debrief #{a.id} · {scenario_name(a)} · {'passed' if a.passed else 'not passed'}",
            key=f"debrief_{a.id}",
            icon=":material/fact_check:",
        ):
            st.switch_page("pages/debrief.py", query_params={"attempt": str(a.id)})

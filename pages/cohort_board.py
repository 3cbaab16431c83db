"""Live drill board (trainers): schedule a cohort drill, run its shared clock, watch every trainee
work the incident live, and after the end compare them side by side with the cohort's severity
confusion matrix and agreement (quadratic weighted kappa)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.accounts import AccountError
from simulator.cohort import board_table, comparison_rows
from simulator.drill import true_severity_at
from simulator.services import cohorts as cohort_service
from ui import auth
from ui.clock import now
from ui.cohort_live_board import render_live_board
from ui.cohort_schedule import render_schedule_form
from ui.cohorts import board_rows, drill_engine, pick_cohort, scenario_choices
from ui.errors import storage_guard
from ui.markdown import md_text
from ui.services import get_store
from ui.severity_agreement import render_severity_agreement

user = auth.require_page("pages/cohort_board.py")
auth.require_action(user, "run_cohort_drill")
store = get_store()
st.title("Live drill board")

cohort = pick_cohort(
    store, "board_cohort", "Create a cohort first (Cohorts page), then schedule its drill here."
)
members = cohort_service.cohort_members(store, cohort.id)
scenarios = scenario_choices(store)

render_schedule_form(store, cohort, members, scenarios, user.username)

drills = cohort_service.cohort_drills(store, cohort.id)
if not drills:
    st.info("No drill scheduled for this cohort yet.")
    st.stop()
drill_ids = [d.id for d in drills]
wanted_drill = st.query_params.get("drill")
if (
    wanted_drill
    and wanted_drill.isdigit()
    and int(wanted_drill) in drill_ids
    and "board_drill" not in st.session_state
):
    st.session_state["board_drill"] = int(wanted_drill)
if st.session_state.get("board_drill") not in drill_ids:
    st.session_state["board_drill"] = drill_ids[0]
did = st.selectbox(
    "Drill",
    drill_ids,
    key="board_drill",
    format_func=lambda i: next(
        f"#{d.id} · {d.scenario_id} · seed {d.seed} · {d.status}" for d in drills if d.id == i
    ),
)
cd = cohort_service.get_cohort_drill(store, did)
assert cd is not None
loaded = scenarios.get(cd.scenario_id)

# --- the trainer's controls (outside the live fragment: a fragment rerun must not eat a click) ------


def control(kind: str) -> None:
    try:
        with storage_guard() as work:
            cohort_service.control_cohort_drill(store, cd.id, kind, user.username, now())
    except AccountError as exc:
        st.error(str(exc))
        return
    if work.failed:
        return
    if kind == "end" and loaded is not None:
        score_everyone()
    st.rerun()


def score_everyone() -> None:
    """Score each trainee's attempt once the shared clock has ended, against the scenario version
    that attempt ran (the debrief compares scores)."""
    cohort_service.score_cohort_drill(store, cd.id, now())


st.markdown(
    f"**{md_text(cohort.name)}** · {md_text(loaded.scenario.title if loaded else cd.scenario_id)} · "
    f"seed {cd.seed} · {cd.speed:g}× · status **{cd.status}**"
)
if loaded is None:
    st.warning(
        f"The scenario {cd.scenario_id!r} is not available any more; the board shows recorded actions only."
    )
b1, b2, b3, _ = st.columns([1, 1, 1, 3])
if cd.status == "scheduled" and b1.button("Start drill", type="primary", icon=":material/play_arrow:"):
    control("start")
if cd.status == "running" and b1.button("Pause", icon=":material/pause:"):
    control("pause")
if cd.status == "paused" and b1.button("Resume", type="primary", icon=":material/play_arrow:"):
    control("resume")
if cd.status != "ended" and b2.button("End drill", icon=":material/flag:"):
    control("end")
if cd.status == "ended" and loaded is not None and b3.button("Re-score unfinished attempts"):
    score_everyone()
    st.rerun()


render_live_board(store, cohort.id, cd, loaded)

# --- the debrief (after the end) ------------------------------------------------------------------

if cd.status == "ended":
    st.header("Debrief: the cohort side by side")
    rows = board_rows(store, cohort.id, cd.id)
    joined = [r for r in rows if r.joined]
    if not joined:
        st.info("Nobody joined this drill.")
        st.stop()
    if loaded is None:
        st.warning("Without the scenario the true severity is unknown; only the calls are listed.")
        st.dataframe(pd.DataFrame(board_table(joined)), hide_index=True)
        st.stop()
    engine = drill_engine(loaded, cd.seed)

    def truth(at: float):
        return true_severity_at(engine, at)

    scores = cohort_service.participant_scores(store, cd.id)
    st.dataframe(pd.DataFrame(comparison_rows(joined, truth, scores)), hide_index=True, width="stretch")

    render_severity_agreement(joined, truth)

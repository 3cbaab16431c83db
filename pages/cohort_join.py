"""Cohort drill (trainees): join the drill your trainer is running; it opens your own attempt on the
Drill page, on the cohort's shared clock."""

from __future__ import annotations

import streamlit as st

from simulator.accounts import AccountError
from simulator.services import cohorts as cohort_service
from simulator.spoilers import trainee_title
from ui import auth
from ui.clock import now
from ui.cohorts import drill_engine, scenario_choices
from ui.errors import storage_guard
from ui.markdown import md_text
from ui.services import get_store

user = auth.require_page("pages/cohort_join.py")
store = get_store()
st.title("Cohort drill")

if user.is_staff:
    st.info("Trainers run cohort drills from the Live drill board; trainees join them here.")
    if st.button("Open the live drill board", icon=":material/monitor_heart:"):
        st.switch_page("pages/cohort_board.py")
    st.stop()

open_drills = cohort_service.open_drills_for(store, user.username)
if not open_drills:
    st.info(
        "No cohort drill is open for you right now. When your trainer schedules one, it appears here; "
        "this page does not refresh by itself, so reload it when they say go."
    )
    if st.button("Check again", icon=":material/refresh:"):
        st.rerun()
    st.stop()

scenarios = scenario_choices(store)
cohort_names = {c.id: c.name for c in cohort_service.cohorts_of(store, user.username)}
for cd in open_drills:
    loaded = scenarios.get(cd.scenario_id)
    # The real title names the cause; the trainee sees the symptom as first reported.
    title = trainee_title(loaded.scenario) if loaded else "Scenario not available on this server"
    with st.container(border=True):
        st.markdown(f"**{md_text(title)}** — cohort {md_text(cohort_names.get(cd.cohort_id, '?'))}")
        status = {
            "scheduled": "waiting for the trainer to start the clock",
            "running": "running",
            "paused": "paused by the trainer",
        }.get(cd.status, cd.status)
        st.caption(f"Drill #{cd.id} · {status}. Everyone gets the same incident; you work it on your own.")
        mine = cohort_service.participant_attempt(store, cd.id, user.id)
        label = "Open my drill" if mine else "Join the drill"
        if st.button(label, key=f"join_{cd.id}", type="primary", icon=":material/login:"):
            if loaded is None:
                st.error("The drill's scenario is not available on this server; tell your trainer.")
                st.stop()
            try:
                with storage_guard(stop=True):
                    aid = mine or cohort_service.join_cohort_drill(
                        store, cd.id, user.id, user.username, drill_engine(loaded, cd.seed), now()
                    )
            except AccountError as exc:
                st.error(str(exc))
                st.stop()
            st.switch_page("pages/drill.py", query_params={"attempt": str(aid)})

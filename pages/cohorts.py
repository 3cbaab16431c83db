"""Cohorts (trainers): create a cohort, add trainees, set the curriculum start date, and see each
trainee's progress and sign-off status next to where the calendar says they should be."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.accounts import AccountError
from simulator.cohort import planned_day
from simulator.services import accounts as people_service
from simulator.services import cohorts as cohort_service
from ui import auth
from ui.clock import now
from ui.cohort_progress import cohort_progress_rows
from ui.cohorts import pick_cohort
from ui.markdown import md_text
from ui.services import get_store

user = auth.require_page("pages/cohorts.py")
auth.require_action(user, "manage_cohorts")
store = get_store()
st.title("Cohorts")

flash = st.session_state.pop("cohorts_flash", None)
if flash:
    st.success(flash)

with (
    st.expander("Create a cohort", expanded=not cohort_service.list_cohorts(store)),
    st.form("new_cohort", clear_on_submit=True),
):
    name = st.text_input("Cohort name", max_chars=120, placeholder="e.g. 2026-Q2 on-call intake")
    start = st.date_input("Curriculum start date (Day 1)", value=now().date())
    if st.form_submit_button("Create cohort", type="primary"):
        try:
            made = cohort_service.create_cohort(store, name, start, user.username, now())
        except AccountError as exc:
            st.error(str(exc))
        else:
            st.session_state["cohorts_flash"] = f"Created cohort {made.name}."
            st.session_state["cohort_pick"] = made.id
            st.rerun()

cohort = pick_cohort(
    store,
    "cohort_pick",
    "No cohort yet: create one above, then add trainees to it.",
    label=lambda c: f"{c.name} (from {c.start_date})",
)
members = cohort_service.cohort_members(store, cohort.id)

left, right = st.columns(2)
with left, st.form("members"):
    st.markdown("**Members**")
    trainees = [p for p in people_service.list_users(store, role="trainee") if p.active]
    member_names = {m.username for m in members}
    to_add = st.multiselect(
        "Add trainees", [p.username for p in trainees if p.username not in member_names], key="cohort_add"
    )
    to_remove = st.multiselect("Remove", sorted(member_names), key="cohort_remove")
    if st.form_submit_button("Apply membership changes"):
        try:
            for u in to_add:
                cohort_service.add_member(store, cohort.id, u, user.username, now())
            for u in to_remove:
                cohort_service.remove_member(store, cohort.id, u, user.username, now())
        except AccountError as exc:
            st.error(str(exc))
        else:
            st.session_state["cohorts_flash"] = f"Added {len(to_add)}, removed {len(to_remove)}."
            st.rerun()
with right, st.form("start_date"):
    st.markdown("**Curriculum start**")
    new_start = st.date_input("Day 1 is", value=cohort.start_date, key="cohort_start")
    if st.form_submit_button("Save start date") and new_start != cohort.start_date:
        cohort_service.set_cohort_start(store, cohort.id, new_start, user.username, now())
        st.session_state["cohorts_flash"] = f"Start date set to {new_start}."
        st.rerun()

st.subheader(f"{md_text(cohort.name)} — progress")
today = now().date()
should = planned_day(cohort.start_date, today)
st.caption(
    "Programme not started yet."
    if should == 0
    else "The five programme days are over."
    if should is None
    else f"By the calendar the cohort is on Day {should} today ({today})."
)
if not members:
    st.info("This cohort has no trainees yet.")
    st.stop()


st.dataframe(
    pd.DataFrame(cohort_progress_rows(store, [(m.username, m.display_name) for m in members], should)),
    hide_index=True,
    width="stretch",
)

drills = cohort_service.cohort_drills(store, cohort.id)
if drills:
    st.subheader("Cohort drills")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "drill": d.id,
                    "scenario": d.scenario_id,
                    "seed": d.seed,
                    "status": d.status,
                    "started": d.started_at.strftime("%Y-%m-%d %H:%M") if d.started_at else "—",
                }
                for d in drills
            ]
        ),
        hide_index=True,
    )
if st.button("Open the live drill board", icon=":material/monitor_heart:"):
    st.switch_page("pages/cohort_board.py", query_params={"cohort": str(cohort.id)})

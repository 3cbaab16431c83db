"""The Live drill board's "Schedule a drill" form: pick a scenario, a seed (everyone gets the
same incident) and a speed, and schedule it for the cohort on one shared clock."""

from __future__ import annotations

import streamlit as st

from simulator.accounts import AccountError
from simulator.scenario import LoadedScenario
from simulator.services import cohorts as cohort_service
from simulator.services.accounts import Account
from simulator.services.cohorts import Cohort
from simulator.services.database import Store
from ui.clock import now


def render_schedule_form(
    store: Store, cohort: Cohort, members: list[Account], scenarios: dict[str, LoadedScenario], username: str
) -> None:
    """Open when the cohort has no drill yet; a scheduled drill becomes the board's chosen drill."""
    with st.expander(
        "Schedule a drill for this cohort", expanded=not cohort_service.cohort_drills(store, cohort.id)
    ):
        if not members:
            st.warning("This cohort has no trainees yet; add them on the Cohorts page.")
        with st.form("schedule_drill"):
            ids = sorted(scenarios, key=lambda i: (scenarios[i].scenario.difficulty, i))
            sid = st.selectbox(
                "Scenario",
                ids,
                format_func=lambda i: f"{scenarios[i].scenario.title} ({i})",
                key="board_scenario",
            )
            seed = st.number_input(
                "Seed (everyone gets the same incident)",
                min_value=0,
                max_value=2**31 - 1,
                value=int(scenarios[ids[0]].scenario.seed) if ids else 0,
                step=1,
                key="board_seed",
            )
            speed = st.select_slider(
                "Speed",
                options=[1.0, 2.0, 5.0, 10.0],
                value=1.0,
                format_func=lambda s: f"{s:g}×",
                key="board_speed",
            )
            if st.form_submit_button("Schedule drill", type="primary") and sid:
                try:
                    made = cohort_service.schedule_cohort_drill(
                        store, cohort.id, sid, int(seed), username, now(), speed=float(speed)
                    )
                except AccountError as exc:
                    st.error(str(exc))
                else:
                    st.session_state["board_drill"] = made.id
                    st.rerun()

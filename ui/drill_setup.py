"""The Drill page before a drill: choose a scenario (the built-in pack and trainers' saved ones,
with the studio's "play as trainee" version first, titles neutral so they name no cause), a seed
and a speed, and start the attempt through `simulator.services.drills`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from simulator.drill import SPEEDS, Drill, load_default_policy, load_default_team
from simulator.services import drills as drill_service
from simulator.services.accounts import Account
from simulator.services.database import Store
from simulator.spoilers import trainee_title
from ui.errors import storage_guard
from ui.scenario_catalog import playable_scenarios, requested_version
from ui.services import builtin_scenarios


def render_drill_setup(store: Store, user: Account, now: Callable[[], datetime]) -> None:
    """The setup form; starting a drill puts the new attempt in the address and reruns the page."""
    st.title("Drill")
    st.caption("You are the primary on-call engineer. The world keeps moving while you think.")
    # The built-in pack and trainers' saved scenarios; ?scenario=&version= (the studio's "play as
    # trainee") puts that exact version first.
    scenarios = {**builtin_scenarios(), **playable_scenarios(store)}
    wanted = requested_version(store)
    if wanted is not None:
        scenarios[wanted.scenario.id] = wanted
    if not scenarios:
        st.warning("No scenarios are available.")
        st.stop()
    ids = sorted(
        scenarios,
        key=lambda i: (wanted is None or i != wanted.scenario.id, scenarios[i].scenario.difficulty, i),
    )
    with st.form("drill_setup"):
        sid = st.selectbox(
            "Scenario",
            ids,
            format_func=lambda i: (
                f"{trainee_title(scenarios[i].scenario)} (difficulty {scenarios[i].scenario.difficulty})"
            ),
        )
        # The library's "Drill this scenario" link passes the variant the trainee was looking at.
        asked = str(st.query_params.get("seed", ""))
        seed = st.number_input(
            "Seed (blank: the scenario's own; another seed gives another variant)",
            min_value=0,
            max_value=2**31 - 1,
            step=1,
            value=int(asked) if asked.isdigit() and int(asked) < 2**31 else None,
        )
        speed = st.select_slider("Speed", options=list(SPEEDS), value=1.0, format_func=lambda s: f"{s:g}×")
        go = st.form_submit_button("Start drill", type="primary")
    if go:
        loaded = scenarios[sid]
        drill = Drill.create(
            loaded, None if seed is None else int(seed), load_default_policy(), load_default_team()
        )
        with storage_guard(stop=True):
            aid = drill_service.start_attempt(
                store, user_id=user.id, username=user.username, drill=drill, speed=float(speed), now=now()
            )
        st.query_params["attempt"] = str(aid)
        st.rerun()

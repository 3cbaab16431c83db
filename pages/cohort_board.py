"""Live drill board (trainers): schedule a cohort drill, run its shared clock, watch every trainee
work the incident live, and after the end compare them side by side with the cohort's severity
confusion matrix and agreement (quadratic weighted kappa)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.accounts import AccountError
from simulator.cohort import (
    accuracy,
    action_feed,
    board_row,
    board_table,
    clock_text,
    comparison_rows,
    confusion_matrix,
    kappa_meaning,
    mean_level_error,
    quadratic_weighted_kappa,
    severity_pairs,
)
from simulator.drill import DrillClock, true_severity_at
from simulator.services import cohorts as cohort_service
from simulator.services import drills as drill_service
from ui import auth
from ui.cohorts import board_rows, cohort_logs, drill_engine, now, pick_cohort, scenario_choices
from ui.errors import STORAGE_ERRORS, describe_storage_error
from ui.markdown import md_text
from ui.services import get_store

user = auth.require_page("pages/cohort_board.py")
auth.require_action(user, "run_cohort_drill")
store = get_store()
st.title("Live drill board")

cohort = pick_cohort(
    store, "board_cohort", "Create a cohort first (Cohorts page), then schedule its drill here."
)
members = cohort_service.cohort_members(store, cohort.id)
scenarios = scenario_choices(store)

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
                    store, cohort.id, sid, int(seed), user.username, now(), speed=float(speed)
                )
            except AccountError as exc:
                st.error(str(exc))
            else:
                st.session_state["board_drill"] = made.id
                st.rerun()

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
        cohort_service.control_cohort_drill(store, cd.id, kind, user.username, now())
    except AccountError as exc:
        st.error(str(exc))
        return
    except STORAGE_ERRORS as exc:
        st.error(describe_storage_error(exc))
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


@st.fragment(run_every="2s" if cd.status != "ended" else None)
def live_board() -> None:
    """Re-read every trainee's log and the shared clock; cheap enough to run every two seconds."""
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
    logs = cohort_logs(store, cohort.id, cd.id)
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

    st.subheader("Severity calls against the truth")
    pairs = severity_pairs(joined, truth)
    conf = confusion_matrix(pairs)
    kappa = quadratic_weighted_kappa(conf)
    left, right = st.columns([2, 1])
    with left:
        st.caption("Rows: the true severity at the moment of each call; columns: the severity called.")
        st.dataframe(pd.DataFrame(conf.as_rows()), hide_index=True)
    with right:
        acc, err = accuracy(conf), mean_level_error(conf)
        st.metric("Calls", conf.total)
        st.metric("Exactly right", "—" if acc is None else f"{acc:.0%}")
        st.metric("Average levels off", "—" if err is None else f"{err:.2f}")
        st.metric("Agreement (quadratic weighted κ)", "—" if kappa is None else f"{kappa:.2f}")
        st.caption(
            kappa_meaning(kappa)[:1].upper()
            + kappa_meaning(kappa)[1:]
            + ". In κ a call two levels off costs four times one level off."
        )

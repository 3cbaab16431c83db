"""Runbook exercises (Day 3): practise each runbook step by step against a simulated system."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.curriculum import EvidenceRecord
from simulator.runbooks import expert_path, finish, load_runbooks, replay, score_run
from simulator.services import training as training_service
from simulator.spoilers import shuffled
from ui import auth
from ui.clock import now
from ui.services import get_store
from ui.training import attempt_seed, curriculum, new_attempt, record, status_badge

user = auth.require_role("admin", "trainer", "trainee")


@st.cache_data(show_spinner=False)
def runbooks():
    return load_runbooks()


books = runbooks()
# The programme's order (Runbook 1–4), then any extra runbook a team added.
ids = [r for r in curriculum().runbook_ids() if r in books] + [
    r for r in books if r not in curriculum().runbook_ids()
]
st.title("Runbook exercises")
st.caption("Day 3. Every command runs against a simulated system; order matters and some choices are traps.")
rid = st.selectbox(
    "Runbook",
    ids,
    format_func=lambda i: books[i].title,
    index=ids.index(st.query_params.get("runbook", ids[0])) if st.query_params.get("runbook") in ids else 0,
)
rb = books[rid]
exercise_id = next((e.id for e in curriculum().exercises() if e.runbook == rid), None)
if exercise_id is not None:  # a runbook outside the programme is practice only
    status_badge(user.username, exercise_id)
st.info(f"**{rb.summary}**\n\n{rb.situation}\n\nEnvironment: {rb.environment}")

key = f"rb_actions::{rid}"
done_key = f"rb_done::{rid}"
if key not in st.session_state:
    # Resume an unfinished run saved for this trainee (a reload starts a new Streamlit session).
    st.session_state[key] = training_service.runbook_progress(get_store(), user.username, rid)
if any(a not in {x.id for x in rb.actions} for a in st.session_state[key]):
    st.session_state[key] = []  # the runbook file changed under a saved run: start again


# Buttons act through callbacks, which run before the script: the same run shows the result.
def do_action(action_id: str) -> None:
    st.session_state[key] = [*st.session_state[key], action_id]
    training_service.save_runbook_progress(get_store(), user.username, rid, st.session_state[key], now())


def finish_and_score() -> None:
    done = list(st.session_state[key])
    result = score_run(rb, finish(replay(rb, done, finished=False)))
    record(
        user.username,
        EvidenceRecord(
            "runbook",
            rid,
            now(),
            result.score,
            result.passed,
            "day3",
            {**result.as_detail(), "actions": done},
        ),
    )
    st.session_state[done_key] = result
    training_service.save_runbook_progress(get_store(), user.username, rid, [], now())


def start_over() -> None:
    new_attempt(f"runbook.{rid}")  # a fresh attempt also shuffles the action buttons again
    st.session_state[key] = []
    st.session_state.pop(done_key, None)
    training_service.save_runbook_progress(get_store(), user.username, rid, [], now())


actions: list[str] = st.session_state[key]
run = replay(rb, actions, finished=False)
left, right = st.columns([2, 3])
with left:
    st.subheader("Actions")
    finished = st.session_state.get(done_key) is not None
    # The file lists actions in the expert's order; shown that way the buttons would be the answer.
    for a in shuffled(list(rb.actions), attempt_seed(user.username, f"runbook.{rid}"), rid):
        st.button(
            a.label,
            key=f"act::{rid}::{a.id}",
            disabled=finished,
            width="stretch",
            on_click=do_action,
            args=(a.id,),
        )
    c1, c2 = st.columns(2)
    c1.button("Finish and score", type="primary", disabled=finished or not actions, on_click=finish_and_score)
    c2.button("Start over", on_click=start_over)

with right:
    st.subheader("Terminal")
    if not run.log:
        st.caption("Nothing run yet. Pick the first action.")
    for n, entry in enumerate(run.log, 1):
        st.markdown(f"**{n}. {entry.label}**")
        if entry.command:
            st.code(entry.command, language="bash")
        st.code(entry.output, language="text")
        if entry.trap:
            st.error(f"Trap: {entry.trap}")

result = st.session_state.get(done_key)
if result is not None:
    st.subheader("Score")
    if result.passed:
        st.success(f"Passed: {result.score:.0%}. Recorded as evidence for “Can execute all 4 runbooks”.")
    else:
        st.error(f"Not passed: {result.score:.0%} — " + "; ".join(result.reasons))
    st.dataframe(
        pd.DataFrame(
            [
                {"step": s.step.title, "credit": s.credit, "note": s.note, "why": s.step.why}
                for s in result.steps
            ]
        ),
        hide_index=True,
    )
    if user.may("see_answers") or result.passed:
        st.caption("Expert path: " + " → ".join(rb.action(a).label for a in expert_path(rb)))

"""Shadow shift: judge a compressed shift of alert traffic (≥ 80% of ≥ 10 alerts)."""

from __future__ import annotations

import streamlit as st

from simulator.exercises.shadow import MIN_ALERTS, READINESS, Judgement, generate_shift, grade_shift
from ui import auth
from ui.training import (
    attempt_seed,
    grade_and_record,
    last_result,
    new_attempt,
    programme_heading,
    show_result,
    status_badge,
)

user = auth.require_role("admin", "trainer", "trainee")
st.title(programme_heading("pages/shadow_shift.py", "Shadow shift"))
seed = attempt_seed(user.username, "day5.shadow_shift")
shift = generate_shift(seed)
st.markdown(
    f"A {shift.hours}-hour shift replayed alert by alert: routine noise, false positives and one real "
    "incident. For each alert decide: **is it real? is it actionable now? what severity?** Readiness bar: "
    f"at least {READINESS:.0%} judged correctly over at least {MIN_ALERTS} alerts."
)
status_badge(user.username, "day5.shadow_shift")

shown_key = f"shadow_shown::{seed}"
shown = st.session_state.setdefault(shown_key, 1)
current = shift.alerts[min(shown, len(shift.alerts)) - 1]
st.metric("Shift clock", f"{current.at:%H:%M} UTC", help=f"alert {shown} of {len(shift.alerts)}")

judgements: dict[str, Judgement] = {}
for a in shift.alerts[:shown]:
    with st.container(border=True):
        st.markdown(f"**{a.at:%H:%M} UTC · {a.alert}** `{a.labels}` — {a.value}")
        st.caption(a.context)
        c1, c2, c3 = st.columns(3)
        real = c1.radio(
            "Real?", ["real", "false positive"], index=None, key=f"real_{seed}_{a.id}", horizontal=True
        )
        act = c2.radio(
            "Actionable now?", ["act", "no action"], index=None, key=f"act_{seed}_{a.id}", horizontal=True
        )
        sev = c3.selectbox(
            "Severity (if acting)", ["", "CRITICAL", "HIGH", "MEDIUM", "LOW"], key=f"sev_{seed}_{a.id}"
        )
        if real is not None and act is not None:
            judgements[a.id] = Judgement(real == "real", act == "act", sev or None)


def next_alert() -> None:
    st.session_state[shown_key] = shown + 1


def new_shift() -> None:
    new_attempt("day5.shadow_shift")
    st.session_state.pop("r_shadow", None)


left, mid, right = st.columns(3)
if shown < len(shift.alerts):
    left.button("Next alert", type="primary", on_click=next_alert)
if mid.button("Hand in my judgements"):
    grade_and_record(user.username, grade_shift(shift, judgements), "r_shadow")
right.button("New shift", on_click=new_shift)
if (r := last_result("r_shadow")) is not None:
    show_result(r)

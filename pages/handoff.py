"""The weekly handoff: outgoing and incoming checklists with a simulated week to hand over."""

from __future__ import annotations

import streamlit as st

from simulator.exercises import handoff
from ui import auth
from ui.training import attempt_seed, grade_and_record, last_result, show_result, status_badge

user = auth.require_role("admin", "trainer", "trainee")
st.title("Weekly handoff")
st.caption("Monday 00:00 UTC, 15-minute handoff call. You play both sides: hand the week over, then take it.")
status_badge(user.username, "day5.handoff")

seed = attempt_seed(user.username, "day5.handoff")
week = handoff.simulated_week(seed)
with st.expander("The week you are handing over", expanded=True):
    st.markdown("**Incidents**\n" + "\n".join(f"- {i}" for i in week.incidents))
    st.markdown("**Changes and deployments**\n" + "\n".join(f"- {d}" for d in week.deploys))
    st.markdown("**Ongoing**\n" + "\n".join(f"- {o}" for o in week.ongoing))
    st.markdown("**Sticky notes**\n" + "\n".join(f"- {s}" for s in week.sticky))

st.subheader("Tools")
c1, c2, c3 = st.columns(3)
who = c1.selectbox("Check access for", [week.backup, week.incoming])
tool = c2.selectbox("Tool", handoff.TOOLS)
if c3.button("Verify access"):
    st.session_state.setdefault("handoff_checks", []).append(handoff.access_check(week, who, tool))
if c3.button("Open PagerDuty schedule"):
    st.session_state.setdefault("handoff_checks", []).append(
        f"PagerDuty: primary for week of {week.week_start:%Y-%m-%d} is {week.schedule_primary}"
    )
if c3.button("Run health check"):
    st.session_state["handoff_health"] = True
    st.session_state.setdefault("handoff_checks", []).append(
        f"$ curl https://api.fraiseql.com/health\n{week.health_output}"
    )
for line in st.session_state.get("handoff_checks", []):
    st.code(line, language="text")

with st.form("handoff"):
    checked = set()
    for title, items in (
        ("Outgoing on-call", handoff.OUTGOING),
        ("Incoming on-call", handoff.INCOMING),
        ("Handoff checklist", handoff.CHECKLIST),
    ):
        st.markdown(f"**{title}**")
        for key, label in items:
            if st.checkbox(label, key=f"ho_{key}"):
                checked.add(key)
    notes = st.text_area("Handoff notes (what the incoming engineer must know)", height=160)
    problems = st.multiselect("Access problems found for the backup", handoff.TOOLS)
    sched = st.radio("Does PagerDuty show the incoming engineer as primary?", ["yes", "no"], index=None)
    if st.form_submit_button("Complete the handoff", type="primary"):
        sub = handoff.HandoffSubmission(
            checked,
            notes,
            set(problems),
            None if sched is None else sched == "yes",
            bool(st.session_state.get("handoff_health")),
        )
        grade_and_record(user.username, handoff.grade_handoff(week, sub), "r_handoff")
if (r := last_result("r_handoff")) is not None:
    show_result(r)

"""Incident response: the workflow, communication practice, the escalation quiz, the mock drill."""

from __future__ import annotations

import streamlit as st

from simulator.exercises import escalation_quiz, incident_communication, response_workflow, rng_for
from ui import auth
from ui.quiz_exercise import render_quiz_exercise
from ui.training import (
    attempt_seed,
    grade_and_record,
    last_result,
    page_link,
    programme_heading,
    show_result,
    status_badge,
)

user = auth.require_role("admin", "trainer", "trainee")
st.title(programme_heading("pages/incident_response.py", "Incident response"))
flow, comms, esc, drill = st.tabs(
    ["Five-phase workflow", "Communication", "Escalation quiz", "Mock incident drill"]
)

with flow:
    status_badge(user.username, "day4.workflow_order")
    seed = attempt_seed(user.username, "day4.workflow_order")
    phases = response_workflow.PHASES
    shuffled = [phases[int(i)] for i in rng_for(seed, "phases").permutation(len(phases))]
    with st.form("workflow"):
        order = [st.selectbox(f"Phase {n}", shuffled, index=None, key=f"phase_{n}") for n in range(1, 6)]
        if st.form_submit_button("Check the order", type="primary"):
            grade_and_record(
                user.username, response_workflow.grade_workflow([o or "" for o in order]), "r_workflow"
            )
    if (r := last_result("r_workflow")) is not None:
        show_result(r)

with comms:
    st.info(incident_communication.SITUATION)
    status_badge(user.username, "day4.communication")
    with st.form("comms"):
        chat = st.text_area("1. Update in the incident channel (#incident-20260310-001)", height=110)
        page = st.text_area("2. Public status-page post", height=110)
        email = st.text_area(
            "3. Customer email (the seed's template: Subject, Root Cause, Resolution, Impact, Next Steps)",
            height=240,
        )
        if st.form_submit_button("Check my messages", type="primary"):
            res = incident_communication.grade_communication(chat, page, email)
            grade_and_record(user.username, res.result, "r_comms")
    if (r := last_result("r_comms")) is not None:
        show_result(r)

with esc:
    render_quiz_exercise(
        user.username,
        "day4.escalation_quiz",
        escalation_quiz.escalation_questions(),
        form_key="q_escalation",
        result_key="r_escalation",
        grade=escalation_quiz.grade_escalation,
    )

with drill:
    st.markdown(
        "The mock incident drill is a full, scored drill: a simulated alert and your whole response. "
        "A passed drill is the evidence for **Passed mock incident drill**; its severity, escalation "
        "and communication scores count towards those sign-off criteria."
    )
    status_badge(user.username, "day4.mock_drill")
    page_link("pages/drill.py", "Start a mock incident drill", user.role, ":material/local_fire_department:")

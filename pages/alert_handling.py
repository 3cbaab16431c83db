"""Alert familiarisation: the catalogue and quiz, false positives, the alert sandbox, pager practice."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.exercises import alert_catalogue, false_positives, pager
from ui import auth
from ui.alert_sandbox import render_alert_sandbox
from ui.clock import now
from ui.quiz_exercise import render_quiz_exercise
from ui.services import builtin_scenarios
from ui.training import (
    attempt_seed,
    grade_and_record,
    last_result,
    programme_heading,
    show_result,
    status_badge,
)

user = auth.require_role("admin", "trainer", "trainee")
# When this session's practice pages arrived, and each acknowledgement's delay in minutes.
PAGER_STARTED = "pager_started_at"
PAGER_ACKS = "pager_acks"
st.title(programme_heading("pages/alert_handling.py", "Alert familiarisation"))
catalogue = alert_catalogue.alert_catalogue(builtin_scenarios())

cat_tab, quiz_tab, fp_tab, sandbox_tab, pager_tab = st.tabs(
    ["Alert catalogue", "Alert & severity quiz", "False positives", "Alert sandbox", "Pager practice"]
)

with cat_tab:
    st.caption("Every alerting rule in the scenario pack: what it means, its threshold and why.")
    # A table that wraps its text: the "why" and the expression are sentences, and a grid would
    # cut them off at the window's edge.
    st.table(
        pd.DataFrame(
            [
                {
                    "alert": e.alert,
                    "severity": e.severity,
                    # Table cells are Markdown: a leading ">" would start a block quote.
                    "threshold": (e.threshold or "(expression)").replace(">", "\\>"),
                    "for": e.for_text,
                    "meaning": e.summary,
                    "why": e.why,
                    "expr": e.expr,
                }
                for e in catalogue
            ]
        ),
        hide_index=True,
    )

with quiz_tab:
    seed = attempt_seed(user.username, "day2.alert_quiz")
    qs = alert_catalogue.alert_quiz_questions(catalogue, seed)
    render_quiz_exercise(
        user.username,
        "day2.alert_quiz",
        qs,
        form_key=f"q_alert_quiz_{seed}",
        result_key="r_alert_quiz",
        grade=lambda answers: alert_catalogue.grade_alert_quiz(qs, answers),
    )

with fp_tab:
    render_quiz_exercise(
        user.username,
        "day2.false_positives",
        false_positives.false_positive_questions(),
        form_key="q_fp",
        result_key="r_fp",
    )

with sandbox_tab:
    render_alert_sandbox(user.username)

with pager_tab:
    st.markdown(
        "Start the shift and the pages arrive on your phone. Acknowledge each within its target — "
        "firedrill measures the time from the page arriving to your click — escalate only to whom "
        "the policy says, verify recovery, then resolve."
    )
    status_badge(user.username, "day2.pager_practice")
    started = st.session_state.get(PAGER_STARTED)
    if started is None:
        if st.button(
            "Start the shift: the pages arrive now", type="primary", icon=":material/notifications:"
        ):
            st.session_state[PAGER_STARTED] = now()
            st.session_state[PAGER_ACKS] = {}
            st.rerun()
    else:
        acks: dict[str, float] = st.session_state.setdefault(PAGER_ACKS, {})
        runs = {}
        for case in pager.PAGER_CASES:
            with st.container(border=True):
                st.markdown(f"**{case.page}** — {case.context}")
                c1, c2, c3 = st.columns(3)
                if case.id in acks:
                    c1.success(f"Acknowledged after {pager.format_minutes(acks[case.id])}")
                elif c1.button("Acknowledge", key=f"ack_{case.id}", icon=":material/done:"):
                    acks[case.id] = pager.minutes_between(started, now())
                    st.rerun()
                esc = c2.selectbox(
                    "Escalate to",
                    pager.ESCALATION_TARGETS,
                    key=f"esc_{case.id}",
                    format_func=lambda t: t.replace("_", " ") if t else "nobody",
                )
                verified = c3.checkbox("Verified recovery", key=f"ver_{case.id}")
                resolved = c3.checkbox("Resolve", key=f"res_{case.id}")
            actions = []
            if case.id in acks:
                actions.append(("ack", acks[case.id]))
            if esc:
                actions.append(("escalate", esc))
            if verified:
                actions.append(("verify", None))
            if resolved:
                actions.append(("resolve", None))
            runs[case.id] = actions
        if st.button("Submit pager practice", type="primary"):
            grade_and_record(user.username, pager.grade_pager(runs), "r_pager")
            # The next shift starts fresh: new arrivals, nothing acknowledged.
            st.session_state.pop(PAGER_STARTED, None)
            st.session_state.pop(PAGER_ACKS, None)
    if (r := last_result("r_pager")) is not None:
        show_result(r)

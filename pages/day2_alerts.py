"""Day 2 — Alert familiarisation: catalogue & quiz, false positives, the alert sandbox, pager practice."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.exercises import day2, grade_quiz
from ui import auth
from ui.alert_sandbox import render_alert_sandbox
from ui.services import builtin_scenarios
from ui.training import (
    attempt_seed,
    grade_and_record,
    last_result,
    now,
    quiz,
    show_result,
    status_badge,
)

user = auth.require_role("admin", "trainer", "trainee")
# When this session's practice pages arrived, and each acknowledgement's delay in minutes.
PAGER_STARTED = "pager_started_at"
PAGER_ACKS = "pager_acks"
st.title("Day 2 — Alert familiarisation")
catalogue = day2.alert_catalogue(builtin_scenarios())

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
    status_badge(user.username, "day2.alert_quiz")
    seed = attempt_seed(user.username, "day2.alert_quiz")
    qs = day2.alert_quiz_questions(catalogue, seed)
    answers = quiz(qs, f"q_alert_quiz_{seed}")
    if answers is not None:
        grade_and_record(user.username, day2.grade_alert_quiz(qs, answers), "r_alert_quiz")
    if (r := last_result("r_alert_quiz")) is not None:
        show_result(r)

with fp_tab:
    status_badge(user.username, "day2.false_positives")
    qs = day2.false_positive_questions()
    answers = quiz(qs, "q_fp")
    if answers is not None:
        grade_and_record(user.username, grade_quiz("day2.false_positives", qs, answers), "r_fp")
    if (r := last_result("r_fp")) is not None:
        show_result(r)

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
        for case in day2.PAGER_CASES:
            with st.container(border=True):
                st.markdown(f"**{case.page}** — {case.context}")
                c1, c2, c3 = st.columns(3)
                if case.id in acks:
                    c1.success(f"Acknowledged after {day2.format_minutes(acks[case.id])}")
                elif c1.button("Acknowledge", key=f"ack_{case.id}", icon=":material/done:"):
                    acks[case.id] = day2.minutes_between(started, now())
                    st.rerun()
                esc = c2.selectbox(
                    "Escalate to",
                    day2.ESCALATION_TARGETS,
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
            grade_and_record(user.username, day2.grade_pager(runs), "r_pager")
            # The next shift starts fresh: new arrivals, nothing acknowledged.
            st.session_state.pop(PAGER_STARTED, None)
            st.session_state.pop(PAGER_ACKS, None)
    if (r := last_result("r_pager")) is not None:
        show_result(r)

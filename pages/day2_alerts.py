"""Day 2 — Alert familiarisation: catalogue & quiz, false positives, the alert sandbox, pager practice."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulator.exercises import day2, grade_quiz
from ui import auth
from ui.services import builtin_scenarios
from ui.training import (
    attempt_seed,
    grade_and_record,
    last_result,
    now,
    quiz,
    record_result,
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
    st.markdown(
        "Turn the knobs until each alert fires — or doesn't. Before you run, **predict** whether it "
        "will fire and at which minute; the real alert engine decides. The effect starts at minute 5."
    )
    status_badge(user.username, "day2.alert_sandbox")
    best: dict = st.session_state.setdefault("sandbox_best", {})
    ch = st.selectbox("Challenge", day2.SANDBOX_CHALLENGES, format_func=lambda c: c.text)
    m = day2.SANDBOX_METRICS[ch.metric]
    st.code(f"alert: {m.rule.alert}\nexpr: {m.rule.expr}\nfor: {m.rule.for_:g}s", language="yaml")
    with st.form("sandbox"):
        c1, c2 = st.columns(2)
        level = c1.number_input(
            f"Level during the effect ({m.unit or 'value'}; baseline {m.baseline:g})",
            value=float(m.baseline),
            format="%.4f",
        )
        duration = c2.slider("Duration of the effect (minutes)", 0.0, 20.0, 3.0, 0.25)
        noise = c1.slider("Noise (relative σ)", 0.0, 0.5, 0.0, 0.01)
        interval = c2.select_slider(
            "Evaluation interval", [15.0, 30.0, 60.0, 120.0], value=30.0, format_func=lambda s: f"{s:g}s"
        )
        fires = c1.radio("Your prediction: will it fire?", ["yes", "no"], horizontal=True)
        minute = c2.number_input("If yes, at which minute?", value=None, min_value=0.0, max_value=30.0)
        go_run = st.form_submit_button("Run the alert engine", type="primary")
    if go_run:
        knobs = day2.Knobs(ch.metric, level, duration * 60, noise, interval)
        outcome = day2.run_sandbox(knobs, seed=attempt_seed(user.username, "day2.alert_sandbox"))
        item = day2.judge_attempt(day2.SandboxAttempt(ch.id, knobs, fires == "yes", minute), outcome)
        if ch.id not in best or item.credit > best[ch.id].credit:
            best[ch.id] = item
        s = outcome.trace.series[0]
        fig = go.Figure(go.Scatter(x=outcome.trace.offsets / 60, y=s.values, mode="lines", name=m.metric))
        fig.add_hline(y=float(m.rule.expr.split()[-1]), line_dash="dash", annotation_text="threshold")
        if outcome.first_firing is not None:
            fig.add_vline(x=outcome.first_firing / 60, line_color="red", annotation_text="firing")
        fig.update_layout(height=280, xaxis_title="minute", margin=dict(l=10, r=10, t=20, b=10))
        st.plotly_chart(fig, key="sandbox_chart")
        (st.success if item.correct else st.warning)(item.feedback)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "challenge": c.text,
                    "result": best[c.id].feedback if c.id in best else "—",
                    "credit": best[c.id].credit if c.id in best else 0.0,
                }
                for c in day2.SANDBOX_CHALLENGES
            ]
        ),
        hide_index=True,
    )
    if st.button("Record my sandbox results"):
        result = day2.grade_sandbox(best)
        record_result(user.username, result)
        st.session_state["r_sandbox"] = result
    if (r := last_result("r_sandbox")) is not None:
        show_result(r)

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

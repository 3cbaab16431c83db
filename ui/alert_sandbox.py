"""The alert sandbox exercise: pick a challenge, turn the knobs (level, duration, noise,
evaluation interval), predict whether and when the alert fires, and let the real alert engine
decide; the best try per challenge is kept and can be recorded as the exercise result."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.exercises import alert_sandbox as sandbox
from ui.metric_panel import render_metric_panel
from ui.training import attempt_seed, last_result, record_result, show_result, status_badge


def render_alert_sandbox(username: str) -> None:
    st.markdown(
        "Turn the knobs until each alert fires — or doesn't. Before you run, **predict** whether it "
        "will fire and at which minute; the real alert engine decides. The effect starts at minute 5."
    )
    status_badge(username, "day2.alert_sandbox")
    best: dict = st.session_state.setdefault("sandbox_best", {})
    ch = st.selectbox("Challenge", sandbox.SANDBOX_CHALLENGES, format_func=lambda c: c.text)
    m = sandbox.SANDBOX_METRICS[ch.metric]
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
        knobs = sandbox.Knobs(ch.metric, level, duration * 60, noise, interval)
        outcome = sandbox.run_sandbox(knobs, seed=attempt_seed(username, "day2.alert_sandbox"))
        item = sandbox.judge_attempt(sandbox.SandboxAttempt(ch.id, knobs, fires == "yes", minute), outcome)
        if ch.id not in best or item.credit > best[ch.id].credit:
            best[ch.id] = item
        render_metric_panel(
            outcome.trace.offsets / 60,
            outcome.trace.series[0].values,
            key="sandbox_chart",
            name=m.metric,
            threshold=float(m.rule.expr.split()[-1]),
            fired_at=None if outcome.first_firing is None else outcome.first_firing / 60,
            x_title="minute",
            height=280,
        )
        (st.success if item.correct else st.warning)(item.feedback)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "challenge": c.text,
                    "result": best[c.id].feedback if c.id in best else "—",
                    "credit": best[c.id].credit if c.id in best else 0.0,
                }
                for c in sandbox.SANDBOX_CHALLENGES
            ]
        ),
        hide_index=True,
    )
    if st.button("Record my sandbox results"):
        result = sandbox.grade_sandbox(best)
        record_result(username, result)
        st.session_state["r_sandbox"] = result
    if (r := last_result("r_sandbox")) is not None:
        show_result(r)

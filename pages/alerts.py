"""Alerts: a scenario's alerts as Prometheus fires them and the notifications on-call receives.

Shows the pending/firing bands above the metric charts, the notification stream (time, channel,
the message as a person reads it, the webhook body), who each alert reaches under the team's
routing, and a PromQL box over the trace. Trainees see rules and alerts, never the answer.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from simulator.alerts import RuleEvaluationError, scenario_timeline
from simulator.charts import alert_bands, alert_bands_chart, alerts_by_metric, metric_chart
from simulator.library import incident_windows, panels
from simulator.routing import load_config, scenario_notifications
from simulator.spoilers import trainee_title
from simulator.thresholds import alert_thresholds
from simulator.yamlio import FormatError
from ui import auth
from ui.alert_notifications import render_notifications
from ui.alert_routing import render_alert_routing
from ui.promql_box import render_promql_box
from ui.services import builtin_scenarios, trace_for

user = auth.require_role("admin", "trainer", "trainee")
is_staff = user.may("see_answers")

st.title("Alerts")
st.caption(
    "When each alert goes pending and fires (Prometheus semantics, tick by tick), and what the on-call "
    "engineer receives because of it (Alertmanager routing from `data/alertmanager.yml`)."
)

scenarios = builtin_scenarios()
if not scenarios:
    st.info("No scenarios yet. Scenarios live in `scenarios/`.")
    st.stop()

ids = list(scenarios)
wanted = st.query_params.get("scenario")
if "alerts_scenario" not in st.session_state and wanted in scenarios:
    st.session_state["alerts_scenario"] = wanted
c1, c2 = st.columns([3, 1])
chosen = c1.selectbox(
    "Scenario",
    ids,
    # Trainees see the neutral title: the real one names the cause.
    format_func=lambda i: scenarios[i].scenario.title if is_staff else trainee_title(scenarios[i].scenario),
    key="alerts_scenario",
)
loaded = scenarios[chosen]
sc = loaded.scenario
seed = int(
    c2.number_input(
        "Seed",
        min_value=0,
        max_value=2**31 - 1,
        value=sc.seed,
        step=1,
        key=f"alerts_seed_{sc.id}",
        help="Each seed is a variant of the same scenario: same incident, new noise.",
    )
)

trace = trace_for(loaded, seed)
try:
    timeline = scenario_timeline(loaded, trace)
except RuleEvaluationError as exc:
    st.error(f"A rule could not be evaluated: {exc}")
    st.stop()
try:
    routing_config = load_config()
except FormatError as exc:
    st.error("The routing config `data/alertmanager.yml` is not valid:")
    st.code(str(exc), language=None)
    st.stop()
notes = scenario_notifications(loaded, timeline, trace.start, routing_config)


def clock(offset: float) -> str:
    wall = (trace.start + timedelta(seconds=float(offset))).strftime("%H:%M:%S")
    minutes, seconds = divmod(round(offset), 60)
    return f"{wall} (T+{minutes}:{seconds:02d})"


# --- the alert timeline above the metrics -------------------------------------------------------

st.subheader("Alert timeline")
st.caption("Amber: pending (condition true, waiting out `for`). Red: firing (sent to Alertmanager).")
st.plotly_chart(alert_bands_chart(timeline, trace), key=f"bands_{sc.id}_{seed}")

transitions = timeline.transitions()
if transitions:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "time": clock(t.at),
                    "alert": t.alertname,
                    "state": t.state,
                    "severity": t.labels.get("severity", ""),
                    "value": None if t.value != t.value else round(t.value, 6),
                    "summary": t.annotations.get("summary", ""),
                }
                for t in transitions
            ]
        ),
        hide_index=True,
        key=f"transitions_{sc.id}_{seed}",
    )
else:
    st.info("No alert went pending in this run.")

st.subheader("Metrics")
about = alerts_by_metric(loaded.rule_groups)
thresholds = alert_thresholds(loaded)
windows = incident_windows(sc) if is_staff else []
if is_staff:
    st.caption(
        "Grey: incident windows (trainers only). Amber/red: when an alert about this panel was pending/firing."
    )
for title, keys in panels(sc).items():
    names = {k.split("{", 1)[0] for k in keys}
    lines = [(t.value, f"{t.alert} ({t.op} {t.value:g})") for n in names for t in thresholds.get(n, [])]
    bands = alert_bands(timeline, only={a for n in names for a in about.get(n, ())})
    st.plotly_chart(
        metric_chart(trace, keys, thresholds=lines, shade=windows, alert_bands=bands, title=title),
        key=f"metric_{sc.id}_{seed}_{title}",
    )

# --- what on-call receives ----------------------------------------------------------------------

render_notifications(notes, clock, f"notes_{sc.id}_{seed}")

render_alert_routing(loaded, routing_config)

render_promql_box(loaded, trace, seed, clock)

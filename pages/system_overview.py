"""System overview: the service map, SLO and error budget from a day of traffic, reading the dashboard."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.exercises import service_map, traffic_reading
from ui import auth
from ui.metric_panel import render_metric_panel
from ui.quiz_exercise import render_quiz_exercise
from ui.training import attempt_seed, new_attempt, programme_heading

user = auth.require_role("admin", "trainer", "trainee")


def _retry_service_map() -> None:
    new_attempt("day1.service_map")
    st.session_state.pop("r_service_map", None)


st.title(programme_heading("pages/system_overview.py", "System overview"))
st.caption("Architecture, dependencies, SLOs and the dashboard. Each exercise records evidence for sign-off.")

arch, slo, dash, docs = st.tabs(
    ["Service map", "SLO & error budget", "Reading the dashboard", "Where things live"]
)

with arch:
    st.write(service_map.ARCHITECTURE)
    map_seed = attempt_seed(user.username, "day1.service_map")
    map_result = render_quiz_exercise(
        user.username,
        "day1.service_map",
        service_map.service_map_questions(),
        form_key=f"q_service_map_{map_seed}",
        result_key="r_service_map",
        seed=map_seed,
    )
    if map_result is not None:
        # The table answers the quiz word for word, so it opens only once the answers are in.
        st.markdown("**The service map**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "dependency": d.name,
                        "what it does": d.role,
                        "when it fails": d.when_down,
                        "alert that tells you": d.alert,
                    }
                    for d in service_map.SERVICE_MAP
                ]
            ),
            hide_index=True,
        )
        st.button(
            "Try the service map quiz again (new order)",
            on_click=_retry_service_map,
        )
    else:
        st.caption(
            "Reason from the architecture above. The full service map — what each dependency does, "
            "what users notice when it fails and which alert tells you — opens after you submit."
        )

seed = attempt_seed(user.username, "day1.traffic")
trace = traffic_reading.day_of_traffic(seed)
frame = pd.DataFrame(
    {
        "hour (UTC)": [f"{h:02d}:00" for h in range(24)],
        "requests": trace.by_name("requests_per_hour")[0].values.astype(int),
        "failed": trace.by_name("failed_requests_per_hour")[0].values.astype(int),
        "P95 ms": trace.by_name("latency_p95_ms")[0].values.astype(int),
    }
)

with slo:
    st.markdown(
        "The API's SLO is **99.9% of requests succeed**. Here is one day of traffic. Work the numbers "
        "yourself (a calculator is fine); firedrill checks them."
    )
    st.dataframe(frame[["hour (UTC)", "requests", "failed"]], hide_index=True, height=300)
    render_quiz_exercise(
        user.username,
        "day1.error_budget",
        traffic_reading.error_budget_questions(trace, 99.9),
        form_key=f"q_budget_{seed}",
        result_key="r_budget",
    )

with dash:
    st.markdown("**Production Health** — read each panel and answer from the charts (hover for values).")
    for title, col in (
        ("Traffic (requests / hour)", "requests"),
        ("Errors (failed / hour)", "failed"),
        ("Latency P95 (ms)", "P95 ms"),
    ):
        render_metric_panel(
            frame["hour (UTC)"],
            frame[col],
            key=f"panel_{col}",
            title=title,
            bars=True,
            threshold=500 if col == "P95 ms" else None,
            threshold_label="500 ms (HIGH if > 5 min)",
        )
    render_quiz_exercise(
        user.username,
        "day1.dashboard_reading",
        traffic_reading.dashboard_questions(trace),
        form_key=f"q_dash_{seed}",
        result_key="r_dash",
    )

with docs:
    for what, where in service_map.DOCUMENTATION.items():
        st.write(f"**{what}** — {where}")

st.button("New day of traffic (new attempt)", on_click=new_attempt, args=("day1.traffic",))

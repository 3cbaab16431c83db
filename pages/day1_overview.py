"""Day 1 — System overview: service map, SLO/error budget from a trace, reading the dashboard."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulator.exercises import day1, grade_quiz
from ui import auth
from ui.training import (
    attempt_seed,
    grade_and_record,
    last_result,
    new_attempt,
    quiz,
    show_result,
    status_badge,
)

user = auth.require_role("admin", "trainer", "trainee")


def _retry_service_map() -> None:
    new_attempt("day1.service_map")
    st.session_state.pop("r_service_map", None)


st.title("Day 1 — System overview")
st.caption("Architecture, dependencies, SLOs and the dashboard. Each exercise records evidence for sign-off.")

arch, slo, dash, docs = st.tabs(
    ["Service map", "SLO & error budget", "Reading the dashboard", "Where things live"]
)

with arch:
    st.write(day1.ARCHITECTURE)
    status_badge(user.username, "day1.service_map")
    map_seed = attempt_seed(user.username, "day1.service_map")
    answers = quiz(day1.service_map_questions(), f"q_service_map_{map_seed}", seed=map_seed)
    if answers is not None:
        grade_and_record(
            user.username,
            grade_quiz("day1.service_map", day1.service_map_questions(), answers),
            "r_service_map",
        )
    if (r := last_result("r_service_map")) is not None:
        show_result(r)
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
                    for d in day1.SERVICE_MAP
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
trace = day1.day_of_traffic(seed)
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
    status_badge(user.username, "day1.error_budget")
    qs = day1.error_budget_questions(trace, 99.9)
    answers = quiz(qs, f"q_budget_{seed}")
    if answers is not None:
        grade_and_record(user.username, grade_quiz("day1.error_budget", qs, answers), "r_budget")
    if (r := last_result("r_budget")) is not None:
        show_result(r)

with dash:
    st.markdown("**Production Health** — read each panel and answer from the charts (hover for values).")
    for title, col in (
        ("Traffic (requests / hour)", "requests"),
        ("Errors (failed / hour)", "failed"),
        ("Latency P95 (ms)", "P95 ms"),
    ):
        fig = go.Figure(go.Bar(x=frame["hour (UTC)"], y=frame[col]))
        if col == "P95 ms":
            fig.add_hline(y=500, line_dash="dash", annotation_text="500 ms (HIGH if > 5 min)")
        fig.update_layout(title=title, height=260, margin=dict(l=10, r=10, t=40, b=10))
        st.plotly_chart(fig, key=f"panel_{col}")
    status_badge(user.username, "day1.dashboard_reading")
    qs = day1.dashboard_questions(trace)
    answers = quiz(qs, f"q_dash_{seed}")
    if answers is not None:
        grade_and_record(user.username, grade_quiz("day1.dashboard_reading", qs, answers), "r_dash")
    if (r := last_result("r_dash")) is not None:
        show_result(r)

with docs:
    for what, where in day1.DOCUMENTATION.items():
        st.write(f"**{what}** — {where}")

st.button("New day of traffic (new attempt)", on_click=new_attempt, args=("day1.traffic",))

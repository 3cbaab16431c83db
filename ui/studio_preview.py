"""The scenario studio's preview of a valid scenario, for a chosen seed (another seed, another
variant): the metric charts with the incident and alert bands, when each alert fires, who gets
paged when, and the answer the drill will score.

Computed by `simulator.traces`, `simulator.alerts`, `simulator.variants` and `simulator.studio`;
this module lays it out in tabs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.alerts import AlertTimeline, scenario_timeline
from simulator.charts import alert_bands, metric_chart
from simulator.scenario import LoadedScenario, Scenario
from simulator.studio import (
    TextCheck,
    alert_rows,
    answer_summary,
    first_firings,
    incident_windows,
    page_plan,
    panels,
    variant_rows,
)
from simulator.timeseries import Trace
from simulator.traces import generate_trace
from simulator.variants import variant_of


def render_preview(check: TextCheck) -> None:
    if check.loaded is None:
        st.info("The preview appears when the scenario is valid.")
        return
    sc = check.loaded.scenario
    seed = st.number_input(
        "Preview seed (another seed previews another variant)",
        min_value=0,
        max_value=2**31 - 1,
        value=int(sc.seed),
        step=1,
        key=f"studio_seed_{sc.id}",
    )
    vloaded, knobs = variant_of(check.loaded, int(seed))
    if int(seed) != sc.seed:
        st.caption(
            f"Variant: {knobs.describe()}"
            + (f" — red herrings: {'; '.join(knobs.red_herrings)}" if knobs.red_herrings else "")
        )
    trace = generate_trace(vloaded.scenario)
    timeline = scenario_timeline(vloaded, trace)
    t_charts, t_alerts, t_pages, t_answer = st.tabs(["Charts", "Alerts", "Pages", "Answer"])
    with t_charts:
        _charts(vloaded.scenario, trace, timeline)
    with t_alerts:
        _alerts(timeline, sc)
    with t_pages:
        _pages(vloaded, timeline)
    with t_answer:
        _answer(sc)


def _charts(sc: Scenario, trace: Trace, timeline: AlertTimeline) -> None:
    bands = alert_bands(timeline)
    shade = incident_windows(sc)
    for title, keys in panels(sc).items():
        st.plotly_chart(
            metric_chart(trace, keys, shade=shade, alert_bands=bands, title=title, height=230),
            width="stretch",
            key=f"studio_chart_{title}",
        )


def _alerts(timeline: AlertTimeline, sc: Scenario) -> None:
    rows = alert_rows(timeline, sc.clock.start)
    firsts = first_firings(rows)
    if firsts:
        st.text("\n".join(firsts))
    else:
        st.warning(
            "No alert fires on this trace: a trainee would never be paged. Check the rule "
            "thresholds against the charts."
        )
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="studio_alerts")
    else:
        st.caption("No alert even goes pending.")


def _pages(loaded: LoadedScenario, timeline: AlertTimeline) -> None:
    ack_min = st.number_input(
        "The primary acknowledges after (minutes; 0 = nobody acknowledges)",
        min_value=0,
        max_value=240,
        value=0,
        key="studio_ack",
    )
    plan = page_plan(loaded, timeline, ack_after=float(ack_min) * 60 if ack_min else None)
    st.caption(plan.note)
    if plan.rows:
        st.dataframe(pd.DataFrame(plan.rows), hide_index=True, width="stretch", key="studio_pages")


def _answer(sc: Scenario) -> None:
    st.dataframe(
        pd.DataFrame({"answer": answer_summary(sc)}),
        hide_index=True,
        width="stretch",
        key="studio_answer",
    )
    if sc.variants is not None:
        st.caption("Variants of this scenario (knobs per seed):")
        st.dataframe(pd.DataFrame(variant_rows(sc)), hide_index=True, width="stretch", key="studio_variants")

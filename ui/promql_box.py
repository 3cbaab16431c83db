"""The PromQL box under a scenario's charts: run an expression over the run's trace and chart the
series, or show where and why firedrill's PromQL subset cannot run it (the line, a caret under
the column, a hint)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from simulator import promql
from simulator.charts import query_chart
from simulator.scenario import LoadedScenario
from simulator.timeseries import Trace


def render_promql_box(loaded: LoadedScenario, trace: Trace, seed: int, clock: Callable[[float], str]) -> None:
    sc = loaded.scenario
    st.subheader("Query the metrics (PromQL)")
    first_expr = next((r.expr for g in loaded.rule_groups for r in g.rules), "up")
    with st.form(f"promql_{sc.id}"):
        expr = st.text_area(
            "PromQL expression",
            value=first_expr,
            key=f"alerts_promql_{sc.id}",
            height=80,
            max_chars=promql.MAX_EXPRESSION_CHARS,
            help="firedrill's PromQL subset, evaluated at every sample of this run.",
        )
        st.form_submit_button("Run query")
    if expr.strip():
        try:
            results = promql.evaluate(expr, trace, trace.offsets)
        except promql.PromQLError as exc:
            st.error(f"Not a query firedrill can run: {exc.message} (column {exc.column})")
            line_start = expr.rfind("\n", 0, exc.position) + 1
            line_end = expr.find("\n", exc.position)
            line = expr[line_start : None if line_end < 0 else line_end]
            st.code(f"{line}\n{' ' * (exc.column - 1)}^", language=None)
            if exc.hint:
                st.caption(exc.hint)
        except promql.EvaluationError as exc:
            st.error(f"The query failed at {clock(exc.at_ms / 1000)}: {exc.message}")
        else:
            st.caption(f"{len(results)} series.")
            st.plotly_chart(query_chart(results, trace), key=f"query_{sc.id}_{seed}")

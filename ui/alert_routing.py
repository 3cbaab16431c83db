"""A scenario's alert rules and who each alert reaches under the team's Alertmanager routing
(the same answers as `amtool config routes test`), with the routing file itself."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.routing import DEFAULT_CONFIG, AlertmanagerConfig, match_routes
from simulator.scenario import LoadedScenario


def render_alert_routing(loaded: LoadedScenario, routing_config: AlertmanagerConfig) -> None:
    sc = loaded.scenario
    with st.expander("Who each alert reaches", icon=":material/alt_route:"):
        rows = []
        for group in loaded.rule_groups:
            for rule in group.rules:
                name = getattr(rule, "alert", None)
                if not name:
                    continue
                labels = {"alertname": name, "service": sc.service, **rule.labels}
                rows.append(
                    {
                        "alert": name,
                        "severity": rule.labels.get("severity", ""),
                        "receivers": ", ".join(match_routes(routing_config, labels)),
                    }
                )
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.caption(
            f"From `{DEFAULT_CONFIG.relative_to(DEFAULT_CONFIG.parents[1])}`; "
            "`amtool config routes test` gives the same answers."
        )
        st.code(DEFAULT_CONFIG.read_text(encoding="utf-8"), language="yaml")

    with st.expander("Alert rules", icon=":material/rule:"):
        for group in loaded.rule_groups:
            for rule in group.rules:
                name = getattr(rule, "alert", None) or getattr(rule, "record", "")
                st.code(f"{name}\n  expr: {rule.expr}", language="yaml")

"""An escalation plan shown two ways: a timeline of who is paged when (by role and channel, the
acknowledgement marked) and a table with the reason for each notification, wrapped not cut off."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.express as px
import streamlit as st

from simulator.durations import format_duration
from simulator.escalation import PlannedNotification


def render_escalation_plan(plan: Sequence[PlannedNotification], ack_min: float | None) -> None:
    """`ack_min`: minutes after the trigger someone acknowledged, None when nobody does."""
    if not plan:
        st.warning("Nobody would be notified: nobody holds the roles this incident needs at that time.")
    else:
        table = pd.DataFrame(
            {
                "at (UTC)": [n.at.strftime("%Y-%m-%d %H:%M:%S") for n in plan],
                "after": [format_duration(n.offset) for n in plan],
                "who": [n.who for n in plan],
                "role": [n.role.title for n in plan],
                "channel": [n.channel for n in plan],
                "reason": [n.reason for n in plan],
            }
        )
        chart = pd.DataFrame(
            {
                "minutes after trigger": [n.offset / 60 for n in plan],
                "who": [n.who for n in plan],
                "role": [n.role.title for n in plan],
                "channel": [n.channel for n in plan],
                "reason": [n.reason for n in plan],
            }
        )
        fig = px.scatter(
            chart,
            x="minutes after trigger",
            y="who",
            color="role",
            symbol="channel",
            hover_data={"reason": True},
        )
        fig.update_traces(marker={"size": 13})
        if ack_min is not None:
            fig.add_vline(x=ack_min, line_dash="dash", line_color="green", annotation_text="acknowledged")
        fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title="Page timeline")
        st.plotly_chart(fig, width="stretch", key="oc_pages")
        st.table(table, hide_index=True)  # wraps the reasons instead of cutting them off at 1440 px

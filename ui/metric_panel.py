"""A metric panel: one series over time, drawn the way a dashboard panel shows it, with the
alert's threshold and the moment the alert fired marked on it."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st


def render_metric_panel(
    x: Sequence,
    y: Sequence,
    *,
    key: str,
    title: str | None = None,
    bars: bool = False,
    name: str | None = None,
    threshold: float | None = None,
    threshold_label: str = "threshold",
    fired_at: float | None = None,
    x_title: str | None = None,
    height: int = 260,
) -> None:
    """Bars (counts per bucket) or a line; a dashed line at `threshold`, a red one at `fired_at`."""
    series = go.Bar(x=x, y=y, name=name) if bars else go.Scatter(x=x, y=y, mode="lines", name=name)
    fig = go.Figure(series)
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dash", annotation_text=threshold_label)
    if fired_at is not None:
        fig.add_vline(x=fired_at, line_color="red", annotation_text="firing")
    # A title needs room above the plot; without one the panel keeps its height for data.
    fig.update_layout(
        title=title,
        height=height,
        xaxis_title=x_title,
        margin=dict(l=10, r=10, t=40 if title else 20, b=10),
    )
    st.plotly_chart(fig, key=key)

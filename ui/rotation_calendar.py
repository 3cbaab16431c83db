"""The on-call rotation as a calendar: primary, backup, the 2-hour overlap and the handoff meeting
as lanes over a few weeks around the chosen time, overrides striped, and the team file's
overrides listed in words."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from simulator import oncall


def render_rotation_calendar(team: oncall.Team, current: oncall.OnCall, at: datetime) -> None:
    st.subheader("Rotation calendar")
    weeks = st.slider("Weeks shown", 1, 8, 4, key="oc_weeks")
    cal_start = current.turn_start - timedelta(days=7)
    cal_end = cal_start + timedelta(weeks=weeks)
    shifts = oncall.shifts(team, cal_start, cal_end)
    if shifts:
        frame = pd.DataFrame(
            {
                "lane": [s.role for s in shifts],
                "person": [s.person for s in shifts],
                # Naive UTC: plotly's timeline cannot mix time-zone objects.
                "start": pd.to_datetime([s.start for s in shifts], utc=True).tz_convert(None),
                "end": pd.to_datetime([s.end for s in shifts], utc=True).tz_convert(None),
                "kind": ["override" if s.override else "rotation" for s in shifts],
                "detail": [s.detail for s in shifts],
                # Names fit on week-long bars only; the 2 h overlap and 15 min meeting show on hover.
                "label": [s.person if s.role in ("primary", "backup") else "" for s in shifts],
            }
        )
        fig = px.timeline(
            frame,
            x_start="start",
            x_end="end",
            y="lane",
            color="person",
            pattern_shape="kind",
            pattern_shape_map={"rotation": "", "override": "/"},
            hover_data={"detail": True, "kind": True, "label": False},
            text="label",
            category_orders={"lane": ["primary", "overlap", "handoff meeting", "backup"]},
        )
        fig.add_vline(x=at.replace(tzinfo=None), line_dash="dash", line_color="black")
        fig.update_layout(
            height=320,
            margin={"l": 10, "r": 10, "t": 30, "b": 10},
            legend_title_text="",
            title=f"{cal_start:%Y-%m-%d} to {cal_end:%Y-%m-%d} (UTC); dashed line: chosen time",
        )
        st.plotly_chart(fig, width="stretch", key="oc_calendar")
        st.caption(
            "Striped bars are overrides (vacation relief or swaps); the overlap lane is the outgoing "
            "primary's first 2 hours of the next turn."
        )
    else:
        st.write("Nobody is scheduled in this window.")
    if team.overrides:
        with st.expander(f"Overrides in the team file ({len(team.overrides)})"):
            st.dataframe(
                pd.DataFrame(
                    {
                        "from (UTC)": [o.start.strftime("%Y-%m-%d %H:%M") for o in team.overrides],
                        "to (UTC)": [o.end.strftime("%Y-%m-%d %H:%M") for o in team.overrides],
                        "kind": [o.kind for o in team.overrides],
                        "what": [
                            f"{team.person(o.person).name} away; backup promoted, "
                            f"{team.person(o.new_backup).name} becomes backup"
                            if isinstance(o, oncall.VacationRelief)
                            else f"{team.person(o.person).name} takes {o.role}"
                            for o in team.overrides
                        ],
                        "reason": [o.reason for o in team.overrides],
                    }
                ),
                hide_index=True,
                width="stretch",
            )

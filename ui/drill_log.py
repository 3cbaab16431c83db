"""The trainee's own log on the Drill page: each action they took with its simulated time, in
words that do not reveal whether it was right (that is for the debrief)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from simulator.drill import Drill, Event
from simulator.reports import action_label


def render_drill_log(drill: Drill, events: Sequence[Event]) -> None:
    st.subheader("Your log")
    mine = [e for e in events if e.is_action]
    if mine:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "time": drill.hhmm(e.at_offset),
                        "action": action_label(drill, e.kind, e.payload, reveal=False),
                    }
                    for e in mine
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No actions yet.")

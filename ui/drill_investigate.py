"""The Drill page's Investigate section: the consoles (dashboards, logs, database, deploys...)
showing the world as of this page run, a Refresh that counts as a fresh look at an open board,
and each console look or console mitigation handed to `record` as the trainee's action."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from simulator import actions as A
from simulator.consoles import ConsoleWorld
from simulator.drill import Drill, Event, applied_mitigations
from simulator.drill import world as drill_world
from ui.consoles import render_consoles


def render_investigate(
    drill: Drill, events: Sequence[Event], aid: int, t_now: float, record: Callable[[Any], None]
) -> None:
    w = drill_world(drill, applied_mitigations(events, t_now))

    def on_console_event(kind: str, detail: dict[str, Any]) -> None:
        console = str(detail.get("console", "dashboards"))
        if kind == "mitigate" and detail.get("mitigation"):
            record(A.Mitigate(action="mitigate", mitigation=str(detail["mitigation"])))
        else:
            record(A.Look(action="look", console=console, detail=str(detail.get("detail", ""))[:300]))

    st.subheader("Investigate")
    st.caption(f"Consoles show the world as of {drill.hhmm(t_now)}; press Refresh to catch up.")
    board_open = bool(st.session_state.get(f"drill_{aid}_dashboards_open"))
    if st.button("Refresh consoles", icon=":material/refresh:") and board_open:
        # A refreshed, open board is a fresh look at the metrics: what verifying a recovery needs.
        record(A.Look(action="look", console="dashboards", detail="board refreshed"))
    cworld = ConsoleWorld(
        drill.loaded, w.trace, t_now, drill.seed, mitigations=applied_mitigations(events, t_now)
    )
    render_consoles(cworld, on_console_event, key=f"drill_{aid}")

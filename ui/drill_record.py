"""Recording the trainee's actions on the Drill page within one script run.

An action is committed by `simulator.services.drills` and confirmed ("Recorded at …") in the same
run that received the press: the page draws what depends on the log (briefing, confirmation, live
view, the trainee's log) into containers placed early and filled after the forms and consoles have
handled their presses, so the layout is unchanged and no second full run (`st.rerun`) is needed.
That second run was a third of the server's CPU per action with twenty trainees (benchmarks/
README.md, "Where an action's CPU went"). Two cases still rerun: a mitigation changes the world
the consoles above have already drawn, and an Acknowledge pressed in the live fragment reruns only
that fragment, so the confirmation and the log outside it need a full run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import streamlit as st

from simulator import actions as A
from simulator.drill import Drill, Event
from simulator.incident_report import action_label
from simulator.services import drills as drill_service
from simulator.services.database import Store
from ui.errors import storage_guard

CONFIRM_KEY = "drill_confirm"


@dataclass
class DrillRecorder:
    """Call it with an action to record it now; `recorded` lists what this run committed."""

    store: Store
    drill: Drill
    attempt_id: int
    actor: str
    now: Callable[[], datetime]
    recorded: list[Event] = field(default_factory=list)
    _log: list[Event] | None = None  # the log re-read after the latest of `recorded`

    def __call__(self, action: Any) -> Event | None:
        try:
            with storage_guard() as work:
                ev = drill_service.record_action(
                    self.store, self.attempt_id, self.drill, action, self.now(), actor=self.actor
                )
        except ValueError as exc:
            st.warning(str(exc))
            return None
        if work.failed:
            return None
        self.recorded.append(ev)
        self._log = None
        st.session_state[CONFIRM_KEY] = (
            f"Recorded at {self.drill.hhmm(ev.at_offset)}: "
            f"{action_label(self.drill, ev.kind, ev.payload, reveal=False)}"
        )
        if ev.kind == "mitigate":
            st.rerun()  # the consoles drawn above this form show the world before the mitigation
        return ev

    def acknowledge(self) -> None:
        """The pager's Acknowledge, pressed inside the live fragment: a full run shows its
        confirmation and log line, which live outside the fragment."""
        if self(A.Acknowledge(action="acknowledge")) is not None:
            st.rerun()

    def events(self, events: list[Event]) -> list[Event]:
        """The log as the rest of this run must show it: re-read once something was recorded."""
        if not self.recorded:
            return events
        if self._log is None:
            self._log = drill_service.events_for(self.store, self.attempt_id)
        return self._log


def show_confirmation() -> None:
    if msg := st.session_state.pop(CONFIRM_KEY, None):
        st.success(msg, icon=":material/check_circle:")

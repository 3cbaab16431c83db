"""A scenario's answer as trainers see it in the library: real incident or false positive, the
true severity, the root cause, who must be escalated to and by when, and what each mitigation
does. Callers show it to staff only: it is the answer key."""

from __future__ import annotations

import streamlit as st

from simulator.scenario import Scenario


def render_scenario_answer(sc: Scenario) -> None:
    with st.expander("Answer (trainers only)", icon=":material/lock:"):
        a = sc.answer
        st.markdown(
            f"**{'Real incident' if a.real else 'False positive'}** · true severity **{a.severity.value}**"
        )
        st.write(a.root_cause)
        if a.escalations:
            st.write(
                "Must escalate to: "
                + ", ".join(f"{e.role.title} within {e.within / 60:g} min" for e in a.escalations)
            )
        if a.mitigations:
            st.dataframe(
                [{"mitigation": m.label, "outcome": m.outcome} for m in a.mitigations],
                hide_index=True,
            )

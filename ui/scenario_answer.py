"""A scenario's answer as trainers see it in the library: real incident or false positive, the
true severity, the root cause, who must be escalated to and by when, and what each mitigation
does. Callers show it to staff only: it is the answer key."""

from __future__ import annotations

import streamlit as st

from simulator.scenario import Scenario
from simulator.studio import answer_summary
from ui.markdown import md_text


def render_scenario_answer(sc: Scenario) -> None:
    with st.expander("Answer (trainers only)", icon=":material/lock:"):
        a = sc.answer
        st.markdown(
            f"**{'Real incident' if a.real else 'False positive'}** · true severity **{a.severity.value}**"
        )
        st.write(a.root_cause)
        # Who must be brought in and by when, as the drill scores it: the policy's requirements
        # (IC for CRITICAL, security lead, manager with the customer notice) tightened by the
        # scenario's own, from the same summary the studio shows.
        duties = [
            line
            for line in answer_summary(sc)
            if line.startswith(("Escalate to", "Tell customers", "No escalation required"))
        ]
        st.markdown("\n".join(f"- {md_text(line)}" for line in duties))
        if a.mitigations:
            st.dataframe(
                [{"mitigation": m.label, "outcome": m.outcome} for m in a.mitigations],
                hide_index=True,
            )

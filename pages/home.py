"""Home: what firedrill is and where to start, for the signed-in role."""

from __future__ import annotations

import streamlit as st

from ui import auth
from ui.navigation import pages_for
from ui.services import builtin_scenario_errors, builtin_scenarios

user = auth.require_role("admin", "trainer", "trainee")

st.title("🔥 firedrill")
st.markdown(
    "Practise being on call before the pager is real. firedrill turns incident scenarios into "
    "live metric traces, fires alerts exactly as Prometheus would, pages you the way the team's "
    "escalation policy says, and lets you work the incident end to end — acknowledge, classify, "
    "escalate, communicate, investigate, mitigate, resolve and write the post-incident report. "
    "Every action is scored against the team's own rules and explained in a debrief."
)

available = {p.path for p in pages_for(user.role)}


def link(path: str, label: str, icon: str) -> None:
    if path in available:
        st.page_link(path, label=label, icon=icon)


left, right = st.columns(2)
with left:
    st.subheader("Where to start")
    if not user.may("see_others_results"):  # a trainee: practise; staff: set up and follow others
        st.markdown(
            "1. Open the **Curriculum** to see your five-day programme and today's module.\n"
            "2. Browse the **Scenario library** to see what real incidents look like.\n"
            "3. Run a **Drill**: you are the primary on-call engineer; the clock is ticking.\n"
            "4. Read your **Debrief** and track progress in **My attempts**."
        )
    else:
        st.markdown(
            "1. Check the **Scenario library** and preview each scenario's traces and alerts.\n"
            "2. Write or adapt scenarios in the **Scenario studio**.\n"
            "3. Create a **Cohort**, schedule the quarterly mock drill and watch the **Live drill board**.\n"
            "4. Review evidence and sign trainees off on the **Sign-off** page."
        )
    link("pages/curriculum.py", "Curriculum", ":material/school:")
    link("pages/drill.py", "Start a drill", ":material/local_fire_department:")
    link("pages/library.py", "Scenario library", ":material/library_books:")
    link("pages/authoring.py", "Scenario studio", ":material/edit_note:")
with right:
    st.subheader("The built-in pack")
    scenarios = builtin_scenarios()
    st.metric("Scenarios ready to drill", len(scenarios))
    by_sev: dict[str, int] = {}
    if user.role != "trainee":
        for loaded in scenarios.values():
            sev = loaded.scenario.answer.severity.value
            by_sev[sev] = by_sev.get(sev, 0) + 1
        if by_sev:
            st.caption("By true severity: " + ", ".join(f"{k} {v}" for k, v in sorted(by_sev.items())))
        errors = builtin_scenario_errors()
        if errors:
            st.warning(f"{len(errors)} problem(s) in scenarios/ — run `firedrill validate scenarios/`.")
            st.code("\n".join(errors[:20]), language="text")
    st.caption(
        "Scenarios live in `scenarios/` as YAML; the team's rules in `data/policy.yaml` and "
        "`data/team.yaml`. The `firedrill` command runs the same core headless."
    )

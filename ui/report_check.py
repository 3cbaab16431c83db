"""The result of checking a post-incident report against the drill's log, in words: missing
sections, timeline lines that match nothing in the log, action items without an owner or a due
date. The trainee's own words are escaped before they are shown."""

from __future__ import annotations

import streamlit as st

from simulator.incident_report import ReportCheck
from ui.markdown import md_text


def render_report_check(check: ReportCheck) -> None:
    if check.ok:
        st.success(
            "Every section is there, the timeline matches the log and every action item has an owner "
            "and a due date."
        )
    for s in check.missing_sections:
        st.warning(f"Missing or still a placeholder: {md_text(s)}")
    for e in check.timeline:
        if not e.matched:
            st.warning(
                f"Timeline {md_text(e.written)} “{md_text(e.text)}” is not within ±2 min of anything in the log"
            )
    for i in check.action_items:
        if not (i.owner and i.due):
            st.warning(f"Action item “{md_text(i.text)}” needs an owner and a due date")
    if not check.action_items:
        st.warning("No action items with an owner and a due date")

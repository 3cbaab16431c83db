"""The Drill page's widgets for the seed's procedure steps and the update rubric.

Owns the bridge-call forms (join, status update on the bridge), the resolution forms (announce
"Issue resolved at HH:MM UTC", the 30-minute watch) and the update rubric shown where the trainee
writes updates, with a live check of a draft. Records through the page's own `record` callback;
decides nothing about scoring (`simulator.scoring`, `simulator.update_rubric`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from simulator import actions as A
from simulator.drill import Drill
from simulator.update_rubric import rubric_markdown, rubric_problems

Record = Callable[[Any], None]


def render_update_rubric(key: str) -> None:
    """The rubric updates are scored by, and a scratch box that checks a draft against it."""
    with st.expander("How updates are judged (the update rubric)"):
        st.markdown(rubric_markdown())
        draft = st.text_area(
            "Check a draft (not posted)",
            key=f"rubric_draft_{key}",
            max_chars=4000,
            placeholder="14:25 UTC: Investigating … Currently … Will update in 5 minutes.",
        )
        public = st.checkbox(
            "It is for a public channel (status page, customer e-mail)", key=f"rubric_pub_{key}"
        )
        if draft.strip():
            problems = rubric_problems(draft, public=public)
            if problems:
                for p in problems:
                    # Plain text: the problem may quote what the trainee typed.
                    st.text(f"✗ {p}")
            else:
                st.success("Meets every check of the rubric.", icon=":material/check_circle:")


def render_bridge_forms(drill: Drill, record: Record) -> None:
    """Join the bridge call a CRITICAL gets, and speak a status update on it every few minutes."""
    every = drill.policy.communication.bridge_update_cadence / 60
    st.caption(
        f"CRITICAL: the incident commander opens a bridge call (Slack huddle or Zoom). Join it, "
        f"and give a status update on it every {every:g} minutes while the incident is ongoing."
    )
    with st.form("join_bridge"):
        link = st.text_input("Bridge (link or 'Slack huddle')", key="bridge_link", max_chars=300)
        if st.form_submit_button("Join the bridge call"):
            record(A.JoinBridge(action="join_bridge", link=link.strip()))
    with st.form("bridge_update"):
        text = st.text_area("Status update on the bridge", key="bridge_text", max_chars=4000)
        if st.form_submit_button("Give bridge update") and text.strip():
            record(A.BridgeUpdate(action="bridge_update", text=text.strip()))


def render_resolution_forms(drill: Drill, now_offset: float, record: Record) -> None:
    """The seed's phase 4: announce the resolution time once the metrics confirm it, then watch."""
    comm = drill.policy.communication
    st.caption(
        f"After verifying, wait {comm.confirm_before_announcing / 60:g} minutes for the metrics to "
        'confirm, then announce "Issue resolved at HH:MM UTC"; after closing, keep watching for '
        f"{comm.monitor_after_resolution / 60:g} minutes for a relapse."
    )
    with st.form("announce_resolution"):
        text = st.text_input(
            "Resolution announcement",
            value=f"Issue resolved at {drill.wall(now_offset):%H:%M} UTC",
            key="announce_text",
            max_chars=4000,
        )
        channel = st.text_input("Channel (blank: the incident channel)", key="announce_channel", max_chars=80)
        if st.form_submit_button("Announce resolution") and text.strip():
            record(
                A.AnnounceResolution(
                    action="announce_resolution", text=text.strip(), channel=channel.strip() or None
                )
            )
    with st.form("watch"):
        minutes = st.number_input(
            "Watch for a relapse (minutes)",
            min_value=1,
            max_value=1440,
            value=round(comm.monitor_after_resolution / 60),
            key="watch_minutes",
        )
        note = st.text_input("What you will watch", key="watch_note", max_chars=2000)
        if st.form_submit_button("Stand down and watch"):
            record(A.Watch(action="watch", minutes=int(minutes), note=note.strip()))

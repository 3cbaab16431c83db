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
from ui.action_drafts import DRAFT, action_card, field_key, prefill, pressed

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


def render_bridge_forms(drill: Drill, aid: int, record: Record) -> None:
    """Join the bridge call a CRITICAL gets, and speak a status update on it every few minutes."""
    every = drill.policy.communication.bridge_update_cadence / 60
    st.caption(
        f"CRITICAL: the incident commander opens a bridge call (Slack huddle or Zoom). Join it, "
        f"and give a status update on it every {every:g} minutes while the incident is ongoing."
    )
    with action_card():
        link = st.text_input(
            "Bridge (link or 'Slack huddle')", key=field_key("bridge_link", aid), max_chars=300, **DRAFT
        )
        if st.button("Join the bridge call"):
            record(A.JoinBridge(action="join_bridge", link=link.strip()))
    with action_card():
        text = st.text_area(
            "Status update on the bridge", key=field_key("bridge_text", aid), max_chars=4000, **DRAFT
        )
        if pressed("Give bridge update", "Write the bridge update first." if not text.strip() else None):
            record(A.BridgeUpdate(action="bridge_update", text=text.strip()))


def render_resolution_forms(drill: Drill, aid: int, now_offset: float, record: Record) -> None:
    """The seed's phase 4: announce the resolution time once the metrics confirm it, then watch."""
    comm = drill.policy.communication
    st.caption(
        f"After verifying, wait {comm.confirm_before_announcing / 60:g} minutes for the metrics to "
        'confirm, then announce "Issue resolved at HH:MM UTC"; after closing, keep watching for '
        f"{comm.monitor_after_resolution / 60:g} minutes for a relapse."
    )
    # The suggested wording names the current simulated time until the trainee edits it.
    announce_key = field_key("announce_text", aid)
    prefill(announce_key, f"Issue resolved at {drill.wall(now_offset):%H:%M} UTC")
    with action_card():
        text = st.text_input("Resolution announcement", key=announce_key, max_chars=4000, **DRAFT)
        channel = st.text_input(
            "Channel (blank: the incident channel)",
            key=field_key("announce_channel", aid),
            max_chars=80,
            **DRAFT,
        )
        if pressed("Announce resolution", "Write the announcement first." if not text.strip() else None):
            record(
                A.AnnounceResolution(
                    action="announce_resolution", text=text.strip(), channel=channel.strip() or None
                )
            )
    with action_card():
        minutes = st.number_input(
            "Watch for a relapse (minutes)",
            min_value=1,
            max_value=1440,
            value=round(comm.monitor_after_resolution / 60),
            key=field_key("watch_minutes", aid),
            **DRAFT,
        )
        note = st.text_input("What you will watch", key=field_key("watch_note", aid), max_chars=2000, **DRAFT)
        if st.button("Stand down and watch"):
            record(A.Watch(action="watch", minutes=int(minutes), note=note.strip()))

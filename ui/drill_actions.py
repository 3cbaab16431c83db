"""The Drill page's action bar, tab by tab: triage, escalation, communication, diagnosis and fix,
and the post-incident report. Each form hands the trainee's action to `record` (the page commits
it through `simulator.services.drills` and confirms it); nothing here decides what an action is
worth. Choices are shuffled per attempt and never preselected, so neither order nor default
hints at the answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from simulator import actions as A
from simulator.drill import Drill, Event
from simulator.incident_report import draft_post_incident_report
from simulator.reports import customer_notice_template
from simulator.spoilers import shuffled
from simulator.vocabulary import SEVERITIES, Role
from ui.drill_procedure import render_bridge_forms, render_resolution_forms, render_update_rubric

Record = Callable[[Any], None]


def render_triage(drill: Drill, aid: int, seed: int, record: Record) -> None:
    """Judge real or false positive, classify the severity, declare the incident, open its channel."""
    st.caption("Acknowledge a page on the pager above, next to the page itself.")
    with st.form("judge"):
        # No choice is made for the trainee, and the order changes per attempt, so neither a
        # default nor a position hints at the answer.
        verdict = st.radio(
            "Is this a real incident?",
            shuffled(["real", "false_positive"], seed, f"{aid}/verdict"),
            horizontal=True,
            index=None,
            format_func=lambda v: v.replace("_", " ").capitalize(),
        )
        reason = st.text_input("Why?", key="judge_reason", max_chars=A.MAX_REASON)
        if st.form_submit_button("Record judgement"):
            if verdict is None:
                st.warning("Choose real or false positive first.")
            else:
                record(A.Judge(action="judge", verdict=verdict, reason=reason))
    with st.form("classify"):
        # An ordered scale stays in order; it is only not preselected.
        sev = st.selectbox("Severity", [s.value for s in SEVERITIES], index=None, placeholder="Choose")
        why = st.text_input("Reason (impact you see)", key="classify_reason", max_chars=A.MAX_REASON)
        if st.form_submit_button("Classify"):
            if sev is None:
                st.warning("Choose a severity first.")
            else:
                record(A.Classify(action="classify", severity=sev, reason=why))
    with st.form("declare"):
        title = st.text_input("Incident title", key="declare_title", max_chars=A.MAX_NAME)
        if st.form_submit_button("Declare incident"):
            record(A.Declare(action="declare", title=title))
    with st.form("channel"):
        name = st.text_input(
            "Incident channel name", placeholder="#incident-YYYYMMDD-NNN", key="channel_name", max_chars=80
        )
        if st.form_submit_button("Open channel") and name.strip():
            record(A.OpenChannel(action="open_channel", name=name.strip()))


def render_escalate(drill: Drill, record: Record) -> None:
    """Call someone the policy names, and the bridge-call forms."""
    with st.form("escalate"):
        role = st.selectbox(
            "Call",
            [r.value for r in Role if r != Role.PRIMARY],
            index=None,
            placeholder="Choose who to call",
            format_func=lambda r: Role(r).title,
        )
        reason = st.text_input("Reason", key="esc_reason", max_chars=A.MAX_REASON)
        if st.form_submit_button("Page / call"):
            if role is None:
                st.warning("Choose who to call first.")
            else:
                record(A.Escalate(action="escalate", role=role, reason=reason))
    render_bridge_forms(drill, lambda a: record(a))


def render_communicate(drill: Drill, aid: int, t_now: float, record: Record) -> None:
    """Status updates (with the rubric), the public status page and the customer e-mail."""
    render_update_rubric(str(aid))
    with st.form("update"):
        channel = st.text_input("Channel (blank: the incident channel)", key="upd_channel", max_chars=80)
        text = st.text_area(
            "Update (impact, what you are doing, when the next update comes)", key="upd_text", max_chars=4000
        )
        if st.form_submit_button("Post update"):
            # Said, not silently ignored: text lost to a rerun while typing must not look posted.
            if not text.strip():
                st.warning("Write the update first.")
            else:
                record(
                    A.PostUpdate(action="post_update", text=text.strip(), channel=channel.strip() or None),
                )
    with st.form("status_page"):
        status = st.selectbox("Status page", list(A.STATUS_PAGE_STATES))
        message = st.text_input("Public message", key="sp_message", max_chars=A.MAX_MESSAGE)
        if st.form_submit_button("Update status page"):
            record(A.StatusPage(action="status_page", status=status, message=message))
    subject0, body0 = customer_notice_template(drill, t_now)
    with st.form("customers"):
        subject = st.text_input("Subject", value=subject0, key="cust_subject", max_chars=300)
        body = st.text_area("Customer e-mail", value=body0, height=220, key="cust_body", max_chars=10000)
        if st.form_submit_button("Send customer notification"):
            record(
                A.NotifyCustomers(action="notify_customers", subject=subject or subject0, body=body or body0),
            )


def render_fix(drill: Drill, aid: int, seed: int, t_now: float, record: Record) -> None:
    """Hypothesis, mitigation, verifying recovery, resolving, and the resolution forms."""
    sc = drill.scenario
    diag = sc.answer.diagnosis
    if diag:
        with st.form("hypothesis"):
            option = st.radio(
                "Most likely root cause",
                shuffled([o.id for o in diag.options], seed, f"{aid}/hypothesis"),
                index=None,
                format_func=lambda i: next(o.text for o in diag.options if o.id == i),
            )
            conf = st.select_slider("Confidence", ["low", "medium", "high"], value="medium")
            evidence = st.text_input("Evidence", key="hyp_evidence", max_chars=A.MAX_REASON)
            if st.form_submit_button("Record hypothesis"):
                if option is None:
                    st.warning("Choose the cause you think most likely first.")
                else:
                    record(
                        A.Hypothesis(action="hypothesis", option=option, confidence=conf, evidence=evidence),
                    )
    with st.form("mitigate"):
        # Labels only: whether an option is right or harmful is for the debrief.
        mid = st.selectbox(
            "Mitigation",
            shuffled([m.id for m in sc.answer.mitigations], seed, f"{aid}/mitigation"),
            index=None,
            placeholder="Choose a mitigation",
            format_func=lambda i: drill.mitigation(i).label,
        )  # type: ignore[union-attr]
        if st.form_submit_button("Apply mitigation"):
            if mid is None:
                st.warning("Choose a mitigation first.")
            else:
                record(A.Mitigate(action="mitigate", mitigation=mid))
    with st.form("verify"):
        st.caption(
            "Recovery counts as verified when you looked at the dashboards after the metrics came "
            "back (open or refresh the board, change its range or run an Explore query)."
        )
        what = st.text_input("What did you check?", key="verify_what", max_chars=A.MAX_REASON)
        if st.form_submit_button("Verify recovery"):
            record(A.Verify(action="verify", what=what))
    with st.form("resolve"):
        summary = st.text_input("Resolution summary", key="resolve_summary", max_chars=A.MAX_MESSAGE)
        if st.form_submit_button("Resolve incident"):
            record(A.Resolve(action="resolve", summary=summary))
    render_resolution_forms(drill, t_now, lambda a: record(a))


def render_report(drill: Drill, events: Sequence[Event], aid: int, record: Record) -> None:
    """The post-incident report drafted from the log, editable and saved as an action."""
    st.caption("Drafted from your log in the team's template. Fill in the <placeholders>, then save it.")
    with st.form("report"):
        md = st.text_area(
            "Post-incident report (Markdown)",
            value=draft_post_incident_report(drill, events),
            height=400,
            key=f"report_md_{aid}",
            max_chars=100_000,
        )
        if st.form_submit_button("Save report"):
            record(A.WriteReport(action="write_report", markdown=md))

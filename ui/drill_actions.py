"""The Drill page's action bar, tab by tab: triage, escalation, communication, diagnosis and fix,
and the post-incident report. Each action's button hands the trainee's action to `record` (the page
commits it through `simulator.services.drills` and confirms it); nothing here decides what an
action is worth. Choices are shuffled per attempt and never preselected, so neither order nor
default hints at the answer. The fields keep what was typed while their tab is closed
(`ui.action_drafts`)."""

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
from ui.action_drafts import DRAFT, action_card, field_key, prefill, pressed
from ui.drill_procedure import render_bridge_forms, render_resolution_forms, render_update_rubric

Record = Callable[[Any], None]


def render_triage(drill: Drill, aid: int, seed: int, record: Record) -> None:
    """Judge real or false positive, classify the severity, declare the incident, open its channel."""
    st.caption("Acknowledge a page on the pager above, next to the page itself.")
    with action_card():
        # No choice is made for the trainee, and the order changes per attempt, so neither a
        # default nor a position hints at the answer.
        verdict = st.radio(
            "Is this a real incident?",
            shuffled(["real", "false_positive"], seed, f"{aid}/verdict"),
            horizontal=True,
            index=None,
            format_func=lambda v: v.replace("_", " ").capitalize(),
            key=field_key("judge_verdict", aid),
            **DRAFT,
        )
        reason = st.text_input("Why?", key=field_key("judge_reason", aid), max_chars=A.MAX_REASON, **DRAFT)
        if pressed("Record judgement", "Choose real or false positive first." if verdict is None else None):
            record(A.Judge(action="judge", verdict=verdict, reason=reason))
    with action_card():
        # An ordered scale stays in order; it is only not preselected.
        sev = st.selectbox(
            "Severity",
            [s.value for s in SEVERITIES],
            index=None,
            placeholder="Choose",
            key=field_key("classify_severity", aid),
            **DRAFT,
        )
        why = st.text_input(
            "Reason (impact you see)", key=field_key("classify_reason", aid), max_chars=A.MAX_REASON, **DRAFT
        )
        if pressed("Classify", "Choose a severity first." if sev is None else None):
            record(A.Classify(action="classify", severity=sev, reason=why))
    with action_card():
        title = st.text_input(
            "Incident title", key=field_key("declare_title", aid), max_chars=A.MAX_NAME, **DRAFT
        )
        if st.button("Declare incident"):
            record(A.Declare(action="declare", title=title))
    with action_card():
        name = st.text_input(
            "Incident channel name",
            placeholder="#incident-YYYYMMDD-NNN",
            key=field_key("channel_name", aid),
            max_chars=80,
            **DRAFT,
        )
        if pressed("Open channel", "Name the channel first." if not name.strip() else None):
            record(A.OpenChannel(action="open_channel", name=name.strip()))


def render_escalate(drill: Drill, aid: int, record: Record) -> None:
    """Call someone the policy names, and the bridge-call forms."""
    with action_card():
        role = st.selectbox(
            "Call",
            [r.value for r in Role if r != Role.PRIMARY],
            index=None,
            placeholder="Choose who to call",
            format_func=lambda r: Role(r).title,
            key=field_key("esc_role", aid),
            **DRAFT,
        )
        reason = st.text_input("Reason", key=field_key("esc_reason", aid), max_chars=A.MAX_REASON, **DRAFT)
        if pressed("Page / call", "Choose who to call first." if role is None else None):
            record(A.Escalate(action="escalate", role=role, reason=reason))
    render_bridge_forms(drill, aid, record)


def render_communicate(drill: Drill, aid: int, t_now: float, record: Record) -> None:
    """Status updates (with the rubric), the public status page and the customer e-mail."""
    render_update_rubric(str(aid))
    with action_card():
        channel = st.text_input(
            "Channel (blank: the incident channel)", key=field_key("upd_channel", aid), max_chars=80, **DRAFT
        )
        text = st.text_area(
            "Update (impact, what you are doing, when the next update comes)",
            key=field_key("upd_text", aid),
            max_chars=4000,
            **DRAFT,
        )
        if pressed("Post update", "Write the update first." if not text.strip() else None):
            record(
                A.PostUpdate(action="post_update", text=text.strip(), channel=channel.strip() or None),
            )
    with action_card():
        status = st.selectbox(
            "Status page", list(A.STATUS_PAGE_STATES), key=field_key("sp_status", aid), **DRAFT
        )
        message = st.text_input(
            "Public message", key=field_key("sp_message", aid), max_chars=A.MAX_MESSAGE, **DRAFT
        )
        if st.button("Update status page"):
            record(A.StatusPage(action="status_page", status=status, message=message))
    subject0, body0 = customer_notice_template(drill, t_now)
    subject_key, body_key = field_key("cust_subject", aid), field_key("cust_body", aid)
    prefill(subject_key, subject0)
    prefill(body_key, body0)
    with action_card():
        subject = st.text_input("Subject", key=subject_key, max_chars=300, **DRAFT)
        body = st.text_area("Customer e-mail", height=220, key=body_key, max_chars=10000, **DRAFT)
        if st.button("Send customer notification"):
            record(
                A.NotifyCustomers(action="notify_customers", subject=subject or subject0, body=body or body0),
            )


def render_fix(drill: Drill, aid: int, seed: int, t_now: float, record: Record) -> None:
    """Hypothesis, mitigation, verifying recovery, resolving, and the resolution forms."""
    sc = drill.scenario
    diag = sc.answer.diagnosis
    if diag:
        with action_card():
            option = st.radio(
                "Most likely root cause",
                shuffled([o.id for o in diag.options], seed, f"{aid}/hypothesis"),
                index=None,
                format_func=lambda i: next(o.text for o in diag.options if o.id == i),
                key=field_key("hyp_option", aid),
                **DRAFT,
            )
            conf = st.select_slider(
                "Confidence",
                ["low", "medium", "high"],
                value="medium",
                key=field_key("hyp_conf", aid),
                **DRAFT,
            )
            evidence = st.text_input(
                "Evidence", key=field_key("hyp_evidence", aid), max_chars=A.MAX_REASON, **DRAFT
            )
            if pressed(
                "Record hypothesis",
                "Choose the cause you think most likely first." if option is None else None,
            ):
                record(
                    A.Hypothesis(action="hypothesis", option=option, confidence=conf, evidence=evidence),
                )
    with action_card():
        # Labels only: whether an option is right or harmful is for the debrief.
        mid = st.selectbox(
            "Mitigation",
            shuffled([m.id for m in sc.answer.mitigations], seed, f"{aid}/mitigation"),
            index=None,
            placeholder="Choose a mitigation",
            format_func=lambda i: drill.mitigation(i).label,  # type: ignore[union-attr]
            key=field_key("mitigation", aid),
            **DRAFT,
        )
        if pressed("Apply mitigation", "Choose a mitigation first." if mid is None else None):
            record(A.Mitigate(action="mitigate", mitigation=mid))
    with action_card():
        st.caption(
            "Recovery counts as verified when you looked at the dashboards after the metrics came "
            "back (open or refresh the board, change its range or run an Explore query)."
        )
        what = st.text_input(
            "What did you check?", key=field_key("verify_what", aid), max_chars=A.MAX_REASON, **DRAFT
        )
        if st.button("Verify recovery"):
            record(A.Verify(action="verify", what=what))
    with action_card():
        summary = st.text_input(
            "Resolution summary", key=field_key("resolve_summary", aid), max_chars=A.MAX_MESSAGE, **DRAFT
        )
        if st.button("Resolve incident"):
            record(A.Resolve(action="resolve", summary=summary))
    render_resolution_forms(drill, aid, t_now, record)


def render_report(drill: Drill, events: Sequence[Event], aid: int, record: Record) -> None:
    """The post-incident report drafted from the log, editable and saved as an action."""
    st.caption(
        "Drafted from your log in the team's template; the draft follows your log until you edit it. "
        "Fill in the <placeholders>, then save it."
    )
    key = field_key("report_md", aid)
    prefill(key, draft_post_incident_report(drill, events))
    with action_card():
        md = st.text_area("Post-incident report (Markdown)", height=400, key=key, max_chars=100_000, **DRAFT)
        if st.button("Save report"):
            record(A.WriteReport(action="write_report", markdown=md))

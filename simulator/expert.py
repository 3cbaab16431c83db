"""The expert path: what a calm, by-the-book on-call engineer does in a drill.

Owns `expert_actions`, derived from the scenario's answer and the team's policy: used to draft
`scenarios/<id>.expert.yaml` (`firedrill drill --draft-expert`) and, when no file exists, as the
debrief's expert path. It sits above the drill, the policy checks and the post-incident report, so
none of them needs to import it back.
"""

from __future__ import annotations

from typing import Any

from .actions import Action
from .actions import parse_action as pa
from .drill import Drill, Event, action_event, critical_from, world
from .incident_report import draft_post_incident_report
from .scenario_checks import escalation_deadlines
from .vocabulary import Role, Severity


def expert_actions(drill: Drill) -> list[tuple[float, Action]]:
    """What a calm, by-the-book on-call engineer does in this scenario, derived from the answer.

    Used to draft `scenarios/<id>.expert.yaml` and, when no file exists, as the debrief's expert path."""
    sc = drill.scenario
    ans = sc.answer
    w = world(drill)
    ff = w.timeline.first_firing()
    t0 = ff if ff is not None else 60.0
    out: list[tuple[float, dict[str, Any]]] = []
    t = t0 + 45

    def add(dt: float, **kw: Any) -> None:
        nonlocal t
        t += dt
        out.append((t, kw))

    add(0, action="acknowledge")
    looks = list(ans.diagnosis.evidence) if ans.diagnosis else ["dashboards"]
    add(15, action="look", console="dashboards", detail="confirm the alert against the panels")
    add(
        15,
        action="judge",
        verdict="real" if ans.real else "false_positive",
        reason="dashboards and logs confirm the alert"
        if ans.real
        else "the service is healthy; monitoring is not",
    )
    sev = ans.severity if ans.real else Severity.LOW
    add(15, action="classify", severity=sev.value, reason="impact matches the policy's definition")
    major = ans.real and sev.rank <= Severity.HIGH.rank
    inc_date = drill.wall(t)
    channel = drill.policy.incident_channel_name(inc_date.date(), 1) if major else "#monitoring"
    if major:
        add(15, action="declare", title=ans.title)
        add(15, action="open_channel", name=channel)
    # Everyone the drill will require: the policy's deadlines (IC for CRITICAL, security lead,
    # the manager when customers must be told) tightened by the scenario's own.
    policy = drill.policy
    open_until = t0 + float(ans.expected_resolution) if ans.expected_resolution else None
    deadlines = escalation_deadlines(sc, policy, t0, open_until) if ans.real else []
    for d in sorted(deadlines, key=lambda d: d.due):
        if d.role is not None:
            add(15, action="escalate", role=d.role.value, reason=d.reason)
    impact = ans.impact or "customers may notice degraded service"
    if ans.real:
        add(
            20,
            action="post_update",
            channel=channel,
            text=f"Investigating: {impact}. Currently checking dashboards and logs. Next update in 5 minutes.",
        )
    if major:
        add(
            10,
            action="status_page",
            status="Investigating",
            message="We are investigating an issue with the API.",
        )
    if ans.customer_notification and ans.customer_notification.required:
        add(
            15,
            action="notify_customers",
            subject=f"[INCIDENT] {ans.title}",
            body=f"We are investigating a service disruption. Impact: {impact}. We will update you within 30 minutes.",
        )
    for c in looks:
        if c != "dashboards":
            add(20, action="look", console=c, detail="evidence for the diagnosis")
    if ans.diagnosis:
        add(
            20,
            action="hypothesis",
            option=ans.diagnosis.correct,
            confidence="high",
            evidence=f"seen in {', '.join(looks)}",
        )
    if major:
        add(
            10,
            action="status_page",
            status="Identified",
            message="We have identified the cause and are fixing it.",
        )
    fix = next((m for m in ans.mitigations if m.outcome == "correct"), None)
    if fix is not None:
        add(15, action="mitigate", mitigation=fix.id)
        if ans.real:
            add(
                10,
                action="post_update",
                channel=channel,
                text=f"Mitigating: {fix.label}. Impact: {impact}. Watching the metrics; next update in 5 minutes.",
            )
    # Wait until the alerts have resolved after the fix, then verify.
    applied = [(a, k["mitigation"]) for a, k in out if k["action"] == "mitigate"]
    w2 = world(drill, applied)
    t_ok = t + 60
    while t_ok < drill.duration - 120 and (w2.timeline.firing_at(t_ok) or w2.timeline.pending_at(t_ok)):
        if ans.real and t_ok - max(a for a, k in out if k["action"] == "post_update") >= 300:
            out.append(
                (
                    t_ok,
                    {
                        "action": "post_update",
                        "channel": channel,
                        "text": f"Monitoring: fix applied, metrics recovering. Impact: {impact}. "
                        "Next update in 5 minutes.",
                    },
                )
            )
        t_ok += 30
    t = max(t, t_ok)
    add(0, action="verify", what="alerts resolved and error rate back to baseline")
    verified_at = t
    if major:
        add(10, action="status_page", status="Monitoring", message="A fix is in place; we are monitoring.")
    if ans.real:
        add(
            10,
            action="post_update",
            channel=channel,
            text=f"Resolved: {fix.label if fix else 'mitigated'}. Impact: {impact}. "
            "Final update; the post-incident report follows within 24 hours.",
        )
        # The seed's phase 4: wait for the metrics to confirm, then announce the resolution time.
        t = max(t, verified_at + drill.policy.communication.confirm_before_announcing)
        add(
            0,
            action="announce_resolution",
            channel=channel,
            text=f"Issue resolved at {drill.wall(verified_at):%H:%M} UTC. Metrics confirmed stable since.",
        )
    if major:
        add(
            10,
            action="status_page",
            status="Resolved",
            message="The issue is resolved; service fully operational.",
        )
    if ans.customer_notification and ans.customer_notification.required:
        from .update_rubric import internals_in

        # Customers get the cause without host names or queries (the update rubric's public rule).
        public_cause = ans.root_cause.strip()
        if internals_in(public_cause):
            public_cause = "identified and fixed; our incident report follows with the details."
        add(
            10,
            action="notify_customers",
            subject=f"[INCIDENT RESOLVED] {ans.title}",
            body=f"The disruption is resolved. Impact: {impact}. Root cause: {public_cause}",
        )
    # Scoring credits verification only for a look at the metrics after they recovered.
    add(
        10,
        action="look",
        console="dashboards",
        detail="a last look at the recovered metrics before resolving",
    )
    add(0, action="resolve", summary=ans.root_cause.strip())
    if ans.real:
        watch = round(drill.policy.communication.monitor_after_resolution / 60)
        add(10, action="watch", minutes=watch, note="watching for a relapse or cascading failures")
    # A severity that changes during the incident is re-classified once the change shows.
    for ch in sorted(ans.severity_changes, key=lambda c: c.at):
        if ans.real and ch.at > t0:
            out.append(
                (
                    float(ch.at) + 30,
                    {
                        "action": "classify",
                        "severity": ch.severity.value,
                        "reason": ch.reason or "impact changed",
                    },
                )
            )
    _join_the_bridge(drill, out, t0)
    res = [(a, pa(k)) for a, k in sorted(out, key=lambda x: x[0])]
    if ans.real:
        events: list[Event] = []
        for a, act in res:
            events.append(action_event(events, a, act))
        md = draft_post_incident_report(drill, events, expert=True)
        res.append((t + 30, pa({"action": "write_report", "markdown": md})))
    return [(min(a, drill.duration), act) for a, act in res]


def _join_the_bridge(drill: Drill, out: list[tuple[float, dict[str, Any]]], t0: float) -> None:
    """A CRITICAL's bridge call, woven into an expert path: join once it is CRITICAL (after the
    incident commander is paged), then a status update on the bridge within every cadence window."""
    became = critical_from(drill)
    if became is None:
        return
    ic = [a for a, k in out if k["action"] == "escalate" and k.get("role") == Role.INCIDENT_COMMANDER.value]
    join = max([t0, became, *ic[:1]]) + 10
    stop = max((a for a, k in out if k["action"] == "resolve"), default=drill.duration)
    out.append((join, {"action": "join_bridge", "link": "Slack huddle in the incident channel"}))
    step = max(60.0, drill.policy.communication.bridge_update_cadence - 30)
    at = join + 30
    while at < stop:
        out.append(
            (
                at,
                {
                    "action": "bridge_update",
                    "text": "Status for the bridge: impact unchanged or improving; working the fix; "
                    "next bridge update in 5 minutes.",
                },
            )
        )
        at += step

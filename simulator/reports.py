"""Debriefs drawn from a drill's event log.

Owns the debrief: timeline chart data (metrics, alert bands, the trainee's actions beside the
expert path), strengths, areas for improvement and an improvement plan in after-action-report
style, and the customer-notice template. The post-incident report itself is drafted and checked
in `simulator.incident_report`; scoring is `simulator.scoring`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .actions import Action
from .drill import Drill, Event, actions_of, applied_mitigations, end_offset, world
from .expert import expert_actions
from .incident_report import action_label

# --- the debrief ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    at: float
    kind: str
    label: str
    who: str  # trainee | expert


@dataclass(frozen=True)
class AlertBand:
    alert: str
    state: str  # pending | firing
    start: float
    end: float


@dataclass(frozen=True)
class SeriesData:
    key: str
    name: str
    panel: str
    offsets: tuple[float, ...]
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Debrief:
    scenario_id: str
    title: str
    start: datetime
    end: float
    series: tuple[SeriesData, ...]
    bands: tuple[AlertBand, ...]
    trainee: tuple[Marker, ...]
    expert: tuple[Marker, ...]
    scorecard: Any
    strengths: tuple[str, ...]
    improvements: tuple[str, ...]
    plan: tuple[dict[str, str], ...]
    takeaway: str = ""
    root_cause: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_PLAN = {
    "acknowledge": ("Acknowledge within the severity's target", "Day 2 · Alerts: pager practice"),
    "judgement": (
        "Confirm an alert against dashboards and logs before acting",
        "Day 2 · Alerts: false positives",
    ),
    "severity": (
        "Classify with the policy's severity ladder; re-classify when impact changes",
        "Day 4 · Incident response: severity",
    ),
    "escalation": (
        "Call exactly the roles the situation needs, on time",
        "Day 4 · Incident response: escalation",
    ),
    "communication": (
        "Open the right channel, post updates every 5–10 min with impact, action and next update, "
        "notify customers within the deadline",
        "Day 4 · Incident response: communication",
    ),
    "diagnosis": (
        "Form a hypothesis from evidence, apply the fix, verify recovery before resolving",
        "Day 3 · Runbook exercises",
    ),
    "report": (
        "Write the post-incident report: all sections, accurate timeline, owned and dated actions",
        "Day 4 · Post-incident analysis",
    ),
}


def _bands(timeline) -> list[AlertBand]:
    out = []
    for a in timeline.alerts:
        for ep in a.episodes:
            end_p = ep.firing_at if ep.firing_at is not None else ep.resolved_at
            if end_p is None:
                end_p = float(timeline.ticks[-1])
            if end_p > ep.pending_at:
                out.append(AlertBand(a.name, "pending", ep.pending_at, end_p))
            if ep.firing_at is not None:
                out.append(
                    AlertBand(
                        a.name,
                        "firing",
                        ep.firing_at,
                        ep.resolved_at if ep.resolved_at is not None else float(timeline.ticks[-1]),
                    )
                )
    return out


def debrief(
    drill: Drill,
    events: Sequence[Event],
    scorecard: Any,
    expert: Sequence[tuple[float, Action]] | None = None,
) -> Debrief:
    """Everything the debrief page shows, computed from the log (only after the drill is over)."""
    w = world(drill, applied_mitigations(events))
    end = end_offset(drill, events)
    panels = {m.key: (m.panel or m.name) for m in drill.scenario.metrics}
    series = []
    for s in w.trace:
        vals = tuple(None if not p else float(v) for v, p in zip(s.values, s.present, strict=True))
        series.append(
            SeriesData(
                s.key, s.name, panels.get(s.key, s.name), tuple(float(x) for x in w.trace.offsets), vals
            )
        )
    trainee = tuple(
        Marker(e.at_offset, e.kind, action_label(drill, e.kind, e.payload), "trainee")
        for e, _ in actions_of(events)
    )
    exp = list(expert) if expert is not None else expert_actions(drill)
    expert_markers = []
    for at, a in exp:
        payload = a.model_dump(mode="json")
        kind = payload.pop("action")
        expert_markers.append(Marker(at, kind, action_label(drill, kind, payload), "expert"))
    strengths, improvements, plan = [], [], []
    for c in scorecard.criteria:
        good = [e.note for e in c.evidence if e.deduction == 0]
        bad = [e for e in c.evidence if e.deduction > 0]
        if c.rating == "P":
            strengths.append(f"{c.title} ({c.rating}): " + ("; ".join(good[:3]) or "no issues"))
        else:
            detail = "; ".join(
                e.note
                + (
                    f" (you: {e.trainee_time or 'never'}, expected by {e.expected_time})"
                    if e.expected_time
                    else ""
                )
                for e in bad[:3]
            )
            improvements.append(f"{c.title} ({c.rating}, {c.score:.2f}): {detail or 'see the evidence'}")
            goal, module = _PLAN[c.key]
            plan.append(
                {
                    "criterion": c.title,
                    "rating": c.rating,
                    "goal": goal,
                    "practise": module,
                    "owner": "trainee",
                    "due": "before the next drill",
                }
            )
    return Debrief(
        drill.scenario.id,
        drill.scenario.title,
        drill.scenario.clock.start,
        end,
        tuple(series),
        tuple(_bands(w.timeline)),
        trainee,
        tuple(expert_markers),
        scorecard,
        tuple(strengths),
        tuple(improvements),
        tuple(plan),
        drill.scenario.answer.debrief,
        drill.scenario.answer.root_cause,
    )


def after_action_markdown(d: Debrief) -> str:
    """The after-action report: strengths, areas for improvement, ratings with evidence, improvement plan."""
    from .scoring import verdict

    sc = d.scorecard
    decided = verdict(sc)  # the one pass rule, as the debrief page and sign-off apply it
    lines = [
        f"# After-action report: {d.title}",
        "",
        f"Result: **{'PASSED' if decided.passed else 'NOT PASSED'}** — score {sc.score:.2f} (pass mark {sc.pass_mark})",
        "",
    ]
    if decided.reasons:
        lines += ["Why not passed:", *[f"- {r}" for r in decided.reasons], ""]
    lines += ["## Ratings", "", "| Criterion | Score | Rating |", "|---|---|---|"]
    lines += [f"| {c.title} | {c.score:.2f} | {c.rating} |" for c in sc.criteria]
    lines += ["", "## Strengths", "", *([f"- {s}" for s in d.strengths] or ["- none recorded"])]
    lines += ["", "## Areas for improvement", "", *([f"- {s}" for s in d.improvements] or ["- none"])]
    lines += ["", "## Improvement plan", ""]
    lines += [
        f"- {p['criterion']} ({p['rating']}): {p['goal']} — practise: {p['practise']} "
        f"(owner: {p['owner']}, due: {p['due']})"
        for p in d.plan
    ] or ["- keep practising at a higher difficulty"]
    if d.takeaway:
        lines += ["", "## Trainer's take-away", "", d.takeaway]
    return "\n".join(lines) + "\n"


def timeline_figure(d: Debrief, panels: Sequence[str] | None = None):
    """A plotly figure: chosen panels' series, alert bands shaded, trainee and expert actions as markers."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    all_panels = list(dict.fromkeys(s.panel for s in d.series))
    chosen = [p for p in (panels or all_panels[:3]) if p in all_panels] or all_panels[:1]
    fig = make_subplots(
        rows=len(chosen) + 1,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[*chosen, "Actions (trainee above, expert below)"],
    )

    def when(off: float) -> datetime:
        return d.start + timedelta(seconds=off)

    for row, panel in enumerate(chosen, start=1):
        for s in d.series:
            if s.panel == panel:
                fig.add_trace(
                    go.Scatter(x=[when(o) for o in s.offsets], y=list(s.values), name=s.key, mode="lines"),
                    row=row,
                    col=1,
                )
    for band in d.bands:
        fig.add_vrect(
            x0=when(band.start),
            x1=when(band.end),
            opacity=0.12 if band.state == "pending" else 0.2,
            fillcolor="orange" if band.state == "pending" else "red",
            line_width=0,
        )
    last = len(chosen) + 1
    for markers, y, color in ((d.trainee, 1, "royalblue"), (d.expert, 0, "seagreen")):
        fig.add_trace(
            go.Scatter(
                x=[when(m.at) for m in markers],
                y=[y] * len(markers),
                mode="markers",
                marker={"size": 10, "color": color},
                text=[m.label for m in markers],
                hovertemplate="%{text}<extra></extra>",
                name="You" if y else "Expert path",
            ),
            row=last,
            col=1,
        )
    fig.update_yaxes(showticklabels=False, row=last, col=1, range=[-0.5, 1.5])
    fig.update_layout(height=220 * (len(chosen) + 1), margin={"l": 40, "r": 10, "t": 40, "b": 20})
    return fig


def customer_notice_template(drill: Drill, now: float, resolved: bool = False) -> tuple[str, str]:
    """The seed's customer e-mail, pre-filled with what the trainee can know at `now` (editable)."""
    day = drill.wall(now)
    subject = (
        f"[INCIDENT RESOLVED] Service Disruption on {day:%B %d, %Y}"
        if resolved
        else f"[INCIDENT] Service Disruption on {day:%B %d, %Y}"
    )
    body = (
        "Dear Valued Customer,\n\n"
        f"We are experiencing a service disruption since {day:%H:%M} UTC on {day:%B %d, %Y}.\n\n"
        "Impact:\n<what customers notice>\n\n"
        "Current status:\nWe are investigating and will update you within 30 minutes.\n\n"
        "We apologize for any disruption this causes.\n\nBest regards,\nOperations Team"
    )
    if resolved:
        body = body.replace(
            "We are experiencing a service disruption since", "We experienced a service disruption from"
        )
    return subject, body
